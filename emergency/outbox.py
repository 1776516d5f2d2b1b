"""The durable outbox: every event for the care hub is on disk before anyone tries to send it.

One SQLite file in WAL mode. A put() is committed with synchronous=FULL, so
when it returns the event survives a crash or a power cut. The bookkeeping of
sending (sent, failed, rejected) is committed with synchronous=NORMAL: losing
it to a power cut only means an event is sent again, and the hub stores an
event once per id (the idempotency key of the envelope in
../shared/design/ARCHITECTURE.md).

Events leave in priority order: emergency alerts, then urgent alerts, then
everything else; oldest first within a priority. A sent event is deleted.
An event the hub refuses for its content is kept, marked rejected, and shown
by outbox_report(); it is never retried on its own nor silently dropped.

When the disk (or the outbox's own size limit) is full, an event may push out
events worth less than itself, heartbeats first; an event nothing can make
room for is dropped, except an alert, which raises OutboxFull. Every drop is
logged and counted.
"""
from __future__ import annotations

import json
import logging
import random
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from .levels import AlertLevel

log = logging.getLogger("anbu.outbox")

EVENT_TYPES = ("alert", "checkin", "medication", "summary", "heartbeat", "activity")
ALERT_LEVELS = (AlertLevel.EMERGENCY, AlertLevel.URGENT, AlertLevel.NOTICE)

# What an event is worth when space runs out: each may push out only those below it.
# A heartbeat is replaced by the next one within minutes; an alert is never pushed out.
WORTH = {"heartbeat": 0, "activity": 1, "checkin": 2, "medication": 3, "summary": 4, "alert": 5}
DROP_BATCH = 100

_PRIORITY = {AlertLevel.EMERGENCY: 0, AlertLevel.URGENT: 1}
_REST = 2
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,            -- order of arrival, breaks ties of age
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    level TEXT,                         -- alerts only
    priority INTEGER NOT NULL,
    occurred_ts REAL NOT NULL,          -- UTC seconds: offsets differ, ages must compare
    envelope TEXT NOT NULL,             -- the JSON the hub receives, byte for byte
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'rejected')),
    failures INTEGER NOT NULL DEFAULT 0,    -- charged to the event: they set its backoff
    next_attempt_ts REAL NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS events_queue ON events (state, priority, occurred_ts, seq);
CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS dropped (type TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0);
"""


class OutboxFull(Exception):
    """An alert found no room on disk even after every lesser event was dropped."""


# --- values -------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    """One event in the envelope the hub takes."""

    id: str
    type: str
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            uuid.UUID(self.id)
        except (TypeError, ValueError, AttributeError):
            raise ValueError(f"event id must be a UUID, got {self.id!r}") from None
        if self.type not in EVENT_TYPES:
            raise ValueError(f"event type must be one of {', '.join(EVENT_TYPES)}, got {self.type!r}")
        if not isinstance(self.occurred_at, datetime) or self.occurred_at.utcoffset() is None:
            raise ValueError(f"occurred_at must be a datetime with an offset, got {self.occurred_at!r}")
        if not isinstance(self.payload, dict):
            raise ValueError(f"payload must be an object, got {type(self.payload).__name__}")
        if self.type == "alert" and self.payload.get("level") not in {level.value for level in ALERT_LEVELS}:
            raise ValueError("an alert's payload.level must be emergency, urgent or notice, "
                             f"got {self.payload.get('level')!r}")

    @classmethod
    def new(cls, type: str, payload: dict[str, Any], occurred_at: datetime) -> Event:
        return cls(str(uuid.uuid4()), type, occurred_at, payload)

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> Event:
        try:
            occurred_at = datetime.fromisoformat(envelope["occurred_at"])
            return cls(envelope["id"], envelope["type"], occurred_at, envelope.get("payload", {}))
        except KeyError as missing:
            raise ValueError(f"the envelope has no {missing.args[0]!r}") from None
        except TypeError:
            raise ValueError(f"occurred_at must be an ISO 8601 string, got {envelope['occurred_at']!r}") from None

    @property
    def level(self) -> AlertLevel | None:
        return AlertLevel(self.payload["level"]) if self.type == "alert" else None

    @property
    def kind(self) -> str:
        """The type, with the level for alerts: how people read an event in a list."""
        return f"alert/{self.payload['level']}" if self.type == "alert" else self.type

    @property
    def priority(self) -> int:
        return _PRIORITY.get(self.level, _REST)

    def envelope(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "occurred_at": self.occurred_at.isoformat(),
                "payload": self.payload}

    def to_json(self) -> str:
        return json.dumps(self.envelope(), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: retry n waits between half and all of base * 2**(n-1), capped.

    The jitter is for the hub's sake: when it comes back after an outage,
    the speakers of a whole district must not all retry in the same second.
    """

    base_s: float = 2.0
    cap_s: float = 300.0

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        full = min(self.cap_s, self.base_s * 2 ** min(max(attempt, 1) - 1, 60))
        return full / 2 + rng.uniform(0, full / 2)


@dataclass(frozen=True)
class Failure:
    at: datetime
    event_id: str
    kind: str
    reason: str


@dataclass(frozen=True)
class OutboxStatus:
    as_of: datetime
    waiting: dict[str, int]              # kind -> count, in the order they will leave
    oldest_waiting: datetime | None
    next_attempt_at: datetime | None     # of the event that is due first, when none is due now
    last_failure: Failure | None
    last_sent_at: datetime | None
    rejected_count: int
    rejected: list[Failure]              # the latest few, kept and never retried on their own
    dropped: dict[str, int]              # type -> events dropped for lack of space

    @property
    def waiting_count(self) -> int:
        return sum(self.waiting.values())


# --- the outbox -----------------------------------------------------------------

def _ts(moment: datetime) -> float:
    if moment.utcoffset() is None:
        raise ValueError(f"a time without an offset is ambiguous: {moment!r}")
    return moment.timestamp()


def _is_full(error: sqlite3.Error) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


class Outbox:
    """Events on their way to the hub; safe to share between threads and processes."""

    def __init__(self, path: Path, clock: Callable[[], datetime], backoff: Backoff = Backoff(),
                 rng: random.Random | None = None, max_bytes: int | None = None):
        self.path = Path(path)
        self._clock = clock
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: each statement is its own transaction unless BEGIN says otherwise.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        if max_bytes is not None:
            # Keeps the outbox from filling a small SD card; hitting it is the same SQLITE_FULL as a full disk.
            page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
            self._db.execute(f"PRAGMA max_page_count={max(1, max_bytes // page_size)}")
        self._create_schema()

    def _create_schema(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} holds outbox schema {version}; this code knows up to {_SCHEMA_VERSION}")
        if version < _SCHEMA_VERSION:
            # Rows made now so that noting a failure or a drop later updates in place on a full disk.
            rows = ", ".join(f"('{t}')" for t in EVENT_TYPES)
            self._db.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA};"
                " INSERT OR IGNORE INTO notes VALUES ('last_failure', NULL), ('last_sent', NULL);"
                f" INSERT OR IGNORE INTO dropped (type) VALUES {rows};"
                f" PRAGMA user_version={_SCHEMA_VERSION}; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing events in --------------------------------------------------------

    def put(self, event: Event) -> bool:
        """Stores the event durably. False if it was dropped for lack of space (logged).

        Putting an id that is already waiting changes nothing: the id is the event.
        """
        row = (event.id, event.type, event.payload.get("level") if event.type == "alert" else None,
               event.priority, _ts(event.occurred_at), event.to_json())
        with self._lock:
            while True:
                try:
                    self._db.execute("INSERT OR IGNORE INTO events (id, type, level, priority, occurred_ts, envelope)"
                                     " VALUES (?, ?, ?, ?, ?, ?)", row)
                    return True
                except sqlite3.OperationalError as error:
                    if not _is_full(error):
                        raise
                    self._rollback()
                if not self._drop_for(event):
                    return self._no_room(event)

    def _drop_for(self, event: Event) -> bool:
        """Drops the oldest events of the least worth below the event's own; False if there are none."""
        lesser = [t for t, worth in sorted(WORTH.items(), key=lambda item: item[1]) if worth < WORTH[event.type]]
        for victim in lesser:
            with self._transaction(light=True):
                gone = self._db.execute(
                    "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE type = ?"
                    " ORDER BY occurred_ts, seq LIMIT ?)", (victim, DROP_BATCH)).rowcount
                if gone:
                    self._db.execute("UPDATE dropped SET count = count + ? WHERE type = ?", (gone, victim))
            if gone:
                log.warning("outbox full: dropped the %d oldest %s event(s) to keep a new %s", gone, victim, event.kind)
                return True
        return False

    def _no_room(self, event: Event) -> bool:
        if event.type == "alert":
            raise OutboxFull(f"no room for {event.kind} {event.id}: the outbox holds only alerts and is full")
        log.warning("outbox full: dropped a new %s %s, nothing of less worth is left to make room", event.kind, event.id)
        try:
            self._db.execute("UPDATE dropped SET count = count + 1 WHERE type = ?", (event.type,))
        except sqlite3.OperationalError as error:
            # The count is for people reading the status; the log line above already says it.
            log.warning("outbox full: could not count the drop either: %s", error)
        return False

    # -- the sender's side ---------------------------------------------------------

    def due(self, now: datetime, limit: int = 100) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT envelope FROM events WHERE state = 'waiting' AND next_attempt_ts <= ?"
                " ORDER BY priority, occurred_ts, seq LIMIT ?", (_ts(now), limit)).fetchall()
        return [Event.from_envelope(json.loads(envelope)) for (envelope,) in rows]

    def mark_sent(self, event_id: str, now: datetime) -> None:
        with self._lock, self._transaction(light=True):
            self._db.execute("DELETE FROM events WHERE id = ?", (event_id,))
            self._db.execute("UPDATE notes SET value = ? WHERE key = 'last_sent'", (now.isoformat(),))

    def mark_failed(self, event_id: str, reason: str, now: datetime) -> datetime | None:
        """The hub failed on this event: it waits its backoff. Returns when it is due again."""
        with self._lock, self._transaction(light=True):
            found = self._db.execute("SELECT failures FROM events WHERE id = ? AND state = 'waiting'",
                                     (event_id,)).fetchone()
            if found is None:
                return None
            retry_at = now + timedelta(seconds=self._backoff.delay_s(found[0] + 1, self._rng))
            self._db.execute("UPDATE events SET failures = failures + 1, next_attempt_ts = ?, last_error = ?"
                             " WHERE id = ?", (retry_at.timestamp(), reason, event_id))
            self._note_failure(event_id, reason, now)
        return retry_at

    def note_failure(self, event_id: str, reason: str, now: datetime) -> None:
        """An attempt failed for reasons outside the event (the hub is away): it stays due.

        Charging these to the event would leave the alerts that were tried while
        the hub was away waiting out their backoff after it is back, behind
        heartbeats that happened never to be tried.
        """
        with self._lock, self._transaction(light=True):
            self._db.execute("UPDATE events SET last_error = ? WHERE id = ?", (reason, event_id))
            self._note_failure(event_id, reason, now)

    def mark_rejected(self, event_id: str, reason: str, now: datetime) -> None:
        """The hub refuses the event itself: kept and shown, never retried on its own."""
        with self._lock, self._transaction(light=True):
            self._db.execute("UPDATE events SET state = 'rejected', last_error = ? WHERE id = ?", (reason, event_id))
            self._note_failure(event_id, reason, now)

    def _note_failure(self, event_id: str, reason: str, now: datetime) -> None:
        kind = self._db.execute("SELECT type, level FROM events WHERE id = ?", (event_id,)).fetchone()
        note = {"at": now.isoformat(), "id": event_id, "kind": _kind(*kind) if kind else "?", "reason": reason}
        self._db.execute("UPDATE notes SET value = ? WHERE key = 'last_failure'", (json.dumps(note, ensure_ascii=False),))

    # -- what people see -------------------------------------------------------------

    def status(self, rejected_shown: int = 5) -> OutboxStatus:
        now = self._clock()
        zone = now.tzinfo
        with self._lock:
            db = self._db
            waiting = db.execute("SELECT type, level, count(*) FROM events WHERE state = 'waiting'"
                                 " GROUP BY type, level ORDER BY min(priority), type, level").fetchall()
            oldest, next_ts = db.execute(
                "SELECT min(occurred_ts), min(next_attempt_ts) FROM events WHERE state = 'waiting'").fetchone()
            rejected_count = db.execute("SELECT count(*) FROM events WHERE state = 'rejected'").fetchone()[0]
            rejected = db.execute("SELECT id, type, level, last_error, occurred_ts FROM events WHERE state = 'rejected'"
                                  " ORDER BY seq DESC LIMIT ?", (rejected_shown,)).fetchall()
            notes = dict(db.execute("SELECT key, value FROM notes").fetchall())
            dropped = dict(db.execute("SELECT type, count FROM dropped WHERE count > 0").fetchall())

        def local(ts: float | None) -> datetime | None:
            return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).astimezone(zone)

        last = json.loads(notes["last_failure"]) if notes.get("last_failure") else None
        return OutboxStatus(
            as_of=now,
            waiting={_kind(t, level): n for t, level, n in waiting},
            oldest_waiting=local(oldest),
            next_attempt_at=local(next_ts) if next_ts is not None and next_ts > now.timestamp() else None,
            last_failure=Failure(datetime.fromisoformat(last["at"]), last["id"], last["kind"], last["reason"])
            if last else None,
            last_sent_at=datetime.fromisoformat(notes["last_sent"]) if notes.get("last_sent") else None,
            rejected_count=rejected_count,
            rejected=[Failure(local(ts), i, _kind(t, level), error or "") for i, t, level, error, ts in rejected],
            dropped=dropped,
        )

    # -- plumbing ----------------------------------------------------------------------

    def _transaction(self, light: bool = False) -> _Transaction:
        return _Transaction(self._db, light)

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT; light ones commit without waiting for the disk."""

    def __init__(self, db: sqlite3.Connection, light: bool):
        self._db = db
        self._light = light

    def __enter__(self) -> None:
        if self._light:
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._db.execute("COMMIT")
        finally:
            if self._db.in_transaction:  # an error, or a COMMIT that failed (a full disk, a busy file)
                self._db.execute("ROLLBACK")
            if self._light:
                self._db.execute("PRAGMA synchronous=FULL")


def _kind(type_: str, level: str | None) -> str:
    return f"alert/{level}" if type_ == "alert" else type_


# --- `speaker-app outbox` ---------------------------------------------------------------

def _ago(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "ahead of this clock"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")) if n]
    return " ".join(parts[:2] or ["0 s"]) + " ago"


def _when(moment: datetime, now: datetime) -> str:
    return f"{moment.isoformat(timespec='seconds')} ({_ago(moment, now)})"


def outbox_report(status: OutboxStatus) -> str:
    """What `speaker-app outbox` prints: what is waiting, what failed last and why."""
    now = status.as_of
    if status.waiting_count:
        lines = [f"waiting: {status.waiting_count} event(s), oldest from {_when(status.oldest_waiting, now)}",
                 "  " + ", ".join(f"{kind} {n}" for kind, n in status.waiting.items())]
        if status.next_attempt_at is not None:
            lines.append(f"  next attempt at {status.next_attempt_at.isoformat(timespec='seconds')}")
    else:
        lines = ["waiting: nothing, every event has reached the hub"]
    lines.append(f"last delivered: {_when(status.last_sent_at, now)}" if status.last_sent_at
                 else "last delivered: never")
    failure = status.last_failure
    lines.append(f"last failure: {_when(failure.at, now)}, {failure.kind} {failure.event_id}: {failure.reason}"
                 if failure else "last failure: none")
    if status.rejected_count:
        lines.append(f"rejected by the hub, kept and not retried: {status.rejected_count}")
        lines += [f"  {f.kind} {f.event_id}: {f.reason}" for f in status.rejected]
    if status.dropped:
        lines.append("dropped for lack of space: " + ", ".join(f"{t} {n}" for t, n in sorted(status.dropped.items())))
    return "\n".join(lines)
