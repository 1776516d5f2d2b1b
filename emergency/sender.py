"""Delivers the outbox to the care hub: POST {hub}/api/v1/events, one envelope per request.

An event is marked sent only once the hub confirms it (200 or 201, or 409 for
an id it already holds). What the hub answers decides what happens next:

| answer | meaning | the event |
|---|---|---|
| 200, 201, 409 | stored (now or before) | deleted from the outbox |
| 500 and other 5xx | the hub failed on this event | waits its own backoff |
| timeout, refused or reset connection, 502/503/504, 408, 425, 429, 401/403/404, 3xx | the hub is away, busy, or does not accept this device or route: every event would get the same | stays due; the sender waits a backoff of its own before trying the hub again |
| any other 4xx | the hub refuses this event's content | kept as rejected and shown, not retried |

401/403/404 are retried rather than rejected because they say nothing about
the event: a revoked token or a wrong hub URL is fixed on the device or the
hub, and the alerts waiting must then go out without anyone's help.

The clock and the HTTP session come from outside; nothing here sleeps except
SendLoop, which exists to be run in a thread.
"""
from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Callable

import requests

from .outbox import Backoff, Event, Outbox

log = logging.getLogger("anbu.sender")

EVENTS_PATH = "/api/v1/events"
_HUB_SIDE = frozenset({401, 403, 404, 408, 425, 429, 502, 503, 504})


class Outcome(Enum):
    STORED = "stored"
    ALREADY_STORED = "already stored"
    EVENT_FAILED = "event failed"
    HUB_AWAY = "hub away"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Hub:
    url: str
    token: str
    timeout_s: float = 10.0

    @property
    def events_url(self) -> str:
        return self.url.rstrip("/") + EVENTS_PATH


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    reason: str


def classify(status: int) -> Outcome:
    if status in (200, 201):
        return Outcome.STORED
    if status == 409:
        return Outcome.ALREADY_STORED
    if status in _HUB_SIDE or 300 <= status < 400:
        return Outcome.HUB_AWAY
    if 400 <= status < 500:
        return Outcome.REJECTED
    # 5xx, and any other 1xx/2xx: neither confirms that the event is stored.
    return Outcome.EVENT_FAILED


def post_event(session: requests.Session, hub: Hub, event: Event) -> Answer:
    try:
        response = session.post(hub.events_url, data=event.to_json().encode("utf-8"), timeout=hub.timeout_s,
                                allow_redirects=False,
                                headers={"Authorization": f"Bearer {hub.token}",
                                         "Content-Type": "application/json; charset=utf-8"})
    except requests.Timeout:
        return Answer(Outcome.HUB_AWAY, f"no answer within {hub.timeout_s:g} s")
    except requests.RequestException as error:
        return Answer(Outcome.HUB_AWAY, f"cannot reach the hub: {type(error).__name__}: {error}")
    outcome = classify(response.status_code)
    reason = f"HTTP {response.status_code} {response.reason}"
    if outcome in (Outcome.REJECTED, Outcome.EVENT_FAILED, Outcome.HUB_AWAY) and response.text:
        reason += f": {response.text.strip()[:200]}"  # a 4xx names the field it refuses
    return Answer(outcome, reason)


@dataclass
class SendReport:
    sent: int = 0
    already_stored: int = 0          # of `sent`: the hub had them (409), a confirmation lost earlier
    failed: int = 0                  # the hub failed on these; they wait their backoff
    rejected: int = 0
    hub_away: str | None = None      # why the round stopped early
    hub_retry_at: datetime | None = None
    more: bool = False               # the round's limit was reached with events still due


class HubHealth:
    """Whether the hub is worth trying now: a backoff of its own while it is away."""

    def __init__(self, backoff: Backoff, rng: random.Random):
        self._backoff = backoff
        self._rng = rng
        self.failures = 0
        self.retry_at: datetime | None = None

    @property
    def up(self) -> bool:
        return self.failures == 0

    def worth_trying(self, now: datetime) -> bool:
        return self.retry_at is None or now >= self.retry_at

    def away(self, reason: str, now: datetime) -> None:
        if self.up:
            log.warning("hub away (%s); retrying with backoff", reason)
        self.failures += 1
        self.retry_at = now + timedelta(seconds=self._backoff.delay_s(self.failures, self._rng))

    def answered(self) -> None:
        if not self.up:
            log.info("hub back after %d failed attempt(s)", self.failures)
        self.failures = 0
        self.retry_at = None


class Sender:
    """Sends what is due, in the outbox's order, until the hub stops answering or nothing is due."""

    def __init__(self, outbox: Outbox, hub: Hub, session: requests.Session,
                 hub_backoff: Backoff = Backoff(base_s=1.0, cap_s=60.0), rng: random.Random | None = None,
                 round_limit: int = 500):
        self._outbox = outbox
        self._hub = hub
        self._session = session
        self.health = HubHealth(hub_backoff, rng or random.Random())
        self._round_limit = round_limit

    def send_due(self, now: datetime) -> SendReport:
        report = SendReport()
        if not self.health.worth_trying(now):
            report.hub_retry_at = self.health.retry_at
            return report
        attempts = 0
        while attempts < self._round_limit:
            batch = self._outbox.due(now, limit=min(100, self._round_limit - attempts))
            if not batch:
                return report
            for event in batch:
                attempts += 1
                answer = post_event(self._session, self._hub, event)
                if answer.outcome is Outcome.HUB_AWAY:
                    self._hub_away(event, answer.reason, now, report)
                    return report
                self.health.answered()
                self._record(event, answer, now, report)
        report.more = bool(self._outbox.due(now, limit=1))
        return report

    def _hub_away(self, event: Event, reason: str, now: datetime, report: SendReport) -> None:
        # The first failure of a hub that was answering may be this event's own doing
        # (one that always times out must not block the rest), so it is charged to the event;
        # later ones, while the hub is known to be away, are not.
        if self.health.up:
            self._outbox.mark_failed(event.id, reason, now)
        else:
            self._outbox.note_failure(event.id, reason, now)
        self.health.away(reason, now)
        report.hub_away = reason
        report.hub_retry_at = self.health.retry_at

    def _record(self, event: Event, answer: Answer, now: datetime, report: SendReport) -> None:
        if answer.outcome in (Outcome.STORED, Outcome.ALREADY_STORED):
            self._outbox.mark_sent(event.id, now)
            report.sent += 1
            report.already_stored += answer.outcome is Outcome.ALREADY_STORED
        elif answer.outcome is Outcome.REJECTED:
            log.error("the hub rejected %s %s: %s; kept in the outbox", event.kind, event.id, answer.reason)
            self._outbox.mark_rejected(event.id, answer.reason, now)
            report.rejected += 1
        else:
            self._outbox.mark_failed(event.id, answer.reason, now)
            report.failed += 1


class SendLoop:
    """Runs a Sender in its own thread: a round now, then again when woken or after a pause."""

    def __init__(self, sender: Sender, clock: Callable[[], datetime], idle_s: float = 1.0):
        self._sender = sender
        self._clock = clock
        self._idle_s = idle_s
        self._nudge = threading.Event()
        self._stopping = False

    def run(self) -> None:
        while not self._stopping:
            now = self._clock()
            report = self._sender.send_due(now)
            pause = 0.0 if report.more else self._idle_s
            if report.hub_retry_at is not None:
                pause = min(pause, max(0.0, (report.hub_retry_at - now).total_seconds()))
            self._nudge.wait(pause)
            self._nudge.clear()

    def wake(self) -> None:
        """Something was put: send it now rather than after the pause."""
        self._nudge.set()

    def stop(self) -> None:
        self._stopping = True
        self._nudge.set()
