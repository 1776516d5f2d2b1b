"""What the resident meant: the one decision path for every transcript.

The live loop, `speaker-app listen` and `speaker-app nlu` all come here, so
what is measured on text is what the speaker does with speech:

1. the distress rules (emergency/distress_rules.py) read the text first; a
   plea they recognise is an emergency whatever the classifier thinks;
2. otherwise the Rasa classifier names the intent;
3. a bare yes or no (speaker_app/answers.py) is that, however unsure Rasa is
   and whatever else it finds likely;
4. below the configured confidence the intent becomes `out_of_scope`, so the
   speaker says it did not catch that instead of acting on a guess;
5. but where that raises no alert, an emergency or a wish to die that the
   classifier finds likely enough (`alert_from`) is taken as said: a call for help is
   not lost because the classifier was unsure. At that confidence the
   emergency desk asks before it calls ("도움을 불러 드릴까요?").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from emergency import distress_rules
from emergency.levels import AlertLevel, alert_level

from .answers import YES_OR_NO
from .dialog import Parse
from .transcripts import written_as_spoken


@dataclass(frozen=True)
class Understanding:
    text: str
    intent: str
    confidence: float
    alert_level: AlertLevel
    # "rule", "classifier", "yes_or_no", "low_confidence", or the detector that heard a plea: "spotter", "template";
    # "rule+template" when the words agree with the detector (the emergency desk then does not ask first).
    decided_by: str

    @property
    def overridden(self) -> bool:
        return self.decided_by != "classifier"


class IntentParser(Protocol):
    def parse(self, text: str) -> Parse: ...


class Understander:
    def __init__(self, parser: IntentParser, min_confidence: float, alert_from: float):
        self.parser = parser
        self.min_confidence = min_confidence
        self.alert_from = alert_from

    def understand(self, text: str) -> Understanding:
        spoken = written_as_spoken(text)
        match = distress_rules.check(spoken)
        if match is not None:
            return Understanding(text, match.intent, 1.0, match.level, "rule")
        if not text.strip():
            return Understanding(text, "out_of_scope", 1.0, AlertLevel.NONE, "low_confidence")
        parse = self.parser.parse(spoken)
        yes_or_no = YES_OR_NO.get("".join(spoken.split()))
        if yes_or_no is not None:
            # Final: "네" said to "도움을 불러 드릴까요?" must stay a yes, whatever emergency score it carries.
            return Understanding(text, yes_or_no, parse.confidence_of(yes_or_no), AlertLevel.NONE, "yes_or_no")
        # Rasa's FallbackClassifier already names low confidence `nlu_fallback`.
        if parse.intent == "nlu_fallback" or parse.confidence < self.min_confidence:
            # The classifier's best real guess, not nlu_fallback's score (which is just the cut-off).
            guess = max((c for intent, c in parse.ranking if intent != "nlu_fallback"), default=parse.confidence)
            decided = Understanding(text, "out_of_scope", guess, AlertLevel.NONE, "low_confidence")
        else:
            decided = Understanding(text, parse.intent, parse.confidence, alert_level(parse.intent), "classifier")
        return self._more_serious(parse, decided) or decided

    def _more_serious(self, parse: Parse, decided: Understanding) -> Understanding | None:
        # Only over a reading that raises nothing: a complaint already reaches the hub, and on the
        # first blind runs of blind6/7 the overrides of complaints were all false alarms.
        if decided.alert_level is not AlertLevel.NONE:
            return None
        for intent in SERIOUS:
            confidence = parse.confidence_of(intent)
            if confidence >= self.alert_from:
                return Understanding(decided.text, intent, confidence, alert_level(intent), "classifier")
        return None


# The intents whose reading outweighs a likelier harmless one, most serious first.
SERIOUS = ("emergency", "despair")
