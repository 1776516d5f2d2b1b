"""A day of routines: when each one runs, from the configuration.

The fire times come from APScheduler's own triggers (cron for the morning
call, the doses and the summary; an interval for the watchdog), and the
follow-ups routines ask for (a retry, a snooze, the end of a dose's window)
join the same queue. `run_until` then steps an injectable clock from one job
to the next, so the simulated day runs the real routines in seconds. Jobs
run one at a time: routines never talk over each other.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from speaker_app.config import Config

from .clock import SimulatedClock
from .routines import (EveningSummary, InactivityWatchdog, MedicationReminder, MorningCall, RoutineContext,
                       TranscriptRetention)


@dataclass(order=True)
class Job:
    at: datetime
    order: int
    name: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)


def _cron(time: str, days: str, zone) -> CronTrigger:
    hour, minute = time.split(":")
    return CronTrigger(hour=int(hour), minute=int(minute), day_of_week=days, timezone=zone)


def fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    times, previous = [], None
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment < end:
        times.append(moment)
        previous = moment
        moment = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
    return times


class Day:
    def __init__(self, context: RoutineContext, clock: SimulatedClock):
        self.context, self.clock = context, clock
        self.queue: list[Job] = []
        self.counter = itertools.count()
        context.later = self.later

    def later(self, at: datetime, job: tuple[str, ...], run: Callable[[], None]) -> None:
        heapq.heappush(self.queue, Job(at, next(self.counter), " ".join(job), run))

    def plan(self, start: datetime, end: datetime) -> None:
        config: Config = self.context.config
        zone = start.tzinfo
        for at in fire_times(_cron(config.morning_call.time, config.morning_call.days, zone), start, end):
            self.later(at, ("morning_call",), MorningCall(self.context).run)
        for medicine in config.medications:
            for time in medicine.times:
                for at in fire_times(_cron(time, medicine.days, zone), start, end):
                    self.later(at, ("dose", medicine.name), MedicationReminder(self.context, medicine, at).start)
        for at in fire_times(_cron(config.routines.summary_time, "mon-sun", zone), start, end):
            self.later(at, ("summary",), EveningSummary(self.context).run)
        for at in fire_times(_cron(TranscriptRetention.TIME, "mon-sun", zone), start, end):
            self.later(at, ("retention",), TranscriptRetention(self.context).run)
        watchdog = InactivityWatchdog(self.context)
        every = IntervalTrigger(minutes=config.inactivity.check_every_min, start_date=start, timezone=zone)
        for at in fire_times(every, start, end):
            self.later(at, ("watchdog",), watchdog.run)

    def run_until(self, end: datetime, before_each: Callable[[datetime], None] = lambda at: None) -> None:
        while self.queue and self.queue[0].at < end:
            job = heapq.heappop(self.queue)
            before_each(job.at)
            # A job whose time a conversation ran past starts when that conversation ends.
            self.clock.set(max(job.at, self.clock.now()))
            if job.name != "watchdog":
                self.context.timeline({"at": self.clock.now().isoformat(), "job": job.name})
            job.run()
        before_each(end)
        self.clock.set(max(end, self.clock.now()))
