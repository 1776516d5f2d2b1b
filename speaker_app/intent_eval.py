"""How well the speaker understands a set of lines labelled with their intents.

A line is scored on what the speaker decides (the distress rules, then Rasa,
then the confidence cut-off: speaker_app/understanding.py), because that is
what the resident meets. `speaker-app nlu-eval` and bench/intents.py both
score with this module.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from emergency.levels import AlertLevel, alert_level

from .understanding import Understanding

LEVELS = list(AlertLevel)
ALARMS = {AlertLevel.URGENT, AlertLevel.EMERGENCY}


class LabelledSetError(Exception):
    """A labelled file that cannot be scored; the message names the file, the line and what to do."""


def read_labelled(path: Path, intents: set[str]) -> list[tuple[str, str]]:
    """The (text, intent) rows of a tab-separated file whose first row names the columns `text` and `intent`."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            if not {"text", "intent"} <= set(reader.fieldnames or []):
                raise LabelledSetError(f"{path}: the first row must name the columns `text` and `intent`, "
                                       "separated by a tab")
            lines = []
            for row in reader:
                text, intent = (row["text"] or "").strip(), (row["intent"] or "").strip()
                where = f"{path} line {reader.line_num}"
                if not text or not intent:
                    raise LabelledSetError(f"{where}: expected a text and an intent separated by a tab")
                if intent not in intents:
                    raise LabelledSetError(f"{where}: unknown intent {intent!r}; use one of "
                                           + ", ".join(sorted(intents)))
                lines.append((text, intent))
    except OSError as error:
        raise LabelledSetError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise LabelledSetError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    if not lines:
        raise LabelledSetError(f"{path} has no lines to score below its header")
    return lines


@dataclass
class Scores:
    texts: list[str]
    gold: list[str]
    predicted: list[str]
    decided_by: list[str]
    confidence: list[float]

    @classmethod
    def of(cls, lines: list[tuple[str, str]], decided: Iterable[Understanding]) -> "Scores":
        decided = list(decided)
        return cls([text for text, _ in lines], [gold for _, gold in lines], [u.intent for u in decided],
                   [u.decided_by for u in decided], [u.confidence for u in decided])

    @property
    def n(self) -> int:
        return len(self.gold)

    def only(self, keep: list[bool]) -> "Scores":
        def pick(values: list) -> list:
            return [v for v, k in zip(values, keep) if k]
        return Scores(pick(self.texts), pick(self.gold), pick(self.predicted), pick(self.decided_by),
                      pick(self.confidence))

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.predicted)) / self.n

    def recall(self, intent: str) -> float:
        pairs = [(g, p) for g, p in zip(self.gold, self.predicted) if g == intent]
        return sum(g == p for g, p in pairs) / len(pairs) if pairs else float("nan")

    def precision(self, intent: str) -> float:
        pairs = [(g, p) for g, p in zip(self.gold, self.predicted) if p == intent]
        return sum(g == p for g, p in pairs) / len(pairs) if pairs else float("nan")

    def f1(self, intent: str) -> float:
        p, r = self.precision(intent), self.recall(intent)
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def levels(self) -> list[tuple[AlertLevel, AlertLevel]]:
        return [(alert_level(g), alert_level(p)) for g, p in zip(self.gold, self.predicted)]

    @property
    def emergency_false_alarms(self) -> float:
        """The share of lines that are not emergencies given the level `emergency` (issue 4's measure)."""
        others = [p for g, p in self.levels() if g is not AlertLevel.EMERGENCY]
        return sum(p is AlertLevel.EMERGENCY for p in others) / len(others) if others else float("nan")

    @property
    def alarm_false_alarms(self) -> float:
        """The share of lines that need no alarm (level none or notice) given `emergency` or `urgent`."""
        calm = [p for g, p in self.levels() if g not in ALARMS]
        return sum(p in ALARMS for p in calm) / len(calm) if calm else float("nan")

    def confused_pairs(self, top: int = 12) -> list[tuple[tuple[str, str], int]]:
        return Counter((g, p) for g, p in zip(self.gold, self.predicted) if g != p).most_common(top)

    def errors(self) -> list[str]:
        return [f"`{t}`: {g} -> {p} ({d}, {c:.2f})" for t, g, p, d, c
                in zip(self.texts, self.gold, self.predicted, self.decided_by, self.confidence) if g != p]


def pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}%"


def score_rows(s: Scores) -> list[tuple[str, str]]:
    by = Counter(d for g, p, d in zip(s.gold, s.predicted, s.decided_by) if g == p == "emergency")
    return [
        ("lines", str(s.n)),
        ("intent accuracy", pct(s.accuracy)),
        ("emergency recall", f"{pct(s.recall('emergency'))} (decided by: "
                             + ", ".join(f"{k} {v}" for k, v in sorted(by.items())) + ")"),
        ("despair recall", pct(s.recall("despair"))),
        ("emergency false alarms (non-emergency lines given `emergency`)", pct(s.emergency_false_alarms)),
        ("alarm false alarms (none/notice lines given `emergency` or `urgent`)", pct(s.alarm_false_alarms)),
    ]


def per_intent_table(s: Scores) -> list[str]:
    lines = ["| intent | n | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for intent in sorted(set(s.gold)):
        lines.append(f"| {intent} | {s.gold.count(intent)} | {pct(s.precision(intent))} | {pct(s.recall(intent))} "
                     f"| {s.f1(intent):.2f} |")
    return lines


def level_table(s: Scores) -> list[str]:
    counts = Counter(s.levels())
    lines = ["| gold \\ predicted | " + " | ".join(level.value for level in LEVELS) + " |",
             "|---|" + "---:|" * len(LEVELS)]
    for gold in LEVELS:
        lines.append(f"| {gold.value} | " + " | ".join(str(counts[(gold, p)]) for p in LEVELS) + " |")
    return lines


def sections(s: Scores, extra_rows: list[tuple[str, str]] = ()) -> list[str]:
    """Summary, per intent, alert levels, confused pairs and every error, as markdown."""
    md = ["### Summary", "", "| measure | value |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in [*score_rows(s), *extra_rows]]
    md += ["", "### Per intent", ""] + per_intent_table(s)
    md += ["", "### Alert levels (rows: gold, columns: decided)", ""] + level_table(s)
    md += ["", "### Most confused pairs (gold -> decided)", ""]
    md += [f"- {g} -> {p}: {n}" for (g, p), n in s.confused_pairs()] or ["- none"]
    md += ["", "### Every error", ""] + ([f"- {e}" for e in s.errors()] or ["- none"])
    return md + [""]


def decision_path(min_confidence: float, alert_from: float | None) -> str:
    """speaker_app/understanding.py in one line, with the device's figures (alert_from None: before it existed)."""
    path = f"the distress rules, then Rasa, then the cut-off {min_confidence}: below it the intent is `out_of_scope`"
    return path if alert_from is None else f"{path}; where that raises no alert, Rasa's emergency or despair at {alert_from} or more wins"


def report(path: Path, s: Scores, min_confidence: float, alert_from: float) -> str:
    return "\n".join([f"# How well the speaker understands `{path}`", "",
                      f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC",
                      f"- decision path: {decision_path(min_confidence, alert_from)}", "", *sections(s)])


def summary(s: Scores) -> str:
    """What `speaker-app nlu-eval` prints: the figures, the per-intent table and the worst pairs."""
    lines = [f"{label:72s} {value}" for label, value in score_rows(s)]
    lines += ["", *per_intent_table(s), "", "most confused (gold -> decided): "
              + (", ".join(f"{g}->{p} {n}" for (g, p), n in s.confused_pairs(8)) or "none")]
    return "\n".join(lines)
