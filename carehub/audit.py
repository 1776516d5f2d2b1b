"""The audit log: who saw and did what, and when."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .models import AuditEntry, User


def record(session: Session, now: dt.datetime, user: User | None, action: str, target: str = "",
           detail: str = "", by: str = "system") -> None:
    """`by` names who acted when no signed-in person did: the hub itself, or a device."""
    session.add(AuditEntry(at=now, user_id=user.id if user else None, username=user.username if user else by,
                           action=action, target=target, detail=detail))
