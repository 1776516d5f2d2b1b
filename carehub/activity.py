"""Signs of life, from the speaker and from the district's other monitors.

Two things are told apart for every source: whether the source itself is
there (it posts at all: `last_seen_at`), and whether it saw the resident do
something (`last_life_at`). A plug that reports "no change" is there and the
resident is quiet; a plug that reports nothing may just be unplugged. A
speaker's heartbeat shows the speaker is running, never that the resident is.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .alerts import raise_alert, raise_level, resolve
from .config import LOCAL_TIME
from .models import Alert, AlertStatus, Device, Level, Resident

KIND_LABELS = {"speaker": "스피커", "phone": "휴대전화 통화기록", "plug": "스마트 플러그", "app": "휴대폰 앱"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def seen(device: Device, now: dt.datetime) -> None:
    device.last_seen_at = now


def heartbeat(device: Device, at: dt.datetime) -> None:
    if device.last_heartbeat_at is None or at > device.last_heartbeat_at:
        device.last_heartbeat_at = at


def life_shown(event_type: str, payload) -> str | None:
    """What in this event shows the resident alive and active, if anything."""
    if event_type == "activity":
        return payload.signal if payload.alive else None
    if event_type == "checkin" and any(answer.answer for answer in payload.answers):
        return "안부 응답"
    if event_type == "medication" and payload.status == "taken":
        return "복약 확인"
    if event_type == "medication" and payload.status in ("snoozed", "stopped"):
        return "복약 알림에 대답"  # the resident spoke to put the reminder off or stop it
    if event_type == "alert" and payload.transcript:
        return "말소리"
    return None


def life(device: Device, at: dt.datetime, what: str, now: dt.datetime) -> None:
    at = min(at, now)  # a device clock running ahead must not hide a quiet day to come
    if device.last_life_at is None or at > device.last_life_at:
        device.last_life_at, device.last_life_what = at, what[:100]


def source_state(device: Device, now: dt.datetime, quiet_after: dt.timedelta) -> str:
    """"silent": the source itself stopped reporting; "quiet": it reports, but no life; "active"."""
    if device.last_seen_at is None or now - device.last_seen_at > dt.timedelta(minutes=device.silent_after_minutes):
        return "silent"
    if device.last_life_at is None or now - device.last_life_at > quiet_after:
        return "quiet"
    return "active"


def sources_report(devices: list[Device], now: dt.datetime, quiet_after: dt.timedelta) -> list[dict]:
    return [{"device_id": d.id, "kind": d.kind,
             "label": f"{kind_label(d.kind)}({d.label})" if d.label else kind_label(d.kind),
             "state": source_state(d, now, quiet_after),
             "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
             "last_life_at": d.last_life_at.isoformat() if d.last_life_at else None,
             "last_life_what": d.last_life_what} for d in devices]


def _local(at: str | None) -> str:
    return dt.datetime.fromisoformat(at).astimezone(LOCAL_TIME).strftime("%m/%d %H:%M") if at else "기록 없음"


def _summary(hours: float, sources: list[dict]) -> str:
    parts = []
    for s in sources:
        if s["state"] == "silent":
            parts.append(f"{s['label']}: 기기 무응답 (마지막 보고 {_local(s['last_seen_at'])})")
        else:
            parts.append(f"{s['label']}: 기기 정상, 마지막 활동 {_local(s['last_life_at'])}")
    head = f"{hours:.0f}시간 넘게 활동 신호 없음"
    if sources and all(s["state"] == "silent" for s in sources):
        head += " — 모든 기기가 응답하지 않아 주민의 상태를 알 수 없음 (정전·통신 장애일 수도 있음)"
    return head + ". " + "; ".join(parts)


class Watch:
    """The hub's own alerts: a resident no source has seen alive, a speaker gone silent."""

    def __init__(self, escalation):
        self.escalation = escalation

    def check(self, session: Session, now: dt.datetime) -> None:
        self.check_inactivity(session, now)
        self.check_speakers(session, now)

    def check_inactivity(self, session: Session, now: dt.datetime) -> None:
        rows = session.execute(
            select(Resident.id, Resident.inactivity_notice_hours, Resident.inactivity_urgent_hours,
                   func.max(Device.last_life_at), func.min(Device.created_at))
            .join(Device, Device.resident_id == Resident.id).where(Device.revoked.is_(False))
            .group_by(Resident.id)).all()
        open_alerts = {a.resident_id: a for a in session.scalars(
            select(Alert).where(Alert.origin == "inactivity", Alert.status != AlertStatus.RESOLVED))}
        # A caregiver who closed an inactivity alert has checked on the resident: the quiet
        # is counted again from then, or a closed alert would be raised anew a minute later.
        checked = dict(session.execute(
            select(Alert.resident_id, func.max(Alert.resolved_at))
            .where(Alert.origin == "inactivity", Alert.status == AlertStatus.RESOLVED,
                   Alert.resolved_by_id.is_not(None)).group_by(Alert.resident_id)).all())
        for resident_id, notice_h, urgent_h, last_life, first_device in rows:
            quiet = now - max(at for at in (last_life or first_device, checked.get(resident_id)) if at)
            level = (Level.URGENT if quiet >= dt.timedelta(hours=urgent_h)
                     else Level.NOTICE if quiet >= dt.timedelta(hours=notice_h) else None)
            alert = open_alerts.get(resident_id)
            if level is None:
                if alert is not None:
                    resolve(now, alert, None, "resumed")
                continue
            if alert is not None and level.rank <= alert.level.rank:
                continue
            devices = list(session.scalars(select(Device).where(Device.resident_id == resident_id,
                                                                Device.revoked.is_(False))))
            sources = sources_report(devices, now, dt.timedelta(hours=notice_h))
            detail = {"sources": sources, "quiet_hours": round(quiet.total_seconds() / 3600, 1),
                      "last_life_at": last_life.isoformat() if last_life else None,
                      "summary": _summary(quiet.total_seconds() / 3600, sources)}
            if alert is None:
                raise_alert(session, now, self.escalation, resident_id=resident_id, origin="inactivity",
                            level=level, reason="inactivity", detail=detail)
            else:
                raise_level(session, now, self.escalation, alert, level, detail)

    def check_speakers(self, session: Session, now: dt.datetime) -> None:
        speakers = session.execute(
            select(Device.id, Device.resident_id, Device.last_seen_at, Device.silent_after_minutes, Device.label)
            .where(Device.kind == "speaker", Device.revoked.is_(False), Device.last_seen_at.is_not(None))).all()
        open_alerts = {a.device_id: a for a in session.scalars(
            select(Alert).where(Alert.origin == "speaker_offline", Alert.status != AlertStatus.RESOLVED))}
        # One alert per outage: a caregiver may close it while the speaker is still away.
        last_raised = dict(session.execute(
            select(Alert.device_id, func.max(Alert.created_at)).where(Alert.origin == "speaker_offline")
            .group_by(Alert.device_id)).all())
        for device_id, resident_id, last_seen, silent_after, label in speakers:
            offline = now - last_seen > dt.timedelta(minutes=silent_after)
            alert = open_alerts.get(device_id)
            if offline and alert is None and not last_raised.get(device_id, last_seen) > last_seen:
                summary = (f"스피커{f'({label})' if label else ''} 연결 끊김: {silent_after:g}분 넘게 신호 없음 "
                           f"(마지막 연결 {_local(last_seen.isoformat())}). 긴급 호출이 전달되지 않을 수 있음")
                raise_alert(session, now, self.escalation, resident_id=resident_id, device_id=device_id,
                            origin="speaker_offline", level=Level.URGENT, reason="speaker_offline",
                            detail={"last_seen_at": last_seen.isoformat(), "summary": summary})
            elif not offline and alert is not None and last_seen > alert.created_at:
                resolve(now, alert, None, "reconnected")
