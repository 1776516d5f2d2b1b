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
from .scenario import Scenario, ScriptedResident
from .store import Store


def simulate_day(config: Config, scenario: Scenario, conversation: Conversation, store_path: Path,
                 show: Callable[[dict], None] = lambda entry: print(json.dumps(entry, ensure_ascii=False))) -> list[dict]:
    """Runs the day; returns the events that would have gone to the hub."""
    zone = ZoneInfo(config.resident.timezone)
    start = datetime.combine(scenario.day, time(0, 0), zone)
    end = start + timedelta(days=1)
    clock = SimulatedClock(start)
    resident = ScriptedResident(scenario, clock, config.vad.no_answer_s)
    sent: list[dict] = []
    context = RoutineContext(config, clock, conversation, resident, Store(store_path), sent.append,
                             later=lambda at, job, run: None, timeline=show, started_at=start)
    conversation.on_alert = alert_from_understanding(context)
    day = Day(context, clock)
    day.plan(start, end)

    def resident_speaks_up(until: datetime) -> None:
        for at, text in resident.speaking_up(until):
            clock.set(max(at, clock.now()))
            exchange = conversation.respond(text)
            u = exchange.understanding
            context.store.turn(clock.now(), text, u.intent if u else None, u.alert_level.value if u else None, None)
            resident.say(exchange.reply.texts)
            show({"at": at.isoformat(), "routine": "resident", "heard": text, "said": " ".join(exchange.reply.texts),
                  "intent": u.intent if u else None})

    day.run_until(end, before_each=resident_speaks_up)
    return sent
