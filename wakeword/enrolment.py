"""The resident's own takes of their phrases, kept on the device only.

Each phrase has a name, the words, a kind (the wake word or a call for help)
and three or so takes; how far the takes lie from each other (their spread)
sets the phrase's own threshold. Takes are trimmed to the speech in them and stored
as 16 kHz WAV files beside an index; nothing here ever leaves the device.
The index is replaced atomically, so a power cut during enrolment leaves
the previous enrolment intact.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from speaker_app.audio import AudioClip, read_wav, write_wav

from .detection import DISTRESS, WAKE
from .features import mfcc
from .templates import Template, TemplateDetector, take_spread

# A take quieter than this was said too far from the speaker, or not at all.
MIN_LEVEL_DBFS = -40.0
MIN_SPEECH_S = 0.25


class EnrolmentError(ValueError):
    """A take or a name that cannot be enrolled; the message says what to do."""


@dataclass(frozen=True)
class EnrolledPhrase:
    name: str
    phrase: str
    kind: str
    takes: tuple[Path, ...]


def level_dbfs(clip: AudioClip) -> float:
    samples = clip.samples().astype(np.float64)
    rms = np.sqrt(np.mean(samples ** 2)) if len(samples) else 0.0
    return 20 * np.log10(max(rms, 1e-9) / 32768)


def trim_to_speech(clip: AudioClip, floor_db: float = 30.0) -> AudioClip:
    """Cuts the silence around a take: frames more than `floor_db` below its loudest frame."""
    frame = 160  # 10 ms
    samples = clip.samples()
    count = len(samples) // frame
    if count == 0:
        return clip
    energy = np.sqrt(np.mean(samples[:count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1))
    loud = np.flatnonzero(20 * np.log10(np.maximum(energy, 1e-9) / max(energy.max(), 1e-9)) > -floor_db)
    start, end = max(loud[0] - 5, 0), min(loud[-1] + 6, count)  # keep 50 ms either side
    return AudioClip.from_samples(samples[start * frame:end * frame])


def check_take(clip: AudioClip, label: str) -> AudioClip:
    """The take trimmed to its speech, or an error saying how to record it again."""
    speech = trim_to_speech(clip)
    level = level_dbfs(speech)
    if level < MIN_LEVEL_DBFS:
        raise EnrolmentError(f"{label} is too quiet ({level:.0f} dBFS); say it again, closer to the speaker")
    if speech.seconds < MIN_SPEECH_S:
        raise EnrolmentError(f"{label} holds only {speech.seconds:.2f} s of sound; say the whole phrase")
    if np.mean(np.abs(speech.samples()) >= 32700) > 0.01:
        raise EnrolmentError(f"{label} is clipped (too loud); say it again, a little further from the speaker")
    return speech


class EnrolmentStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder).expanduser()
        self.index = self.folder / "enrolment.json"

    def phrases(self) -> list[EnrolledPhrase]:
        if not self.index.exists():
            return []
        try:
            entries = json.loads(self.index.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise EnrolmentError(f"the enrolment index {self.index} cannot be read ({error}); "
                                 "enrol the phrases again with speaker-app enroll") from None
        try:
            return [EnrolledPhrase(e["name"], e["phrase"], e["kind"], tuple(self.folder / t for t in e["takes"]))
                    for e in entries]
        except (KeyError, TypeError, ValueError) as error:
            raise EnrolmentError(f"the enrolment index {self.index} is incomplete ({error!r}; an older version's?); "
                                 "enrol the phrases again with speaker-app enroll") from None

    def add(self, name: str, phrase: str, kind: str, takes: Sequence[AudioClip]) -> EnrolledPhrase:
        if not re.fullmatch(r"[\w-]+", name):
            raise EnrolmentError(f"the name {name!r} may hold only letters, digits, '-' and '_'")
        if kind not in (WAKE, DISTRESS):
            raise EnrolmentError(f"the kind must be '{WAKE}' or '{DISTRESS}', not {kind!r}")
        if len(takes) < 2:
            raise EnrolmentError("enrol at least two takes (three are best): the detector needs two to agree")
        self.folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for number, take in enumerate(takes, 1):
            path = self.folder / f"{name}-{number}.wav"
            write_wav(path, take)
            paths.append(path)
        entry = EnrolledPhrase(name, phrase, kind, tuple(paths))
        kept = [p for p in self.phrases() if p.name != name]
        self._write_index(kept + [entry])
        return entry

    def _write_index(self, phrases: list[EnrolledPhrase]) -> None:
        entries = [{"name": p.name, "phrase": p.phrase, "kind": p.kind,
                    "takes": [t.name for t in p.takes]} for p in phrases]
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(entries, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.index)

    def detector(self, margins: dict[str, float]) -> tuple[TemplateDetector | None, dict[str, str]]:
        """The enrolled takes as templates (None when nothing is enrolled) and each phrase's kind by name.

        A phrase's threshold is its takes' spread plus the margin for its kind.
        The spread is measured here, from the takes, so takes enrolled before
        the detector's measure changed keep working.
        """
        templates, kinds, thresholds = [], {}, {}
        for phrase in self.phrases():
            kinds[phrase.name] = phrase.kind
            features = [mfcc(read_wav(take)) for take in phrase.takes]
            thresholds[phrase.name] = take_spread(features) + margins[phrase.kind]
            templates += [Template(phrase.name, phrase.phrase, f) for f in features]
        return (TemplateDetector(templates, thresholds) if templates else None), kinds
