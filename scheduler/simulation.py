"""`speaker-app simulate-day`: a whole day through the real routines, dialogue and alerts, in seconds.

Prints a timeline, one JSON object per line: each job as it starts, what the
speaker said and heard, and every event it sent for the hub.
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from speaker_app.config import Config
from speaker_app.conversation import Conversation

from .clock import SimulatedClock
from .day import Day
from .routines import RoutineContext, alert_from_understanding
from .recorded import Recording, SpokenUp, VoicePath
from .scenario import Scenario, ScriptedResident
from .store import Store


def simulate_day(config: Config, scenario: Scenario, conversation: Conversation, store_path: Path,
                 show: Callable[[dict], None] = lambda entry: print(json.dumps(entry, ensure_ascii=False)),
                 ears: VoicePath | None = None) -> list[dict]:
    """Runs the day; returns the events that would have gone to the hub.

    `ears` hears the scenario's recordings; it must speak through the same `conversation`.
    """
    zone = ZoneInfo(config.resident.timezone)
    start = datetime.combine(scenario.day, time(0, 0), zone)
    end = start + timedelta(days=1)
    clock = SimulatedClock(start)
    resident = ScriptedResident(scenario, clock, config.vad.no_answer_s, ears)
    sent: list[dict] = []
    context = RoutineContext(config, clock, conversation, resident, Store(store_path), sent.append,
                             later=lambda at, job, run: None, timeline=show, started_at=start)
    conversation.on_alert = alert_from_understanding(context)
    conversation.now = clock.now
    day = Day(context, clock)
    day.plan(start, end)

    def resident_speaks_up(until: datetime) -> None:
        for at, speech in resident.speaking_up(until):
            clock.set(max(at, clock.now()))
            spoken = speak_up(context, resident, speech)
            if spoken.exchange is None:  # speech in the room, but nobody spoke to the speaker
                show({"at": at.isoformat(), "routine": "resident", "heard": spoken.heard, "said": None, "intent": None})
                continue
            u = spoken.exchange.understanding
            show({"at": at.isoformat(), "routine": "resident", "heard": spoken.heard,
                  "said": " ".join(spoken.exchange.reply.texts), "intent": u.intent if u else None})

    day.run_until(end, before_each=resident_speaks_up)
    return sent


def speak_up(context: RoutineContext, resident: ScriptedResident, speech: str | Recording) -> SpokenUp:
    """The scripted resident starts a conversation (typed, or a recording through her voice path): the
    turn is kept in the store and the speaker's answer said on the simulated clock."""
    spoken = resident.ears.speak_up(speech) if isinstance(speech, Recording) else \
        SpokenUp(speech, context.conversation.respond(speech))
    if spoken.exchange is not None:
        u = spoken.exchange.understanding
        context.store.turn(context.clock.now(), spoken.heard, u.intent if u else None,
                           u.alert_level.value if u else None, None)
        resident.say(spoken.exchange.reply.texts)
    return spoken
