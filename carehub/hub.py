"""The hub's parts put together, and its own heartbeat: the tick that moves
escalations on, sends what is waiting, and watches for silence."""
from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import Engine

from . import db, retention
from .activity import Watch
from .clock import Clock, SystemClock
from .config import Settings
from .escalation import Escalation
from .notify import EmailChannel, Notifier, WebhookChannel

log = logging.getLogger("carehub")

WATCH_EVERY = dt.timedelta(minutes=1)
RETENTION_EVERY = dt.timedelta(hours=1)


def notifier_from_settings(settings: Settings, clock: Clock) -> Notifier:
    channels = []
    if settings.webhook:
        channels.append(WebhookChannel(settings.webhook, clock))
    if settings.smtp:
        channels.append(EmailChannel(settings.smtp))
    return Notifier(channels, settings.public_url, settings.delivery_attempts, settings.delivery_backoff)


class CareHub:
    def __init__(self, settings: Settings, engine: Engine | None = None, clock: Clock | None = None,
                 notifier: Notifier | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = engine or db.make_engine(settings.database_url)
        self.sessions = db.session_factory(self.engine)
        self.notifier = notifier or notifier_from_settings(settings, self.clock)
        self.escalation = Escalation(settings.ack_timeout, self.notifier)
        self.watch = Watch(self.escalation)
        self._last_watch: dt.datetime | None = None
        self._last_retention: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.clock.now()

    def tick(self) -> None:
        """One round of the hub's own work. Runs in one process only (see `run_ticker`)."""
        now = self.now()
        with self.sessions() as session, session.begin():
            self.escalation.due(session, now)
        if self._last_watch is None or now - self._last_watch >= WATCH_EVERY:
            self.check_activity(now)
            self._last_watch = now
        if self._last_retention is None or now - self._last_retention >= RETENTION_EVERY:
            self.enforce_retention(now)
            self._last_retention = now
        self.notifier.deliver_due(self.sessions, self.now())

    def check_activity(self, now: dt.datetime | None = None) -> None:
        with self.sessions() as session, session.begin():
            self.watch.check(session, now or self.now())

    def enforce_retention(self, now: dt.datetime | None = None) -> dict[str, int]:
        with self.sessions() as session, session.begin():
            counts = retention.enforce(session, now or self.now(), self.settings.heartbeat_retention,
                                       self.settings.record_retention)
        if any(counts.values()):
            log.info("retention: removed %s", counts)
        return counts

    def run_ticker(self, stop: threading.Event, interval_s: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # the next tick tries again; a crashed ticker would end escalation
                log.exception("tick failed")
            stop.wait(interval_s)

    def start_ticker(self, interval_s: float = 1.0) -> threading.Event:
        stop = threading.Event()
        threading.Thread(target=self.run_ticker, args=(stop, interval_s), name="carehub-ticker", daemon=True).start()
        return stop
