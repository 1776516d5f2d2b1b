"""The routines on the device: APScheduler 3 with a persistent SQLite job store.

The daily jobs are rebuilt from the configuration at every start (so a
changed config takes effect), while follow-ups a routine asked for (a retry,
a snooze, the end of a dose's window) live in the job store and survive a
restart. A job the device slept through runs late only within its grace
(the morning call's `grace_min`); later than that it is recorded as missed,
so nobody is greeted with "good morning" at three in the afternoon.

Jobs in the store name a routine and plain arguments, never objects, so they
can be stored; `run_job` finds the routine in the running `LiveRoutines`.
"""
from __future__ import annotations

import queue
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from emergency.levels import AlertLevel
from speaker_app.voice_loop import Prompt

from .day import _cron
from .routines import (EveningSummary, InactivityWatchdog, MedicationReminder, MorningCall, RoutineContext,
                       TranscriptRetention)

_RUNNING: "LiveRoutines | None" = None  # the routines the stored jobs call into
DAILY = "daily:"  # ids of the jobs rebuilt from the config; follow-ups have other ids


class LiveResident:
    """The resident at the live speaker, for routines: prompts go to the voice loop, answers come back."""

    def __init__(self, prompts: "queue.Queue[Prompt]", wait_s: float = 120.0):
        self.prompts, self.wait_s = prompts, wait_s

    def _put(self, texts: Sequence[str], expect: str | None, asks: bool, louder: int) -> str | None:
        prompt = Prompt(tuple(texts), expect, asks, louder=louder)
        self.prompts.put(prompt)
        try:
            # The loop speaks it between turns: a conversation under way finishes first.
            return prompt.answer.result(timeout=self.wait_s)
        except FutureTimeout:
            return None

    def say(self, texts: Sequence[str], louder: int = 0) -> None:
        self._put(texts, None, asks=False, louder=louder)

    def ask(self, texts: Sequence[str], expect: str | None, louder: int = 0) -> str | None:
        return self._put(texts, expect, asks=True, louder=louder)


def run_job(kind: str, *args: str) -> None:
    """The one entry point stored jobs call; the routines behind it live in this process."""
    if _RUNNING is None:
        raise RuntimeError("no routines are running in this process")
    _RUNNING.run(kind, *args)


class LiveRoutines:
    def __init__(self, context: RoutineContext, jobs_db: Path, scheduler: BackgroundScheduler | None = None):
        self.context = context
        zone = context.clock.now().tzinfo
        jobs_db.parent.mkdir(parents=True, exist_ok=True)
        self.scheduler = scheduler or BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{jobs_db}")},
            # One routine at a time: routines never talk over each other.
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1}, timezone=zone)
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        self.watchdog = InactivityWatchdog(context)
        context.later = self.later

    # --- the jobs ------------------------------------------------------------------

    def start(self) -> None:
        global _RUNNING
        _RUNNING = self
        self.scheduler.start(paused=True)
        self._rebuild_daily_jobs()
        self.scheduler.resume()

    def stop(self) -> None:
        global _RUNNING
        self.scheduler.shutdown(wait=True)
        _RUNNING = None

    def _rebuild_daily_jobs(self) -> None:
        """Makes the stored daily jobs match the config, keeping those that did not change.

        A kept job keeps its stored next run: if the speaker was off when it
        was due, the scheduler now runs it late within its grace, or reports
        it missed, instead of quietly moving it to tomorrow.
        """
        config, zone = self.context.config, self.scheduler.timezone
        wanted = {"morning_call": (_cron(config.morning_call.time, config.morning_call.days, zone),
                                   ["morning_call"], config.morning_call.grace_min * 60)}
        for medicine in config.medications:
            for time in medicine.times:
                wanted[f"dose:{medicine.name}:{time}"] = (_cron(time, medicine.days, zone), ["dose", medicine.name],
                                                          medicine.window_min * 60)
        wanted["summary"] = (_cron(config.routines.summary_time, "mon-sun", zone), ["summary"], 3 * 3600)
        wanted["retention"] = (_cron(TranscriptRetention.TIME, "mon-sun", zone), ["retention"], 24 * 3600)
        wanted["watchdog"] = (IntervalTrigger(minutes=config.inactivity.check_every_min, timezone=zone),
                              ["watchdog"], None)
        stored = {job.id[len(DAILY):]: job for job in self.scheduler.get_jobs() if job.id.startswith(DAILY)}
        for name, job in stored.items():
            if name not in wanted:
                job.remove()
        for name, (trigger, args, grace_s) in wanted.items():
            old = stored.get(name)
            if old is not None and str(old.trigger) == str(trigger) and list(old.args) == args:
                continue
            self.scheduler.add_job(run_job, trigger, args=args, id=f"{DAILY}{name}", replace_existing=True,
                                   misfire_grace_time=grace_s)

    def later(self, at: datetime, job: tuple[str, ...], run: Callable[[], None]) -> None:
        """Follow-ups are stored by what they are, not as `run`, so they survive a restart."""
        self.scheduler.add_job(run_job, "date", run_date=at, args=list(job), id=f"later:{'|'.join(job)}",
                               replace_existing=True, misfire_grace_time=3600)

    # --- what a job does -----------------------------------------------------------

    def run(self, kind: str, *args: str) -> None:
        c = self.context
        if kind == "morning_call":
            MorningCall(c).run(int(args[0]) if args else 1)
        elif kind in ("dose", "dose_ask", "dose_close"):
            medicine = next(m for m in c.config.medications if m.name == args[0])
            due = datetime.fromisoformat(args[1]) if len(args) > 1 else c.clock.now().replace(second=0, microsecond=0)
            reminder = MedicationReminder(c, medicine, due)
            if kind == "dose":
                reminder.start()
            elif kind == "dose_ask":
                reminder.ask(int(args[2]) if len(args) > 2 else 0)  # the louder step, when the job names one
            else:
                reminder.close()
        elif kind == "summary":
            EveningSummary(c).run()
        elif kind == "retention":
            TranscriptRetention(c).run()
        elif kind == "watchdog":
            self.watchdog.run()

    def _missed(self, event: JobExecutionEvent) -> None:
        if event.job_id == f"{DAILY}morning_call":
            late = self.context.clock.now() - event.scheduled_run_time
            self.context.alert(AlertLevel.NOTICE, f"morning call of {event.scheduled_run_time:%m-%d %H:%M} missed: "
                                                  f"the speaker was off for {late / timedelta(minutes=1):.0f} minutes")
