"""A scripted day: what the resident answers, and when they speak up on their own.

    date: 2026-11-25
    resident:
      - at: "07:50"
        answers: ["잘 잤어요", "네 먹었어요", "좋아요"]   # answers to the speaker's next questions
      - at: "14:00"
        says: "머리가 좀 아파요"                         # the resident starts a conversation
      - at: "19:00"
        answers: []                                       # from now on, silence
      - at: "20:00"
        answers: [{wav: recordings/yes.wav}]              # a recording, through the voice path

Answers are the text the recogniser would write, or `{wav: FILE}` (relative to
the scenario's folder): a recording that goes through the live speaker's voice
path (scheduler/recorded.py), so what the routine gets is what the VAD, the
detectors and the recogniser made of it. `says` takes either too. Each
`answers` entry replaces those not yet used; a question with no answer left is
met with silence, which costs the no-answer timeout on the simulated clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Sequence
from zoneinfo import ZoneInfo

import yaml

from speaker_app.config import ConfigError

from .clock import SimulatedClock
from .recorded import Recording, VoicePath

Speech = str | Recording

SECONDS_PER_CHARACTER = 0.18  # espeak-ng at a slow rate speaks about this fast
ANSWER_S = 3.0  # a resident's short answer and the pause before it


@dataclass
class Scenario:
    day: date
    answers: list[tuple[datetime, list[Speech]]] = field(default_factory=list)
    sayings: list[tuple[datetime, Speech]] = field(default_factory=list)

    @property
    def has_recordings(self) -> bool:
        spoken = [s for _, line in self.answers for s in line] + [s for _, s in self.sayings]
        return any(isinstance(s, Recording) for s in spoken)


def _speech(value, where: str, folder: Path) -> Speech:
    if isinstance(value, dict):
        if set(value) != {"wav"}:
            raise ConfigError(f"{where}: a recording is written {{wav: FILE}}, not {value!r}")
        path = (folder / str(value["wav"])).resolve()
        if not path.is_file():
            raise ConfigError(f"{where}: no WAV file {path}")
        return Recording(path)
    return str(value)


def load_scenario(path: Path, zone: str) -> Scenario:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read the scenario {path}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("date"), date):
        raise ConfigError(f"{path}: a scenario needs a 'date: YYYY-MM-DD' and a 'resident' list")
    scenario = Scenario(data["date"])
    for i, entry in enumerate(data.get("resident") or []):
        if not isinstance(entry, dict) or "at" not in entry or not ({"answers", "says"} & entry.keys()):
            raise ConfigError(f"{path}: resident[{i}] needs 'at' and 'answers' or 'says'")
        hour, minute = (int(part) for part in str(entry["at"]).split(":"))
        at = datetime.combine(scenario.day, time(hour, minute), ZoneInfo(zone))
        folder = Path(path).parent
        if "answers" in entry:
            scenario.answers.append((at, [_speech(a, f"{path}: resident[{i}].answers", folder)
                                          for a in entry["answers"] or []]))
        if "says" in entry:
            scenario.sayings.append((at, _speech(entry["says"], f"{path}: resident[{i}].says", folder)))
    scenario.answers.sort(key=lambda item: item[0])
    scenario.sayings.sort(key=lambda item: item[0])
    return scenario


class ScriptedResident:
    """The resident of a scenario, on a simulated clock that moves as people talk."""

    def __init__(self, scenario: Scenario, clock: SimulatedClock, no_answer_s: float, ears: VoicePath | None = None):
        if scenario.has_recordings and ears is None:
            raise ValueError("a scenario with recordings needs the voice path to hear them")
        self.scenario, self.clock, self.no_answer_s, self.ears = scenario, clock, no_answer_s, ears
        self.pending: list[Speech] = []
        self.taken = 0  # answer entries already in effect

    def _refresh(self) -> None:
        while self.taken < len(self.scenario.answers) and self.scenario.answers[self.taken][0] <= self.clock.now():
            self.pending = list(self.scenario.answers[self.taken][1])
            self.taken += 1

    def say(self, texts: Sequence[str], louder: int = 0) -> None:
        self.clock.advance(timedelta(seconds=SECONDS_PER_CHARACTER * sum(len(t) for t in texts)))

    def ask(self, texts: Sequence[str], expect: str | None, louder: int = 0) -> str | None:
        self.say(texts, louder)
        self._refresh()
        if not self.pending:
            self.clock.advance(timedelta(seconds=self.no_answer_s))
            return None
        answer = self.pending.pop(0)
        if isinstance(answer, Recording):
            self.clock.advance(timedelta(seconds=answer.seconds))
            return self.ears.answer(answer, texts, expect)
        self.clock.advance(timedelta(seconds=ANSWER_S))
        return answer

    def speaking_up(self, until: datetime) -> list[tuple[datetime, Speech]]:
        """What the resident says on their own before `until`, once each."""
        due = [(at, text) for at, text in self.scenario.sayings if at < until]
        self.scenario.sayings = [(at, text) for at, text in self.scenario.sayings if at >= until]
        return due
