"""Where the hub reads the time.

Escalation, inactivity and retention all hinge on "how long since"; passing the
clock in lets a test live through an hour of unanswered alerts in a second.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)
