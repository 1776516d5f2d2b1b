"""How long the hub keeps what it is told, and a resident's right to their data.

Korea's Personal Information Protection Act gives a resident the right to see
and to have erased what is held about them; an admin does it for them here.
The audit log is not subject to retention or erasure: it holds ids and
actions, not what was said, and it is the record that the rights were honoured.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import (Alert, AlertFollowUp, AlertStatus, Assignment, Device, Event, LoginFailure, LoginSession, Resident,
                     Summary)

FREQUENT_TYPES = ("heartbeat", "activity")


def enforce(session: Session, now: dt.datetime, heartbeat_retention: dt.timedelta,
            record_retention: dt.timedelta) -> dict[str, int]:
    counts = {}
    frequent_cutoff, record_cutoff = now - heartbeat_retention, now - record_retention
    counts["heartbeats and activity"] = session.execute(
        delete(Event).where(Event.type.in_(FREQUENT_TYPES), Event.received_at < frequent_cutoff)).rowcount
    # An open alert is kept however old it is: someone still has to deal with it.
    counts["alerts"] = session.execute(
        delete(Alert).where(Alert.status == AlertStatus.RESOLVED, Alert.created_at < record_cutoff)).rowcount
    counts["summaries"] = session.execute(delete(Summary).where(Summary.created_at < record_cutoff)).rowcount
    counts["events"] = session.execute(
        delete(Event).where(Event.received_at < record_cutoff,
                            Event.id.not_in(select(Alert.event_id).where(Alert.event_id.is_not(None))),
                            Event.id.not_in(select(AlertFollowUp.event_id).where(AlertFollowUp.alert_id.is_not(None))))
    ).rowcount
    counts["login sessions"] = session.execute(delete(LoginSession).where(LoginSession.expires_at < now)).rowcount
    # Only the rate limit reads them, over minutes; the audit log keeps the record.
    counts["login failures"] = session.execute(
        delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(days=1))).rowcount
    return counts


def _time(value):
    return value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value


def _row(obj, skip=()) -> dict:
    return {c.key: _time(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def export_resident(session: Session, resident_id: int) -> dict:
    resident = session.get(Resident, resident_id)
    alerts = session.scalars(select(Alert).where(Alert.resident_id == resident_id).order_by(Alert.id)).all()
    return {
        "resident": _row(resident),
        "contacts": [{"name": a.user.name, "relation": a.relation, "chain_order": a.chain_order}
                     for a in resident.contacts],
        "devices": [_row(d, skip=("token_hash",)) for d in resident.devices],
        "events": [_row(e) for e in session.scalars(
            select(Event).where(Event.resident_id == resident_id).order_by(Event.occurred_at))],
        "alerts": [{**_row(a), "steps": [_row(s) for s in a.steps], "notes": [_row(n) for n in a.notes],
                    "follow_ups": [_row(f) for f in a.follow_ups]} for a in alerts],
        "summaries": [_row(s) for s in session.scalars(
            select(Summary).where(Summary.resident_id == resident_id).order_by(Summary.day))],
    }


def erase_resident(session: Session, resident_id: int) -> dict[str, int]:
    counts = {}
    for name, model in (("alert follow-ups", AlertFollowUp), ("alerts", Alert), ("summaries", Summary), ("events", Event), ("devices", Device),
                        ("contacts", Assignment)):
        counts[name] = session.execute(delete(model).where(model.resident_id == resident_id)).rowcount
    counts["resident"] = session.execute(delete(Resident).where(Resident.id == resident_id)).rowcount
    return counts
