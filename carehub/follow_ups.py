"""Alert events that are about an earlier alert, and join it instead of opening one.

The speaker sends two kinds (the contract with the device, in the API's
description of `AlertPayload`):

- a cancellation request (`reason: cancellation_request`, `cancels: <id>`):
  the resident said it was a mistake. The alert stays open: a caregiver
  judges whether "괜찮아 잘못 말했어" is true or said under duress, so the
  request is only shown on the alert, recorded as a step and audited.
- a repeat (`repeats: <id>`): nobody acknowledged the alert within the
  speaker's wait, so it sends it again. An open original takes it as a
  repeat; a resolved or unknown one does not hold it back, and it is raised
  as an alert of its own (a call for help is never swallowed).

The speaker's outbox may deliver out of order (an event in its backoff after
a failed post waits while later ones go), so a cancellation whose alert has
not arrived is stored and attached when it does, and an original that
arrives after its repeat joins the alert the repeat opened. `cancels` and
`repeats` are looked up among the posting resident's alerts only: another
resident's id never matches.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .alerts import raise_alert, raise_level, step
from .models import Alert, AlertFollowUp, AlertStatus, Device, Event, Level, Resident

CANCELLATION = "cancellation_request"
REPEAT = "repeat"


def alert_for_envelope(session: Session, resident_id: int, envelope_id: str,
                       device_id: int | None = None) -> Alert | None:
    """The alert a resident's alert event belongs to: the one it raised, or the one it joined as a
    repeat, or an open one raised by a repeat of it that arrived first."""
    def sent(query):
        query = query.where(Event.resident_id == resident_id, Event.event_id == envelope_id)
        return query.where(Event.device_id == device_id) if device_id is not None else query

    alert = session.scalar(sent(select(Alert).join(Event, Alert.event_id == Event.id)).limit(1))
    if alert is None:
        alert = session.scalar(sent(select(Alert).join(AlertFollowUp, AlertFollowUp.alert_id == Alert.id)
                                    .join(Event, AlertFollowUp.event_id == Event.id)
                                    .where(AlertFollowUp.kind == REPEAT)).limit(1))
    if alert is None and device_id is None:
        # Few per resident: the open ones, read whole rather than searched inside JSON.
        alert = next((a for a in session.scalars(select(Alert).where(
            Alert.resident_id == resident_id, Alert.status != AlertStatus.RESOLVED).order_by(Alert.id))
            if a.detail.get("repeats") == envelope_id), None)
    return alert


def receive(session: Session, now: dt.datetime, escalation, *, device: Device, envelope_id: str, payload,
            event_pk: int, occurred_at: dt.datetime, detail: dict) -> str | None:
    """Raise a device's alert, or attach it to the alert it follows up. Returns a warning for
    the device when what it referred to is not known yet."""
    resident_id = device.resident_id
    # One resident's alert events one at a time: a cancellation and its alert posted at once
    # would otherwise each miss the other, uncommitted, and never meet. NO KEY UPDATE, since
    # each has already inserted an event whose foreign key holds a KEY SHARE lock on the row.
    session.get(Resident, resident_id, with_for_update={"key_share": True})
    if payload.reason == CANCELLATION:
        cancels = str(payload.cancels)
        original = alert_for_envelope(session, resident_id, cancels)
        follow_up = AlertFollowUp(resident_id=resident_id, event_id=event_pk, kind=CANCELLATION, refers_to=cancels,
                                  heard=payload.transcript, occurred_at=occurred_at, received_at=now)
        session.add(follow_up)
        audit.record(session, now, None, "cancellation_request",
                     f"alert:{original.id}" if original else f"event:{cancels}", payload.transcript or "",
                     by=f"device:{device.id}")
        if original is None:
            return ("payload.cancels: no alert with this id from this resident yet; the request is kept "
                    "and shown on that alert when it arrives")
        _attach(session, now, escalation, original, follow_up)
        return None
    repeats = str(payload.repeats) if payload.repeats else None
    original = alert_for_envelope(session, resident_id, repeats or envelope_id)
    if original is not None and original.status is not AlertStatus.RESOLVED:
        follow_up = AlertFollowUp(resident_id=resident_id, event_id=event_pk, kind=REPEAT,
                                  refers_to=repeats or envelope_id, heard=payload.transcript,
                                  occurred_at=occurred_at, received_at=now)
        session.add(follow_up)
        original.occurred_at = min(original.occurred_at, occurred_at)
        _attach(session, now, escalation, original, follow_up)
        if Level(payload.level).rank > original.level.rank:  # the situation grew worse since
            raise_level(session, now, escalation, original, Level(payload.level), dict(original.detail))
        return None
    if repeats:
        detail["repeats"] = repeats
    alert = raise_alert(session, now, escalation, resident_id=resident_id, device_id=device.id, event_id=event_pk,
                        origin="device", level=Level(payload.level), reason=payload.reason,
                        heard=payload.transcript, detail=detail, occurred_at=occurred_at)
    if repeats and original is not None:
        step(alert, now, "repeat_of_closed", detail=f"이미 처리된 알림 #{original.id}을 스피커가 다시 보냄")
    for waiting in session.scalars(select(AlertFollowUp).where(
            AlertFollowUp.resident_id == resident_id, AlertFollowUp.refers_to == envelope_id,
            AlertFollowUp.alert_id.is_(None))):
        _attach(session, now, escalation, alert, waiting)
        audit.record(session, now, None, "cancellation_request_attached", f"alert:{alert.id}", waiting.heard or "",
                     by=f"device:{device.id}")
    return None


def _attach(session: Session, now: dt.datetime, escalation, alert: Alert, follow_up: AlertFollowUp) -> None:
    alert.follow_ups.append(follow_up)
    heard = f"“{follow_up.heard}”" if follow_up.heard else ""
    if follow_up.kind == CANCELLATION:
        step(alert, now, "cancellation_requested", detail=f"어르신이 취소를 요청함 {heard}".strip())
        if alert.status is not AlertStatus.RESOLVED:
            escalation.share_cancellation_request(session, alert, now)
    else:
        step(alert, now, "repeated", detail=f"스피커가 확인되지 않은 알림을 다시 보냄 {heard}".strip())
