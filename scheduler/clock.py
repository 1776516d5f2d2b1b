"""One clock for everything that asks what time it is.

The live speaker uses the system clock in the resident's time zone; the
simulated day and the tests use a clock they move by hand, so a whole day of
routines runs in seconds without patching anything.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in the resident's time zone."""


class SystemClock:
    def __init__(self, zone: str = "Asia/Seoul"):
        self.zone = ZoneInfo(zone)

    def now(self) -> datetime:
        return datetime.now(self.zone)


class SimulatedClock:
    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start time")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        self._now += by
        return self._now

    def set(self, to: datetime) -> None:
        if to < self._now:
            raise ValueError(f"the simulated clock cannot go back from {self._now} to {to}")
        self._now = to
