"""The things the speaker does without being asked.

Each routine is a small object with a `run()` that a planner calls at the
right time (scheduler/day.py). What a routine needs from the world comes in
a `RoutineContext`: the clock, the dialogue, the resident (a live voice loop
or a scripted day), the local store, the outbox and a way to come back later
(a retry, a snooze). Nothing here knows which of those it has.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Protocol, Sequence

from emergency.desk import Desk, Trigger, opens_an_alert
from emergency.levels import AlertLevel
from speaker_app.config import Config, MedicationConfig
from speaker_app.conversation import Conversation, Exchange
from speaker_app.dialog import CHECKIN_OPENING, NEW_SESSION, DialogReply, DialogUnavailable, medication_opening
from speaker_app.understanding import Understanding
from speaker_app.voice import MAX_LOUDER
from speaker_app.voice_loop import Turn

from .clock import Clock
from .store import Store

# What a check-in answer is about, by the intent it was understood as.
CHECKIN_TOPICS = {
    "sleep_good": "sleep", "sleep_bad": "sleep", "meal_done": "meal", "meal_skipped": "meal",
    "mood_good": "mood", "mood_bad": "mood", "lonely": "mood", "health_complaint": "pain",
}
NEGATIVE_SIGNALS = ("mood_bad", "lonely", "health_complaint")
MOODS = {"mood_good": "good", "mood_bad": "bad", "lonely": "bad"}  # the hub's words for the check-in's mood
# What the dialogue's medication payload may say, and whether the dose is then asked about again.
# stopped / interrupted (a call for help came first) end the asking, not the dose: unconfirmed, it is
# still missed at its window's end.
DOSE_ASKED_AGAIN = {"taken": False, "not_yet": True, "snoozed": True, "stopped": False, "interrupted": False}
MAX_EXCHANGES = 8  # a routine's conversation never runs on for ever


class Resident(Protocol):
    def say(self, texts: Sequence[str], louder: int = 0) -> None: ...

    def ask(self, texts: Sequence[str], expect: str | None, louder: int = 0) -> str | None:
        """Say the texts; the resident's answer, or None when none came before the no-answer timeout."""


@dataclass
class RoutineContext:
    config: Config
    clock: Clock
    conversation: Conversation
    resident: Resident
    store: Store
    send: Callable[[dict], None]  # an event envelope for the hub, through the outbox
    # Come back at a time: the job says what to do in plain words (so a job store
    # can keep it across a restart), the callable does it in this process.
    later: Callable[[datetime, tuple[str, ...], Callable[[], None]], None]
    timeline: Callable[[dict], None] = lambda entry: None
    started_at: datetime | None = None
    # Every alert goes through the emergency desk (emergency/desk.py), the voice's and the routines' alike.
    desk: Desk = field(init=False)

    def __post_init__(self) -> None:
        self.desk = Desk(self.config.emergency, self.clock.now, self.post, self.resident.say, self.store.alert)

    def event(self, kind: str, payload: dict) -> None:
        self.post({"id": str(uuid.uuid4()), "type": kind, "occurred_at": self.clock.now().isoformat(),
                   "payload": payload})

    def post(self, envelope: dict) -> None:
        self.send(envelope)
        self.timeline({"at": envelope["occurred_at"], "event": envelope["type"], "id": envelope["id"],
                       "payload": envelope["payload"]})

    def alert(self, level: AlertLevel, reason: str, heard: str | None = None) -> None:
        self.desk.raise_alert(Trigger(level, reason, heard, situation=reason, signal="routine"))

    def heard(self, turn: Turn) -> None:
        """A turn of the voice loop, recorded: that speech was heard, and the words when they were understood."""
        now = self.clock.now()
        if turn.transcript is not None:
            self.store.speech_heard(now)
        understood = turn.exchange.understanding if turn.exchange else None
        if understood is not None:  # routines record the turns they hold themselves
            self.store.turn(now, understood.text, understood.intent, understood.alert_level.value, None)

    def in_quiet_hours(self, at: datetime) -> bool:
        return self.config.quiet_hours.covers(at.strftime("%H:%M"))


def alert_from_understanding(context: RoutineContext) -> Callable[[Understanding], DialogReply | None]:
    """The Conversation's hook: the desk sees every understood turn first, and may answer it."""
    return lambda u: context.desk.take(u, context.conversation.asked)


def _asks(texts: Sequence[str], expect: str | None) -> bool:
    return expect is not None or any(t.rstrip().endswith("?") for t in texts)


def converse(context: RoutineContext, routine: str, opening: str, louder: int = 0,
             unreachable: Sequence[str] = ()) -> list[Exchange]:
    """Opens with a message to the dialogue, then goes on while the speaker asks and the resident answers.

    Returns the exchanges the resident answered; fewer than asked when an answer did not come.
    `louder` steps raise the speaker's voice for everything said in it; `unreachable` is said instead of
    the apology when the dialogue cannot be reached, so a reminder still reminds.
    """
    try:
        context.conversation.dialog.send(NEW_SESSION)
    except DialogUnavailable:
        pass  # the opening meets the same failure, below
    opened = context.conversation.respond(opening)
    reply = DialogReply(tuple(unreachable)) if opened.error and unreachable else opened.reply
    answered: list[Exchange] = []
    for _ in range(MAX_EXCHANGES):
        if not _asks(reply.texts, reply.expect):
            context.resident.say(reply.texts, louder)
            context.timeline({"at": context.clock.now().isoformat(), "routine": routine, "said": " ".join(reply.texts),
                              "louder": louder})
            break
        answer = context.resident.ask(reply.texts, reply.expect, louder)
        context.timeline({"at": context.clock.now().isoformat(), "routine": routine,
                          "said": " ".join(reply.texts), "heard": answer, "louder": louder})
        if answer is None:
            break
        exchange = context.conversation.respond(answer)
        u = exchange.understanding
        context.store.turn(context.clock.now(), answer, u.intent if u else None,
                           u.alert_level.value if u else None, routine)
        answered.append(exchange)
        reply = exchange.reply
    return answered


def checkin_answers(exchanges: Sequence[Exchange]) -> dict:
    """Each topic's answer as the speaker understood it, with the words said."""
    answers: dict = {}
    for exchange in exchanges:
        u = exchange.understanding
        if u and u.intent in CHECKIN_TOPICS:
            answers.setdefault(CHECKIN_TOPICS[u.intent], {"intent": u.intent, "said": u.text})
    return answers


class MorningCall:
    """The 굿모닝 콜: greet, check in; unanswered, try again a little louder; then tell the hub."""

    def __init__(self, context: RoutineContext):
        self.context = context

    def run(self, attempt: int = 1) -> None:
        c = self.context
        settings = c.config.morning_call
        # With the dialogue down the speaker still greets and asks: an answer shows she is there, so an
        # outage of the dialogue is not taken for a resident who does not answer.
        answered = converse(c, "morning_call", CHECKIN_OPENING, louder=attempt - 1,
                            unreachable=(f"안녕하세요 {c.config.resident.honorific}. 좋은 아침이에요. 잘 주무셨어요?",))
        answers = checkin_answers(answered)
        # The dialogue's own record of the check-in, when its form sends one.
        dialogue = next((p["checkin"] for e in answered for p in e.reply.payloads if isinstance(p.get("checkin"), dict)),
                        None)
        if answered:
            complete = {"sleep", "meal", "mood"} <= answers.keys()
            c.store.checkin(c.clock.now(), answers, complete)
            c.event("checkin", {"answers": [{"topic": topic, "answer": a["said"], "intent": a["intent"]}
                                            for topic, a in answers.items()],
                                "mood": MOODS.get(answers.get("mood", {}).get("intent")),
                                "complete": complete, "attempt": attempt, "dialogue": dialogue})
        elif attempt < settings.tries:
            retry_at = c.clock.now() + timedelta(minutes=settings.retry_after_min)
            c.later(retry_at, ("morning_call", str(attempt + 1)), lambda: self.run(attempt + 1))
        else:
            c.alert(AlertLevel.URGENT, f"morning call unanswered after {settings.tries} tries")


class MedicationReminder:
    """One dose, asked about through the dialogue with the medicine's name.

    The dialogue's structured answer decides: taken settles the dose; not yet
    and snooze ask again after the snooze; no answer asks again a little
    louder; stop, or a call for help, ends the asking. A dose not taken by
    the end of its window is missed.
    """

    def __init__(self, context: RoutineContext, medicine: MedicationConfig, due_at: datetime):
        self.context, self.medicine, self.due_at = context, medicine, due_at

    def start(self) -> None:
        c = self.context
        c.store.dose_due(self.medicine.name, self.due_at)
        c.later(self.due_at + timedelta(minutes=self.medicine.window_min), self._job("dose_close"), self.close)
        self.ask()

    def ask(self, louder: int = 0) -> None:
        c = self.context
        if c.store.dose_status(self.medicine.name, self.due_at) != "pending":
            return
        name = f"{c.config.resident.honorific}, {self.medicine.name}"
        answered = converse(c, "medication", medication_opening(self.medicine.name), louder,
                            unreachable=(f"{name} 드실 시간이에요. 잊지 말고 챙겨 드세요.",))
        status = next((p["medication"].get("status") for e in answered for p in e.reply.payloads
                       if isinstance(p.get("medication"), dict)), None)
        if status is not None:
            c.event("medication", {"medicine": self.medicine.name, "due_at": self.due_at.isoformat(),
                                   "status": status})
        if status is not None and not DOSE_ASKED_AGAIN.get(status, True):
            c.store.dose_settled(self.medicine.name, self.due_at, status, c.clock.now())
            return
        again = c.clock.now() + timedelta(minutes=self.medicine.snooze_min)
        if again < self.due_at + timedelta(minutes=self.medicine.window_min) and not c.in_quiet_hours(again):
            # Unanswered, the next ask is louder; after "not yet" the resident heard it well enough.
            next_louder = min(louder + 1, MAX_LOUDER) if status is None else 0
            c.later(again, self._job("dose_ask", str(next_louder)), lambda: self.ask(next_louder))

    def _job(self, kind: str, *more: str) -> tuple[str, ...]:
        return (kind, self.medicine.name, self.due_at.isoformat(), *more)

    def close(self) -> None:
        c = self.context
        if c.store.dose_status(self.medicine.name, self.due_at) in ("pending", "stopped", "interrupted"):
            c.store.dose_settled(self.medicine.name, self.due_at, "missed", c.clock.now())
            c.event("medication", {"medicine": self.medicine.name, "due_at": self.due_at.isoformat(),
                                   "status": "missed"})
            c.alert(AlertLevel.NOTICE, f"dose missed: {self.medicine.name} due {self.due_at:%H:%M}")


@dataclass
class InactivityWatchdog:
    """Two signals of life, each against its own thresholds.

    Turns (the resident answering or asking) are the one that counts: only
    she makes them. Speech heard at all is weaker: a television talks all
    day, so speech is no sign that she is well; but a house where nothing
    at all was said for most of a day is worth a look, and an alert about
    no conversation says whether the house was silent too.
    """

    context: RoutineContext
    raised: AlertLevel = field(default=AlertLevel.NONE)
    silent_raised: bool = False

    def run(self) -> None:
        c = self.context
        settings = c.config.inactivity
        now, since = c.clock.now(), c.started_at or c.clock.now()
        last = c.store.last_turn_at() or since
        speech = c.store.last_speech_at() or since
        quiet_h, silent_h = (now - last).total_seconds() / 3600, (now - speech).total_seconds() / 3600
        level = (AlertLevel.URGENT if quiet_h >= settings.urgent_h
                 else AlertLevel.NOTICE if quiet_h >= settings.notice_h else AlertLevel.NONE)
        if level.rank > self.raised.rank:
            c.alert(level, f"no conversation for {quiet_h:.1f} hours (last: {last:%m-%d %H:%M}; "
                           f"speech last heard {speech:%m-%d %H:%M})")
        self.raised = level  # back to none once the resident talks again
        silent = silent_h >= settings.silent_notice_h
        if silent and not self.silent_raised:
            c.alert(AlertLevel.NOTICE, f"no speech heard at all for {silent_h:.1f} hours: a silent house "
                                       f"(last conversation: {last:%m-%d %H:%M})")
        self.silent_raised = silent


class TranscriptRetention:
    """Once a day, forgets what was said before `routines.transcript_days` ago; what it meant stays."""

    TIME = "03:00"  # asleep and quiet: nothing else runs then

    def __init__(self, context: RoutineContext):
        self.context = context

    def run(self) -> None:
        c = self.context
        c.store.forget_transcripts_before(c.clock.now() - timedelta(days=c.config.routines.transcript_days))


class EveningSummary:
    """The day in a few Korean sentences and in data, kept here and sent to the hub."""

    def __init__(self, context: RoutineContext):
        self.context = context

    def run(self) -> None:
        c = self.context
        now = c.clock.now()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        turns = c.store.turns_between(start, now)
        checkins = c.store.checkins_between(start, now)
        doses = c.store.doses_between(start, now + timedelta(days=1))
        alerts = [a for a in c.store.alerts_between(start, now) if opens_an_alert(a[2])]
        taken = [m for m, _, status in doses if status == "taken"]
        missed = [f"{m} {due[11:16]}" for m, due, status in doses if status == "missed"]
        complaints = [heard for _, heard, intent, _ in turns if intent == "health_complaint"]
        week = c.store.turns_between(now - timedelta(days=7), now)
        negative = [heard for _, heard, intent, _ in week if intent in NEGATIVE_SIGNALS]
        data = {"day": start.date().isoformat(), "checkins": checkins, "doses_taken": taken, "doses_missed": missed,
                "alerts": [{"at": at, "level": level, "reason": reason} for at, level, reason, _ in alerts],
                "conversations": len(turns), "health_complaints": complaints, "negative_this_week": len(negative)}
        text = " ".join(filter(None, [
            f"오늘 대화는 {len(turns)}번 있었어요.",
            "아침 안부 확인에 답하셨어요." if checkins else "아침 안부 확인에 답이 없었어요.",
            f"약은 {len(taken)}번 드셨어요." if doses else "",
            f"놓친 약: {', '.join(missed)}." if missed else "",
            f"불편하다고 하신 곳: {' / '.join(complaints)}." if complaints else "",
            f"알림 {len(alerts)}건." if alerts else "",
        ]))
        c.store.summary(data["day"], text, data)
        c.event("summary", {"date": data["day"], "text": text, "data": data})
        if len(negative) >= c.config.routines.negative_per_week:
            c.alert(AlertLevel.NOTICE, f"{len(negative)} negative remarks in 7 days", " / ".join(negative))
