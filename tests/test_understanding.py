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


def understood(*ranking, text="그게 말이야", alert_from=0.45):
    # Lines the distress rules leave to the classifier. alert_from is set below the device's 0.5 here, to show
    # what it does with a ranking that the default's own figure cannot reach (the intents sum to 1).
    return Understander(Ranked(*ranking), DialogConfig.min_confidence, alert_from).understand(text)


@pytest.mark.parametrize("ranking, intent, level, confidence", [
    # A likely emergency below the cut-off, or behind a likelier harmless reading, is not lost.
    ((("nlu_fallback", 0.5), ("emergency", 0.48), ("out_of_scope", 0.45)), "emergency", AlertLevel.EMERGENCY, 0.48),
    ((("out_of_scope", 0.55), ("emergency", 0.45)), "emergency", AlertLevel.EMERGENCY, 0.45),
    ((("mood_bad", 0.52), ("despair", 0.46)), "despair", AlertLevel.URGENT, 0.46),
    # Below alert_from the likelier reading stands, and below the cut-off it is "did not catch that".
    ((("out_of_scope", 0.56), ("emergency", 0.44)), "out_of_scope", AlertLevel.NONE, 0.56),
    # (its confidence is then the classifier's best guess, not the fallback's score)
    ((("nlu_fallback", 0.5), ("greet", 0.46), ("despair", 0.44)), "out_of_scope", AlertLevel.NONE, 0.46),
    # A reading that already raises an alert stands: a complaint reaches the hub as said.
    ((("health_complaint", 0.52), ("emergency", 0.46)), "health_complaint", AlertLevel.NOTICE, 0.52),
    ((("despair", 0.52), ("emergency", 0.46)), "despair", AlertLevel.URGENT, 0.52),
    ((("emergency", 0.52), ("despair", 0.46)), "emergency", AlertLevel.EMERGENCY, 0.52),
])
def test_a_serious_reading_from_alert_from_outweighs_a_harmless_one(ranking, intent, level, confidence):
    u = understood(*ranking)
    assert (u.intent, u.alert_level, u.confidence) == (intent, level, confidence)


def test_with_the_device_default_a_close_call_that_rasa_left_unsure_is_an_emergency_asked_about_first():
    # Rasa's FallbackClassifier names a top intent within 0.1 of the second nlu_fallback.
    u = understood(("nlu_fallback", 0.5), ("emergency", 0.53), ("out_of_scope", 0.46),
                   alert_from=DialogConfig.alert_from)
    trigger, explicit = assess(u, EmergencyConfig())
    assert trigger.level is AlertLevel.EMERGENCY and not explicit
    assert u.decided_by == "classifier" and trigger.signal == "classifier 0.53"


def test_with_the_device_default_an_emergency_under_the_cut_off_is_not_taken():
    u = understood(("nlu_fallback", 0.5), ("out_of_scope", 0.51), ("emergency", 0.47),
                   alert_from=DialogConfig.alert_from)
    assert (u.intent, u.alert_level) == ("out_of_scope", AlertLevel.NONE)


def test_alert_from_must_be_a_probability():
    with pytest.raises(Exception, match="dialog.alert_from"):
        DialogConfig(alert_from=1.5).check()


@pytest.mark.parametrize("text, intent", [("네", "affirm"), ("예", "affirm"), ("아니 요", "deny"), ("그래요", "affirm")])
def test_a_bare_yes_or_no_is_that_however_unsure_the_classifier_is(text, intent):
    u = understood(("nlu_fallback", 0.5), ("affirm", 0.46), ("deny", 0.08), text=text)
    assert (u.intent, u.alert_level, u.decided_by, u.overridden) == (intent, AlertLevel.NONE, "yes_or_no", True)


def test_a_bare_yes_stays_a_yes_even_where_the_classifier_leans_to_emergency():
    # The answer to the desk's own "도움을 불러 드릴까요?": the desk decides what a yes means there.
    u = understood(("emergency", 0.55), ("affirm", 0.40), text="네")
    assert (u.intent, u.alert_level, u.decided_by) == ("affirm", AlertLevel.NONE, "yes_or_no")
