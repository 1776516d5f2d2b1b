"""How well the speaker understands lines it was never trained on.

Twenty-two test sets, written the way the recogniser writes Korean (no punctuation,
word-piece spacing, dialect, elderly phrasing) with the hard cases of
INTENTS.md, go through the whole decision path, `speaker-app nlu --tsv`,
against the real Rasa server:

- tests/data/intents_heldout.tsv, written with the training data and read
  while tuning it; its floors sit a little under what bench/intents.py
  measured (bench/reports/intents.md), so that a change which makes the
  speaker understand worse fails here;
- tests/data/intents_blind.tsv and intents_blind2.tsv to intents_blind21.tsv,
  each written by someone who had not read the training
  data, the rules or the other sets. Each one's first runs (the table at the
  top of bench/reports/intents.md) are the blind measures; the training data
  and the distress rules were tuned on their misses afterwards, by
  generalising, never by copying their lines. Their floors are the goals of
  issue 4. Everyday lines ("네", "잘 잤어") may be training examples; the rest
  must stay out of the training data.
"""
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, speaker_app
from speaker_app.dialogue_setup import DIALOGS

ALARMS = {"emergency": "emergency", "despair": "urgent"}


@dataclass(frozen=True)
class Floors:
    min_accuracy: float
    min_emergency_recall: float
    min_despair_recall: float
    max_emergency_false_alarms: float  # of the lines that are no emergency, the share given level `emergency`
    # of the lines that need no alarm, the share given `emergency` or `urgent`. Not a goal of issue 4 (whose
    # false-alarm goal is the line above): a wish to die heard in a calm line reaches the hub as `urgent`.
    max_alarm_false_alarms: float
    min_unseen_lines: int  # lines that are not training examples


SETS = {
    # Measured on 2026-11-25 after the blind set's tuning: accuracy 0.969, emergency recall 1.0 (60 lines),
    # despair recall 1.0 (25), no false alarms (321 and 296 lines); before it: 0.942, 1.0, 1.0, 0.006, 0.007.
    # After the distress rules' exceptions (errands with 도와줘, things that fall, falls told as stories) and
    # the broadened training data (1477 -> 1895 examples), measured 2026-11-25: accuracy 0.971, emergency and
    # despair recall 1.0, no false alarms.
    ROOT / "tests" / "data" / "intents_heldout.tsv": Floors(0.92, 0.98, 0.92, 0.01, 0.011, min_unseen_lines=381),
    # 352 of its 501 lines were not training examples when it was written.
    # Measured 2026-11-25: 0.970 after its tuning; 0.978 after the rules' exceptions and the broadened training
    # data; emergency and despair recall 1.0, no false alarms, both times. No longer blind: the honest measure of
    # those changes is a new set written without reading the training data.
    ROOT / "tests" / "data" / "intents_blind.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=352),
    # Blind runs: blind2 0.940 / 0.972 / 1.0 / 0.0 (accuracy, emergency recall, despair recall, false alarms),
    # blind3 0.880 / 0.969 / 0.933 / 0.002, blind4 0.938 / 0.950 / 0.975 / 0.005. After tuning on their
    # misses (2026-11-25, bench/reports/intents.md): blind2 0.990, blind3 0.992, blind4 0.945, all with
    # emergency and despair recall 1.0 and no false alarms. The unseen counts are those of their first runs.
    ROOT / "tests" / "data" / "intents_blind2.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=373),
    ROOT / "tests" / "data" / "intents_blind3.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=410),
    ROOT / "tests" / "data" / "intents_blind4.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=387),
    # Blind run: 0.948 / 0.934 / 0.950 / 0.005; tuned on its misses afterwards (the distress rules only).
    ROOT / "tests" / "data" / "intents_blind5.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=396),
    # Blind runs (2026-11-25, model of 6bfb139): blind6 0.925 / 1.0 / 1.0 / 0.024, blind7 0.899 / 1.0 / 0.975 /
    # 0.036; tuned on their false alarms afterwards (rules' exceptions for questions, near misses and old
    # stories; look-alike training lines by kind).
    ROOT / "tests" / "data" / "intents_blind6.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=378),
    ROOT / "tests" / "data" / "intents_blind7.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.01, min_unseen_lines=393),
    # Blind runs (2026-11-25, model of 0906916): blind8 0.938 / 0.987 / 0.975 / 0.013, blind9 0.929 / 1.0 /
    # 0.950 / 0.013; tuned afterwards (rules' exceptions for songs, quizzes and questions naming their danger;
    # alert_from 0.5; training lines by kind).
    # From blind8 on, calm lines given `urgent` (despair) measured up to 1.5 % after tuning (blind9: "요새는
    # 살맛이 나", a joke about the late husband): their floor for those is 2 %.
    ROOT / "tests" / "data" / "intents_blind8.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=356),
    ROOT / "tests" / "data" / "intents_blind9.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=371),
    # Blind runs (2026-11-25, model and rules of 1954904): blind10 0.951 / 0.976 / 0.975 / 0.013, blind11 0.946 /
    # 1.0 / 0.976 / 0.003 (every goal met); tuned afterwards (rules for a knife, a resident still on the floor
    # since earlier, a life saved once; training lines by kind).
    ROOT / "tests" / "data" / "intents_blind10.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=393),
    ROOT / "tests" / "data" / "intents_blind11.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=389),
    # Blind runs (2026-11-25, model and rules of 11be4af): blind12 0.964 / 1.0 / 0.976 / 0.008 (every goal met),
    # blind13 0.958 / 0.988 / 1.0 / 0.0102 (4 of 393, one line over); tuned afterwards (rules only: a fire that
    # will not go out, someone's words in 경상 and 'X 그러는데', 'when he was alive').
    ROOT / "tests" / "data" / "intents_blind12.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=401),
    ROOT / "tests" / "data" / "intents_blind13.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=394),
    # Blind runs (2026-11-25, model of 11be4af, rules of 574671f): blind14 0.972 / 1.0 / 0.975 / 0.0105 (4 of 382,
    # one line over), blind15 0.974 / 1.0 / 0.975 / 0.005 (every goal met); tuned afterwards (rules only: 살려
    # 놓은, stories of 옛날).
    ROOT / "tests" / "data" / "intents_blind14.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=371),
    ROOT / "tests" / "data" / "intents_blind15.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=372),
    # Blind runs (2026-11-25, model and rules of 76c44b5): blind16 0.957 / 1.0 / 0.925 / 0.005, blind17 0.962 /
    # 0.974 / 0.976 / 0.003; tuned afterwards (rules only: a finger cut off, glass, hanging, 'why am I kept
    # alive', 'I won't be here long').
    ROOT / "tests" / "data" / "intents_blind16.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=398),
    ROOT / "tests" / "data" / "intents_blind17.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=379),
    # Blind runs (2026-11-25, model of 76c44b5, rules of 05c1fc1): blind18 0.972 / 0.988 / 1.0 / 0.003, blind19
    # 0.950 / 1.0 / 1.0 / 0.003, both meeting every goal; not tuned on since.
    ROOT / "tests" / "data" / "intents_blind18.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=380),
    ROOT / "tests" / "data" / "intents_blind19.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=375),
    # Blind runs (2026-11-25, the final model and the rules of 9950dac): blind20 0.962 / 0.988 / 0.975 / 0.003
    # (every goal met), blind21 0.964 / 1.0 / 0.952 / 0.0102 (4 of 392, one line over); tuned afterwards (rules
    # only: 살리도, a scene or a channel).
    ROOT / "tests" / "data" / "intents_blind20.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=375),
    ROOT / "tests" / "data" / "intents_blind21.tsv": Floors(0.92, 0.98, 0.95, 0.01, 0.02, min_unseen_lines=388),
}


def lines_of(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["text"], row["intent"]) for row in csv.DictReader(f, delimiter="\t")]


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_the_test_lines_are_not_training_examples(path):
    nlu = yaml.safe_load((DIALOGS / "data" / "nlu.yml").read_text(encoding="utf-8"))["nlu"]
    trained = {squeezed(line.lstrip("- ")) for block in nlu for line in block.get("examples", "").splitlines()
               if line.strip()}
    unseen = [text for text, _ in lines_of(path) if squeezed(text) not in trained]
    assert len(unseen) >= SETS[path].min_unseen_lines


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_the_test_set_covers_every_intent(path):
    domain = yaml.safe_load((DIALOGS / "domain.yml").read_text(encoding="utf-8"))
    assert {intent for _, intent in lines_of(path)} == set(domain["intents"])


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_the_speaker_understands_lines_it_was_never_trained_on(config_file, path):
    floors, lines = SETS[path], lines_of(path)
    result = speaker_app("nlu", "--config", str(config_file), "--tsv", str(path), timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == [text for text, _ in lines]
    pairs = [(gold, row) for (_, gold), row in zip(lines, rows)]
    wrong = [f"{row['text']}: {gold} -> {row['intent']}" for gold, row in pairs if row["intent"] != gold]

    accuracy = 1 - len(wrong) / len(pairs)
    emergencies = [row for gold, row in pairs if gold == "emergency"]
    emergency_recall = sum(r["alert_level"] == "emergency" for r in emergencies) / len(emergencies)
    despairs = [row for gold, row in pairs if gold == "despair"]
    despair_recall = sum(r["intent"] == "despair" for r in despairs) / len(despairs)
    others = [row for gold, row in pairs if gold != "emergency"]
    emergency_false_alarms = sum(r["alert_level"] == "emergency" for r in others) / len(others)
    calm = [row for gold, row in pairs if gold not in ALARMS]
    alarm_false_alarms = sum(r["alert_level"] in ALARMS.values() for r in calm) / len(calm)

    report = (f"accuracy {accuracy:.3f}, emergency recall {emergency_recall:.3f}, despair recall "
              f"{despair_recall:.3f}, emergency false alarms {emergency_false_alarms:.3f}, alarm false alarms "
              f"{alarm_false_alarms:.3f}; wrong:\n" + "\n".join(wrong))
    assert accuracy >= floors.min_accuracy, report
    assert emergency_recall >= floors.min_emergency_recall, report
    assert despair_recall >= floors.min_despair_recall, report
    assert emergency_false_alarms <= floors.max_emergency_false_alarms, report
    assert alarm_false_alarms <= floors.max_alarm_false_alarms, report
