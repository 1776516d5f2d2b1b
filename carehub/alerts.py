"""An alert's life: raised, acknowledged by someone, noted on, resolved with an
outcome. Each change is a step on the alert, so the history reads as it happened."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .models import Alert, AlertNote, AlertStatus, AlertStep, Level, User

LEVEL_LABELS = {Level.EMERGENCY: "긴급", Level.URGENT: "시급", Level.NOTICE: "참고"}
REASON_LABELS = {
    "emergency": "도움 요청",
    "despair": "삶을 포기하려는 말",
    "health_complaint": "건강 불편 호소",
    "morning_call_unanswered": "아침 안부 전화 무응답",
    "missed_dose": "복약 누락",
    "inactivity": "활동 없음",
    "speaker_offline": "스피커 연결 끊김",
    "call_family": "가족 연락 요청",
    "negative_trend": "부정적 감정 반복",
}
PLANS = {"visiting": "방문", "calling": "전화"}
OUTCOMES = {
    "visited_ok": "방문 확인: 이상 없음",
    "called_ok": "통화 확인: 이상 없음",
    "ambulance": "119 출동",
    "hospital": "병원 이송",
    "false_alarm": "오경보",
    "resumed": "활동 재개 (자동)",
    "reconnected": "기기 재연결 (자동)",
    "other": "기타",
}
# The outcomes a person chooses; the others the hub records by itself.
CAREGIVER_OUTCOMES = [k for k in OUTCOMES if k not in ("resumed", "reconnected")]


class AlertError(ValueError):
    pass


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason)


def step(alert: Alert, now: dt.datetime, action: str, user: User | None = None, detail: str = "") -> None:
    alert.steps.append(AlertStep(at=now, action=action, user_id=user.id if user else None, detail=detail))


def raise_alert(session: Session, now: dt.datetime, escalation, *, resident_id: int, origin: str, level: Level,
                reason: str, heard: str | None = None, detail: dict | None = None, device_id: int | None = None,
                event_id: int | None = None, occurred_at: dt.datetime | None = None) -> Alert:
    alert = Alert(resident_id=resident_id, device_id=device_id, event_id=event_id, origin=origin, level=level,
                  reason=reason, heard=heard, detail=detail or {}, occurred_at=occurred_at or now, created_at=now,
                  status=AlertStatus.OPEN, escalation_step=-1, steps=[], notes=[])
    session.add(alert)
    step(alert, now, "raised", detail=f"{LEVEL_LABELS[level]} · {reason_label(reason)}")
    session.flush()
    if level.escalates:
        escalation.start(session, alert, now)
    return alert


def raise_level(session: Session, now: dt.datetime, escalation, alert: Alert, level: Level, detail: dict) -> None:
    previous = alert.level
    alert.level, alert.detail = level, detail
    step(alert, now, "level_raised", detail=f"{LEVEL_LABELS[previous]} → {LEVEL_LABELS[level]}")
    if level.escalates and alert.status is AlertStatus.OPEN:
        escalation.start(session, alert, now)


def acknowledge(now: dt.datetime, alert: Alert, user: User, plan: str | None = None) -> bool:
    """Returns False when someone had already acknowledged it: the first one stands."""
    if alert.status is AlertStatus.RESOLVED:
        raise AlertError("이미 처리가 끝난 알림입니다")
    if plan is not None and plan not in PLANS:
        raise AlertError(f"plan: one of {', '.join(PLANS)}")
    if alert.status is AlertStatus.ACKNOWLEDGED:
        return False
    alert.status, alert.acknowledged_by_id, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, user.id, user
    alert.acknowledged_at, alert.plan, alert.next_escalation_at = now, plan, None
    step(alert, now, "acknowledged", user, PLANS.get(plan or "", ""))
    return True


def add_note(now: dt.datetime, alert: Alert, user: User, text: str) -> None:
    text = text.strip()
    if not text:
        raise AlertError("메모가 비어 있습니다")
    if len(text) > 4000:
        raise AlertError("메모는 4000자까지 쓸 수 있습니다")
    alert.notes.append(AlertNote(user_id=user.id, user=user, text=text, created_at=now))


def resolve(now: dt.datetime, alert: Alert, user: User | None, outcome: str, note: str = "") -> None:
    if outcome not in OUTCOMES:
        raise AlertError(f"outcome: one of {', '.join(CAREGIVER_OUTCOMES)}")
    if alert.status is AlertStatus.RESOLVED:
        raise AlertError("이미 처리가 끝난 알림입니다")
    if note.strip() and user is not None:
        add_note(now, alert, user, note)
    alert.status, alert.outcome, alert.resolved_at, alert.next_escalation_at = AlertStatus.RESOLVED, outcome, now, None
    alert.resolved_by_id, alert.resolved_by = (user.id, user) if user else (None, None)
    step(alert, now, "resolved", user, OUTCOMES[outcome])
