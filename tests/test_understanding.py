"""The decision path after the distress rules: the classifier's ranking, the cut-off, and the more serious reading.

The classifier's answers are given here as rankings, as Rasa's /model/parse gives them; the real server is
measured on whole test sets in test_intents_measured.py.
"""
import pytest

from emergency.desk import assess
from emergency.levels import AlertLevel
from speaker_app.config import DialogConfig, EmergencyConfig
from speaker_app.dialog import Parse
from speaker_app.understanding import Understander


class Ranked:
    """A classifier that ranks every line alike."""

    def __init__(self, *ranking: tuple[str, float]):
        self.ranking = ranking

    def parse(self, text: str) -> Parse:
        top, confidence = self.ranking[0]
        return Parse(top, confidence, self.ranking)


def understood(*ranking):
    # Lines the distress rules leave to the classifier.
    return Understander(Ranked(*ranking), DialogConfig.min_confidence, DialogConfig.alert_from).understand("그게 말이야")


@pytest.mark.parametrize("ranking, intent, level, confidence", [
    # A likely emergency below the cut-off, or behind a likelier harmless reading, is not lost.
    ((("nlu_fallback", 0.5), ("out_of_scope", 0.45), ("emergency", 0.4)), "emergency", AlertLevel.EMERGENCY, 0.4),
    ((("out_of_scope", 0.65), ("emergency", 0.35)), "emergency", AlertLevel.EMERGENCY, 0.35),
    ((("mood_bad", 0.6), ("despair", 0.4)), "despair", AlertLevel.URGENT, 0.4),
    # Below alert_from the likelier reading stands, and below the cut-off it is "did not catch that".
    ((("out_of_scope", 0.66), ("emergency", 0.34)), "out_of_scope", AlertLevel.NONE, 0.66),
    ((("nlu_fallback", 0.5), ("greet", 0.4), ("despair", 0.34)), "out_of_scope", AlertLevel.NONE, 0.5),
    # A reading that already raises an alert stands: a complaint reaches the hub as said.
    ((("health_complaint", 0.6), ("emergency", 0.38)), "health_complaint", AlertLevel.NOTICE, 0.6),
    ((("despair", 0.55), ("emergency", 0.4)), "despair", AlertLevel.URGENT, 0.55),
    ((("emergency", 0.6), ("despair", 0.35)), "emergency", AlertLevel.EMERGENCY, 0.6),
])
def test_a_serious_reading_from_alert_from_outweighs_a_harmless_one(ranking, intent, level, confidence):
    u = understood(*ranking)
    assert (u.intent, u.alert_level, u.confidence) == (intent, level, confidence)


def test_an_unsure_emergency_is_asked_about_before_anyone_is_called():
    u = understood(("out_of_scope", 0.6), ("emergency", 0.4))
    trigger, explicit = assess(u, EmergencyConfig())
    assert trigger.level is AlertLevel.EMERGENCY and not explicit
    assert u.decided_by == "classifier" and trigger.signal == "classifier 0.40"


def test_alert_from_must_be_a_probability():
    with pytest.raises(Exception, match="dialog.alert_from"):
        DialogConfig(alert_from=1.5).check()
