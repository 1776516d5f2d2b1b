"""Walking an alert down the resident's contact chain until someone answers.

An `emergency` or `urgent` alert is sent to the first contact at once. If
nobody acknowledges it within the level's time, the next contact is told,
and after the last one the community centre's duty contact. The earlier
contacts are not taken off: whoever acknowledges first stops the walk.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .alerts import step
from .models import Alert, AlertStatus, User
from .people import contact_chain, duty_contacts


class Escalation:
    def __init__(self, ack_timeout: dict[str, dt.timedelta], notifier):
        self.ack_timeout = ack_timeout
        self.notifier = notifier

    def start(self, session: Session, alert: Alert, now: dt.datetime) -> None:
        self._tell(session, alert, 0, now)

    def due(self, session: Session, now: dt.datetime) -> int:
        """Move every alert whose time to be acknowledged has run out one contact on."""
        overdue = session.scalars(select(Alert)
                                  .where(Alert.status == AlertStatus.OPEN, Alert.next_escalation_at <= now)
                                  .order_by(Alert.next_escalation_at)
                                  .with_for_update(skip_locked=True)).all()
        for alert in overdue:
            minutes = self.ack_timeout[alert.level.value].total_seconds() / 60
            step(alert, now, "escalated", detail=f"{minutes:g}분 동안 확인 없음")
            self._tell(session, alert, alert.escalation_step + 1, now)
        return len(overdue)

    def share_acknowledgement(self, session: Session, alert: Alert, now: dt.datetime) -> None:
        """Tell everyone already told about the alert that someone has it in hand, so that
        a daughter can stop worrying and nobody drives to the same door twice."""
        self._share(session, alert, now, "acknowledged", "ack_shared", skip=alert.acknowledged_by_id)

    def share_cancellation_request(self, session: Session, alert: Alert, now: dt.datetime) -> None:
        """Tell everyone already told, and whoever acknowledged, that the resident asked to
        cancel: they judge it (a call may settle it), and the walk goes on meanwhile."""
        self._share(session, alert, now, "cancellation_request", "cancellation_shared",
                    also=alert.acknowledged_by)

    def _share(self, session: Session, alert: Alert, now: dt.datetime, kind: str, action: str,
               skip: int | None = None, also: User | None = None) -> None:
        told = {s.user_id: s.user for s in alert.steps if s.action in ("notified", "duty_notified") and s.user}
        if also is not None:
            told[also.id] = also
        told.pop(skip, None)
        for user in told.values():
            channels = self.notifier.queue(session, alert, user, now, None, kind)
            step(alert, now, action, user, ", ".join(channels) or "알림 채널 없음")

    def _tell(self, session: Session, alert: Alert, position: int, now: dt.datetime) -> None:
        chain = contact_chain(session, alert.resident_id)
        alert.escalation_step = position
        if position < len(chain):
            contact = chain[position]
            wait = self.ack_timeout[alert.level.value]
            self._notify(session, alert, contact.user, now, "notified",
                         f"연락 순서 {position + 1}번" + (f" ({contact.relation})" if contact.relation else ""), wait)
            alert.next_escalation_at = now + wait
            return
        alert.next_escalation_at = None
        if position > len(chain):
            return
        duty = duty_contacts(session)
        if not duty:
            step(alert, now, "chain_exhausted", detail="연락망 끝: 당직 연락처가 등록되어 있지 않음")
        for user in duty:
            self._notify(session, alert, user, now, "duty_notified", "주민센터 당직", None)

    def _notify(self, session: Session, alert: Alert, user: User, now: dt.datetime, action: str, who: str,
                next_contact_in: dt.timedelta | None) -> None:
        channels = self.notifier.queue(session, alert, user, now, next_contact_in)
        how = ", ".join(channels) if channels else "알림 채널 없음: 대시보드에서만 보임"
        step(alert, now, action, user, f"{who} · {how}")
