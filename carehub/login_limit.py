"""How many wrong passwords the hub takes before it stops listening for a while:
per account (someone guessing one caregiver's password from many places) and per
client address (one place guessing many accounts).

While a limit holds, even the right password is refused, or the limit would only
slow a guesser down until the right one. A limited account unlocks by itself
when its oldest counted failure leaves the window; a success clears the account's
count, so a caregiver who mistyped twice starts afresh.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import LoginFailure


@dataclass(frozen=True)
class LoginLimit:
    per_account: int = 5
    per_address: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)

    def retry_at(self, session: Session, now: dt.datetime, username: str, address: str) -> dt.datetime | None:
        """When this attempt may be made again, or None when it may be made now."""
        waits = [self._free_at(session, now, LoginFailure.username == username, self.per_account),
                 self._free_at(session, now, LoginFailure.address == address, self.per_address)]
        waits = [w for w in waits if w is not None]
        return max(waits) if waits else None

    def _free_at(self, session: Session, now: dt.datetime, who, limit: int) -> dt.datetime | None:
        recent = session.scalars(select(LoginFailure.at).where(who, LoginFailure.at > now - self.window)
                                 .order_by(LoginFailure.at.desc()).limit(limit)).all()
        return recent[-1] + self.window if len(recent) >= limit else None

    def failed(self, session: Session, now: dt.datetime, username: str, address: str) -> None:
        session.add(LoginFailure(at=now, username=username[:64], address=address[:64]))

    def succeeded(self, session: Session, username: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.username == username))


def wait_message(now: dt.datetime, retry_at: dt.datetime) -> str:
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    return f"로그인 시도가 너무 많습니다. {minutes}분 뒤에 다시 시도해 주세요."
