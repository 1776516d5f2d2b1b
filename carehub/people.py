"""Caregivers, residents, who looks after whom, and the residents' devices.

Visibility is decided here and only here: every page and every query for a
caregiver goes through `visible_resident_ids`.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Assignment, Device, Resident, Role, User
from .security import hash_password, new_token, token_hash


class PeopleError(ValueError):
    pass


USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
# How long each kind of source may stay quiet before it counts as switched off: a speaker
# beats every minute, a plug reports every few hours, a call log when there is a call.
DEFAULT_SILENT_AFTER_MINUTES = {"speaker": 15, "plug": 6 * 60, "phone": 3 * 24 * 60, "app": 24 * 60}


def create_user(session: Session, now: dt.datetime, username: str, name: str, password: str, role: Role,
                phone: str | None = None, email: str | None = None, on_duty: bool = False) -> User:
    if not USERNAME.match(username):
        raise PeopleError("username: 2-64 letters, digits or . _ @ -")
    if len(password) < 8:
        raise PeopleError("password: at least 8 characters")
    if session.scalar(select(User).where(User.username == username)):
        raise PeopleError(f"username: {username!r} is taken")
    user = User(username=username, name=name or username, password_hash=hash_password(password), role=role,
                phone=phone or None, email=email or None, on_duty=on_duty, created_at=now)
    session.add(user)
    session.flush()
    return user


def check_thresholds(notice_hours: float, urgent_hours: float) -> None:
    if not 0 < notice_hours < urgent_hours:
        raise PeopleError("inactivity thresholds: need 0 < notice hours < urgent hours")


def create_resident(session: Session, now: dt.datetime, name: str, honorific: str = "어르신",
                    address: str | None = None, notice_hours: float = 24.0, urgent_hours: float = 48.0) -> Resident:
    if not name.strip():
        raise PeopleError("name: empty")
    check_thresholds(notice_hours, urgent_hours)
    resident = Resident(name=name.strip(), honorific=honorific, address=address,
                        inactivity_notice_hours=notice_hours, inactivity_urgent_hours=urgent_hours, created_at=now)
    session.add(resident)
    session.flush()
    return resident


def assign(session: Session, resident: Resident, user: User, order: int | None = None,
           relation: str = "") -> Assignment:
    """Put a caregiver in a resident's contact chain; without an order, at its end."""
    existing = session.scalar(select(Assignment).where(Assignment.resident_id == resident.id,
                                                      Assignment.user_id == user.id))
    if order is None:
        order = (session.scalar(select(func.max(Assignment.chain_order))
                                .where(Assignment.resident_id == resident.id)) or 0) + 1
    if existing:
        existing.chain_order, existing.relation = order, relation or existing.relation
        return existing
    assignment = Assignment(resident_id=resident.id, user_id=user.id, chain_order=order, relation=relation)
    session.add(assignment)
    session.flush()
    return assignment


def add_device(session: Session, now: dt.datetime, resident: Resident, kind: str = "speaker", label: str = "",
               silent_after_minutes: float | None = None) -> tuple[Device, str]:
    """Register a device or activity source; the token is returned once and only its hash kept."""
    kind = kind.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", kind):
        raise PeopleError("kind: a short lowercase name such as speaker, phone, plug or app")
    token = new_token()
    device = Device(resident_id=resident.id, kind=kind, label=label, token_hash=token_hash(token),
                    silent_after_minutes=silent_after_minutes or DEFAULT_SILENT_AFTER_MINUTES.get(kind, 24 * 60),
                    created_at=now)
    session.add(device)
    session.flush()
    return device, token


def contact_chain(session: Session, resident_id: int) -> list[Assignment]:
    return list(session.scalars(select(Assignment).join(User)
                                .where(Assignment.resident_id == resident_id, User.active.is_(True))
                                .order_by(Assignment.chain_order, Assignment.id)))


def duty_contacts(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.on_duty.is_(True), User.active.is_(True)).order_by(User.id)))


def visible_resident_ids(user: User):
    """A select of the residents this user may see: all for an admin, the assigned ones otherwise."""
    if user.role is Role.ADMIN:
        return select(Resident.id)
    return select(Assignment.resident_id).where(Assignment.user_id == user.id)


def can_see(session: Session, user: User, resident_id: int) -> bool:
    return session.scalar(visible_resident_ids(user).where(
        (Resident.id if user.role is Role.ADMIN else Assignment.resident_id) == resident_id)) is not None


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise PeopleError(f"no user {username!r}")
    return user


def find_resident(session: Session, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise PeopleError(f"no resident {resident_id}")
    return resident
