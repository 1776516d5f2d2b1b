"""The emergency desk: every trigger comes in here, every alert for the hub goes out from here.

Triggers are what the speaker heard (a plea the detectors or the distress
rules caught, an emergency or despair the classifier named, a lone groan, a
`call_family` request) and what the routines found (a morning call left
unanswered, inactivity, a missed dose). Each becomes an alert envelope
(../shared/design/ARCHITECTURE.md) for the outbox, with the words heard
(never audio) and the context: what the speaker had asked, and when.

Triage, without delay:
- an explicit plea (the distress rules, a confident classifier, a detector
  hit that is strong or that the words agree with) escalates at once and the
  speaker says calmly that help is being called. It never asks "are you sure?".
- a weak signal (a detector hit near its threshold with no words agreeing, an
  emergency or despair the classifier is unsure of, "아이고" and nothing else)
  gets one question, "괜찮으세요? 도움을 불러 드릴까요?". A yes, an unclear
  answer or silence past `answer_wait_s` escalates; a clear no is recorded as
  a `notice`, so the day's review still shows it.

After an emergency or urgent alert:
- "괜찮아, 잘못 말했어" within `cancel_window_s` is posted as a cancellation
  request (`reason: cancellation_request`, `cancels: <the alert's id>`). The
  alert is not withdrawn: the caregiver judges. The device then gives no 119
  guidance and sends no repeat for it; the hub's own escalation carries on.
- the desk asks the hub every `ack_poll_s` whether someone has the alert in
  hand, and says the hub's sentence (who is coming or calling) when so.
- an emergency nobody acknowledged within `ack_timeout_s` (3 minutes): the
  speaker says plainly how to reach 119, and the alert is sent again as a new
  envelope with `repeats: <the first id>`.

Repeats: a trigger of the same situation within `repeat_window_s` of the last
one joins the open alert. It is recorded on the device, and the hub gets one
follow-up for the whole alert (`repeats: <id>`, the first repeat's words):
enough for a caregiver to know the resident called again, never a flood.

Nothing here blocks on the network or the voice while holding the lock:
`take` runs on the voice loop's (or a routine's) thread, `check` on a watcher
thread, and what `check` says goes to the voice after the lock is released.
"""
from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable, Protocol, Sequence

from speaker_app.config import EmergencyConfig
from speaker_app.dialog import DialogReply
from speaker_app.understanding import Understanding

from .acknowledgement import AlertState
from .levels import AlertLevel

log = logging.getLogger("anbu.desk")

CALLING_HELP = "지금 바로 도움을 요청할게요. 제가 곁에서 계속 듣고 있을게요."
STILL_CALLING = "네, 도움을 요청해 두었어요. 곧 연락이 갈 거예요."
ASK_FIRST = "괜찮으세요? 도움을 불러 드릴까요?"
DECLINED = "알겠어요. 필요하시면 언제든 '살려 주세요' 하고 불러 주세요."
CANCEL_NOTED = "알겠어요. 잘못 말씀하셨다고 담당자께 전할게요. 확인 연락이 갈 수도 있어요."
ACKNOWLEDGED = "담당자께서 알림을 확인했어요."  # when the hub has no sentence of its own
GUIDANCE_119 = ("아직 담당자 확인이 없어요. 급하시면 전화기로 119를 누르세요. 일, 일, 구예요. "
                "도움 요청은 한 번 더 보냈어요.")
WATCH_FOR = timedelta(hours=24)  # an alert still unacknowledged after a day is the hub's business alone

# Read on the text with its spaces removed, as the distress rules are (the recogniser spaces at will).
_GROAN = re.compile(r"(아이고|아이구|어이구|아이쿠|에구|에고|아고|아야|아이고야|으윽|윽|끙|으)+")
_NOT_FINE = re.compile(r"안괜찮|괜찮지않|안좋")
_NO = re.compile(r"아니|아뇨|괜찮|됐어|됐습|필요없|안불러|부르지마")
_CANCEL = re.compile(r"잘못(말|했|불|눌)|실수|취소|장난|아무(일|것)도없|괜찮|안불러도|부르지마|필요없")


# What the desk records on the device beside the alerts themselves: these belong to an alert, and are not one.
REPEAT, CANCELLATION = "repeat", "cancellation_request"


def opens_an_alert(reason: str) -> bool:
    """Whether a recorded alert of the device's store is an alert of its own (not a repeat or a cancellation)."""
    return not (reason.startswith(f"{REPEAT} ") or reason == CANCELLATION)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def is_groan(text: str) -> bool:
    """A groan and nothing else: "아이고", "아이구 아야"."""
    squeezed = _squeezed(text)
    return bool(squeezed) and _GROAN.fullmatch(squeezed) is not None


def is_cancellation(text: str) -> bool:
    squeezed = _squeezed(text)
    return _CANCEL.search(squeezed) is not None and _NOT_FINE.search(squeezed) is None


def declines(text: str) -> bool:
    """A clear no to "도움을 불러 드릴까요?" ("아니요", "괜찮아요"), not "안 괜찮아"."""
    squeezed = _squeezed(text)
    return _NO.search(squeezed) is not None and _NOT_FINE.search(squeezed) is None


@dataclass(frozen=True)
class Trigger:
    level: AlertLevel
    reason: str  # the hub's reason code (emergency, despair, call_family, ...) or a routine's own words
    transcript: str | None = None  # the words heard, never audio
    situation: str = ""  # triggers of one situation within the repeat window join one alert
    signal: str = ""  # how it was heard, for the caregiver: "rule", "spotter 0.42", "groan", ...

    def __post_init__(self) -> None:
        if self.level is AlertLevel.NONE:
            raise ValueError(f"a trigger needs an alert level above none: {self.reason!r}")


def assess(u: Understanding, settings: EmergencyConfig) -> tuple[Trigger, bool] | None:
    """The trigger an understood turn is, if any, and whether it is explicit enough to act on at once."""
    if u.intent == "call_family":
        return Trigger(AlertLevel.NOTICE, "call_family", u.text, "call_family", "request"), True
    if is_groan(u.text) and u.alert_level is not AlertLevel.EMERGENCY:
        return Trigger(AlertLevel.EMERGENCY, "emergency", u.text, "voice:emergency", "groan"), False
    if u.alert_level is AlertLevel.NONE:
        return None
    signal = u.decided_by if u.decided_by == "rule" else f"{u.decided_by} {u.confidence:.2f}"
    trigger = Trigger(u.alert_level, u.intent, u.text, f"voice:{u.alert_level.value}", signal)
    return trigger, _explicit(u, settings)


def _explicit(u: Understanding, settings: EmergencyConfig) -> bool:
    if u.alert_level is AlertLevel.NOTICE:
        return True  # a complaint is passed on as said; there is nothing to ask
    heard_by = u.decided_by.split("+")  # "rule+spotter": the words and the sound agree
    if len(heard_by) > 1 or "rule" in heard_by:
        return True
    sure = {"classifier": settings.classifier_sure_above, "spotter": settings.spotter_strong_above,
            "template": settings.template_strong_above}
    return u.confidence >= sure.get(heard_by[0], 0.0)


class AlertStates(Protocol):
    def state(self, event_id: str) -> AlertState | None: ...


@dataclass
class OpenAlert:
    id: str
    trigger: Trigger
    context: dict
    raised_at: datetime
    last_at: datetime  # the latest trigger joined to it: the repeat window slides
    repeats: int = 0
    followed_up: bool = False  # the one repeat follow-up the hub gets
    cancel_requested: bool = False
    acknowledged: bool = False
    guided: bool = False  # 119 guidance given, the alert repeated
    next_poll: datetime | None = None  # None: nothing to wait for from the hub

    @property
    def level(self) -> AlertLevel:
        return self.trigger.level


@dataclass
class Question:
    trigger: Trigger
    asked: str | None
    at: datetime


@dataclass
class Desk:
    settings: EmergencyConfig
    now: Callable[[], datetime]
    send: Callable[[dict], None]  # an envelope for the hub, through the outbox
    say: Callable[[Sequence[str]], None]  # speaks to the resident between turns (acknowledgements, 119)
    record: Callable[[datetime, str, str, str | None], None] | None = None  # the device's own record of alerts
    acks: AlertStates | None = None  # the hub's alert states; None: no hub, nobody will acknowledge
    alerts: list[OpenAlert] = field(default_factory=list)
    question: Question | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # --- triggers in ---------------------------------------------------------------

    def raise_alert(self, trigger: Trigger, asked: str | None = None) -> OpenAlert:
        """A trigger that needs no triage (a routine's finding, or one already triaged): the alert it makes or joins."""
        with self._lock:
            return self._raise(trigger, asked, self.now())

    def take(self, u: Understanding, asked: str | None = None) -> DialogReply | None:
        """Every understood turn comes here first; a reply means the desk answers this turn, not the dialogue."""
        with self._lock:
            now = self.now()
            if self.question is not None:
                return self._answered(u, now)
            latest = self._cancellable(now)
            # "괜찮아 잘못 말했어" may be read as a complaint, never as a plea: a plea in the same breath wins.
            if latest is not None and u.alert_level.rank < AlertLevel.URGENT.rank and is_cancellation(u.text):
                return self._cancellation(latest, u.text, asked, now)
            assessed = assess(u, self.settings)
            if assessed is None:
                return None
            trigger, explicit = assessed
            if not explicit:
                self.question = Question(trigger, asked, now)
                return DialogReply((ASK_FIRST,), ({"expect": "yes_no"},))
            alert = self._raise(trigger, asked, now)
            if trigger.level is not AlertLevel.EMERGENCY:
                return None  # the dialogue's own answer (to a complaint, to despair) is the better one
            return DialogReply((STILL_CALLING if alert.repeats else CALLING_HELP,))

    def wants(self, text: str) -> bool:
        """Whether words said without the wake word are the desk's: a groan, or a cancellation right after an alert."""
        with self._lock:
            return is_groan(text) or (self._cancellable(self.now()) is not None and is_cancellation(text))

    # --- alerts out ----------------------------------------------------------------

    def _raise(self, trigger: Trigger, asked: str | None, now: datetime) -> OpenAlert:
        context = {"asked": asked, "at": now.isoformat(), "signal": trigger.signal}
        joined = self._joinable(trigger, now)
        if joined is not None:
            joined.repeats += 1
            joined.last_at = now
            self._record(now, joined.level, f"{REPEAT} {joined.repeats}: {joined.trigger.reason}", trigger.transcript)
            if not joined.followed_up:
                joined.followed_up = True
                self._post(joined.level, joined.trigger.reason, trigger.transcript,
                           {**context, "repeat": joined.repeats}, repeats=joined.id)
            return joined
        alert = OpenAlert(self._post(trigger.level, trigger.reason, trigger.transcript, context), trigger, context,
                          now, now)
        if trigger.level in (AlertLevel.EMERGENCY, AlertLevel.URGENT):
            alert.next_poll = now
        self.alerts = [a for a in self.alerts if now - a.last_at < WATCH_FOR] + [alert]
        self._record(now, trigger.level, trigger.reason, trigger.transcript)
        return alert

    def _joinable(self, trigger: Trigger, now: datetime) -> OpenAlert | None:
        window = timedelta(seconds=self.settings.repeat_window_s)
        for alert in reversed(self.alerts):
            if (alert.trigger.situation == trigger.situation and now - alert.last_at <= window
                    and alert.level.rank >= trigger.level.rank):
                return alert
        return None

    def _post(self, level: AlertLevel, reason: str, transcript: str | None, context: dict, **refs: str) -> str:
        envelope = {"id": str(uuid.uuid4()), "type": "alert", "occurred_at": self.now().isoformat(),
                    "payload": {"level": level.value, "reason": reason, **refs, "transcript": transcript,
                                "context": context}}
        self.send(envelope)
        return envelope["id"]

    def _record(self, at: datetime, level: AlertLevel, reason: str, heard: str | None) -> None:
        if self.record is not None:
            self.record(at, level.value, reason, heard)

    # --- the weak signal's question ------------------------------------------------

    def _answered(self, u: Understanding, now: datetime) -> DialogReply:
        question, self.question = self.question, None
        if u.alert_level is AlertLevel.NONE and declines(u.text):
            self._raise(replace(question.trigger, level=AlertLevel.NOTICE, transcript=_joined(question, u.text),
                                signal=f"{question.trigger.signal}, declined"), question.asked, now)
            return DialogReply((DECLINED,))
        # Yes, a plea, or an answer that is neither: help is called. A wrong call costs a visit; a missed one, more.
        self._raise(replace(question.trigger, transcript=_joined(question, u.text),
                            signal=f"{question.trigger.signal}, answered"), question.asked, now)
        return DialogReply((CALLING_HELP,))

    # --- cancellation --------------------------------------------------------------

    def _cancellable(self, now: datetime) -> OpenAlert | None:
        window = timedelta(seconds=self.settings.cancel_window_s)
        for alert in reversed(self.alerts):
            if alert.trigger.situation.startswith("voice:") and alert.level.rank >= AlertLevel.URGENT.rank:
                return alert if now - alert.last_at <= window else None
        return None

    def _cancellation(self, alert: OpenAlert, text: str, asked: str | None, now: datetime) -> DialogReply:
        self._record(now, alert.level, CANCELLATION, text)
        if not alert.cancel_requested:
            alert.cancel_requested = True
            self._post(alert.level, CANCELLATION, text, {"asked": asked, "at": now.isoformat()},
                       cancels=alert.id)
        return DialogReply((CANCEL_NOTED,))

    # --- the watch: unanswered questions, acknowledgements, the 119 guidance ---------

    def check(self) -> list[str]:
        """Called every second or so on a watcher thread; returns (and says) what the resident was told."""
        told: list[str] = []
        with self._lock:
            now = self.now()
            if self.question is not None and (now - self.question.at).total_seconds() >= self.settings.answer_wait_s:
                question, self.question = self.question, None
                self._raise(replace(question.trigger, signal=f"{question.trigger.signal}, no answer"),
                            question.asked, now)
                told.append(CALLING_HELP)
            due = [a for a in self.alerts if a.next_poll is not None and now >= a.next_poll]
            for alert in due:
                alert.next_poll = now + timedelta(seconds=self.settings.ack_poll_s)
        states = {a.id: self.acks.state(a.id) for a in due} if self.acks is not None else {}
        with self._lock:
            now = self.now()
            for alert in due:
                state = states.get(alert.id)
                if state is not None and state.acknowledged and not alert.acknowledged:
                    alert.acknowledged, alert.next_poll = True, None
                    told.append(state.say or ACKNOWLEDGED)
            timeout = timedelta(seconds=self.settings.ack_timeout_s)
            for alert in self.alerts:
                if (alert.level is AlertLevel.EMERGENCY and not (alert.acknowledged or alert.guided
                                                                  or alert.cancel_requested)
                        and now - alert.raised_at >= timeout):
                    alert.guided = True
                    self._post(alert.level, alert.trigger.reason, alert.trigger.transcript,
                               {**alert.context, "at": now.isoformat(), "unacknowledged_s": round(
                                   (now - alert.raised_at).total_seconds())}, repeats=alert.id)
                    told.append(GUIDANCE_119)
                if alert.next_poll is not None and now - alert.raised_at >= WATCH_FOR:
                    alert.next_poll = None
        if told:
            self.say(tuple(told))
        return told

    def watch(self, stopping: threading.Event, every_s: float = 1.0) -> None:
        """The watcher thread's loop; a failure is logged and the watch goes on: it guards calls for help."""
        while not stopping.wait(every_s):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - this thread must outlive any one bad answer
                log.exception("the emergency watch failed this round")


def _joined(question: Question, answer: str) -> str:
    return " / ".join(t for t in (question.trigger.transcript, answer) if t)
