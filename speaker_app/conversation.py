"""One exchange: what the resident said, what it meant, what the speaker answers.

This is the text half of a turn, shared by the voice loop and the typed
console. When the dialogue server is down or slow the resident still gets a
short apology, and a call for help is still recognised by the distress rules
and passed on: nothing here may crash the speaker.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Protocol

from emergency.levels import AlertLevel

from .config import DialogConfig, VadConfig
from .dialog import DialogReply, DialogUnavailable, Parse
from .understanding import Understander, Understanding

APOLOGY = "죄송해요. 지금은 대답을 드리기 어려워요. 조금 뒤에 다시 말씀해 주세요."
# Said when a call for help could not reach the dialogue: the resident must
# never hear "try again later" after asking for help.
HELP_WITHOUT_DIALOGUE = "알겠어요. 지금 바로 도움을 요청할게요."


class DialogueServer(Protocol):
    def parse(self, text: str) -> Parse: ...

    def send(self, message: str) -> DialogReply: ...


@dataclass(frozen=True)
class Exchange:
    understanding: Understanding | None
    reply: DialogReply
    error: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def alert_level(self) -> AlertLevel:
        return self.understanding.alert_level if self.understanding else AlertLevel.NONE


class Conversation:
    def __init__(self, dialog: DialogueServer, min_confidence: float,
                 on_alert: Callable[[Understanding], DialogReply | None] = lambda u: None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 question_lasts_s: float = VadConfig().answer_lasts_s,
                 alert_from: float = DialogConfig.alert_from):
        self.dialog = dialog
        self.understander = Understander(dialog, min_confidence, alert_from)
        # The emergency desk (emergency/desk.py): it sees every understood turn first, alert or not
        # (a yes to its question, "잘못 말했어" after an alert), and a reply it gives answers the turn.
        self.on_alert = on_alert
        # A question is context for an alert only while its answer may still come: a plea at 15:00
        # does not follow the 13:10 "더 하실 말씀 있으세요?". The clock is the simulated one in a simulated day.
        self.now, self.question_lasts_s = now, question_lasts_s
        self._question: tuple[str, datetime] | None = None

    @property
    def asked(self) -> str | None:
        """The speaker's last question, while an answer to it may still come: an alert's context."""
        if self._question is None:
            return None
        text, at = self._question
        return text if (self.now() - at).total_seconds() <= self.question_lasts_s else None

    def respond(self, text: str, decided: Understanding | None = None) -> Exchange:
        """`decided` is given when a detector already knows what was meant (a plea heard in the audio)."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        try:
            understanding = decided or self.understander.understand(text)
        except DialogUnavailable as error:
            # The desk reads some words by its own rules (a groan, a no to its question, "잘못 말했어"),
            # so it still gets the turn; only what it does not take gets the apology.
            unknown = Understanding(text, "out_of_scope", 0.0, AlertLevel.NONE, "low_confidence")
            taken = self.on_alert(unknown)
            if taken is not None:
                self._spoke(taken)
            return Exchange(unknown if taken else None, taken or DialogReply((APOLOGY,)), str(error), timings)
        finally:
            timings["nlu_ms"] = _ms_since(started)
        taken = self.on_alert(understanding)
        # A plea the desk has answered is still told to the dialogue, after the alert is out, so
        # that a form it was holding (a check-in, a dose) ends as interrupted; the desk's words stand.
        told_too = taken is not None and not taken.asks and understanding.alert_level is AlertLevel.EMERGENCY
        if taken is not None and not told_too:
            self._spoke(taken)
            return Exchange(understanding, taken, None, timings)
        # When the rules or the confidence cut-off overrode the classifier, the
        # dialogue is told the decided intent directly (Rasa's "/intent" form),
        # so that what it answers follows the same decision.
        message = f"/{understanding.intent}" if understanding.overridden else text
        started = time.perf_counter()
        try:
            reply = self.dialog.send(message)
            error = None
        except DialogUnavailable as failure:
            helping = understanding.alert_level is AlertLevel.EMERGENCY
            reply, error = DialogReply((HELP_WITHOUT_DIALOGUE if helping else APOLOGY,)), str(failure)
        timings["dialog_ms"] = _ms_since(started)
        if told_too:
            reply = DialogReply(taken.texts, tuple(p for p in reply.payloads if "expect" not in p))
        self._spoke(reply)
        return Exchange(understanding, reply, error, timings)

    def _spoke(self, reply: DialogReply) -> None:
        self._question = (" ".join(reply.texts), self.now()) if reply.asks else None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
