"""Telling people: a signed webhook (for a messaging gateway such as a KakaoTalk
business-message relay) and e-mail over SMTP.

Every message is first a row in `deliveries`, then an attempt. Each row is sent
on its own, in parallel, with its own retries and backoff, so a mail server
that hangs delays no KakaoTalk message and a restart loses no message.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .alerts import LEVEL_LABELS, PLANS, reason_label
from .config import LOCAL_TIME, SmtpSettings, WebhookSettings
from .models import Alert, Delivery, User

MAX_BACKOFF = dt.timedelta(minutes=10)


class DeliveryError(Exception):
    pass


class Channel(Protocol):
    name: str

    def address(self, user: User) -> str | None: ...

    def send(self, message: dict) -> None: ...


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": the timestamp is signed so a captured
    message cannot be replayed later as a new one."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookChannel:
    name = "webhook"

    def __init__(self, settings: WebhookSettings, clock):
        self.settings = settings
        self.clock = clock

    def address(self, user: User) -> str | None:
        # The gateway finds the person by phone (KakaoTalk), else by e-mail or username.
        return user.phone or user.email or user.username

    def send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        timestamp = str(int(self.clock.now().timestamp()))
        request = urllib.request.Request(self.settings.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Anbu-Timestamp": timestamp,
            "X-Anbu-Signature": signature(self.settings.secret, timestamp, body),
            "X-Anbu-Delivery": str(message["delivery_id"]),
        })
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code} from the webhook") from None
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryError(f"webhook unreachable: {getattr(error, 'reason', error)}") from None


class EmailChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def address(self, user: User) -> str | None:
        return user.email

    def send(self, message: dict) -> None:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = message["to"]["address"]
        mail["Subject"] = message["subject"]
        mail["Message-ID"] = f"<anbu-delivery-{message['delivery_id']}@carehub>"
        mail.set_content(message["text"])
        try:
            with smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout_s) as smtp:
                if self.settings.starttls:
                    smtp.starttls()
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP {self.settings.host}:{self.settings.port}: {error}") from None


def compose(alert: Alert, user: User, address: str, public_url: str, next_contact_in: dt.timedelta | None,
            kind: str = "alert") -> dict:
    """`kind`: "alert" itself, or news of it for those already told: "acknowledged",
    "cancellation_request"."""
    resident = alert.resident
    level = {"acknowledged": "확인됨", "cancellation_request": "취소 요청"}.get(kind, LEVEL_LABELS[alert.level])
    when = alert.occurred_at.astimezone(LOCAL_TIME).strftime("%m월 %d일 %H:%M")
    url = f"{public_url}/alerts/{alert.id}"
    lines = [f"{resident.display_name} — {reason_label(alert.reason)} ({when})"]
    if kind == "acknowledged":
        by = alert.acknowledged_by
        plan = f", {PLANS[alert.plan]} 예정" if alert.plan else ""
        lines.append(f"{by.name}님이 {alert.acknowledged_at.astimezone(LOCAL_TIME):%H:%M}에 확인했습니다{plan}.")
    if kind == "cancellation_request":
        request = alert.cancellation_requests[-1]
        lines.append(f"어르신이 {request.occurred_at.astimezone(LOCAL_TIME):%H:%M}에 취소를 요청했습니다: "
                     f"‘{request.heard or ''}’")
        lines.append("알림은 열려 있습니다. 어르신께 직접 확인해 주세요.")
    if alert.heard:
        lines.append(f"들린 말: “{alert.heard}”")
    if alert.detail.get("summary"):
        lines.append(alert.detail["summary"])
    lines.append(f"확인하기: {url}")
    if next_contact_in:
        lines.append(f"{next_contact_in.total_seconds() / 60:g}분 안에 아무도 확인하지 않으면 다음 연락처로 넘어갑니다.")
    return {
        "kind": kind,
        "to": {"name": user.name, "address": address, "phone": user.phone, "email": user.email},
        "subject": f"[안부 {level}] {resident.display_name} — {reason_label(alert.reason)}",
        "text": "\n".join(lines),
        "alert": {"id": alert.id, "level": alert.level.value, "reason": alert.reason, "heard": alert.heard,
                  "resident": resident.display_name, "occurred_at": alert.occurred_at.isoformat(), "url": url},
    }


class Notifier:
    def __init__(self, channels: list[Channel], public_url: str, attempts: int = 6,
                 backoff: dt.timedelta = dt.timedelta(seconds=5)):
        self.channels = {channel.name: channel for channel in channels}
        self.public_url = public_url
        self.attempts = attempts
        self.backoff = backoff

    def queue(self, session: Session, alert: Alert, user: User, now: dt.datetime,
              next_contact_in: dt.timedelta | None, kind: str = "alert") -> list[str]:
        """Write one delivery per channel that can reach this person; returns the channels' names."""
        names = []
        for channel in self.channels.values():
            address = channel.address(user)
            if not address:
                continue
            message = compose(alert, user, address, self.public_url, next_contact_in, kind)
            session.add(Delivery(alert_id=alert.id, user_id=user.id, channel=channel.name, message=message,
                                 status="pending", attempts=0, next_attempt_at=now, created_at=now))
            names.append(channel.name)
        return names

    def deliver_due(self, sessions: sessionmaker, now: dt.datetime, limit: int = 50) -> dict[str, int]:
        with sessions() as session:
            due = session.scalars(select(Delivery)
                                  .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                                  .order_by(Delivery.next_attempt_at).limit(limit)).all()
            work = [(d.id, d.channel, {**d.message, "delivery_id": d.id}) for d in due]
        if not work:
            return {"sent": 0, "retrying": 0, "failed": 0}
        # Sent outside any transaction: a slow server must not hold database locks.
        with ThreadPoolExecutor(max_workers=min(8, len(work))) as pool:
            errors = list(pool.map(lambda item: self._attempt(item[1], item[2]), work))
        counts = {"sent": 0, "retrying": 0, "failed": 0}
        with sessions() as session, session.begin():
            for (delivery_id, _, _), error in zip(work, errors):
                delivery = session.get(Delivery, delivery_id)
                delivery.attempts += 1
                if error is None:
                    delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
                    counts["sent"] += 1
                elif delivery.attempts >= self.attempts:
                    delivery.status, delivery.last_error, delivery.next_attempt_at = "failed", error, None
                    counts["failed"] += 1
                else:
                    wait = min(self.backoff * 2 ** (delivery.attempts - 1), MAX_BACKOFF)
                    delivery.last_error, delivery.next_attempt_at = error, now + wait
                    counts["retrying"] += 1
        return counts

    def _attempt(self, channel_name: str, message: dict) -> str | None:
        channel = self.channels.get(channel_name)
        if channel is None:
            return f"channel {channel_name} is no longer configured"
        try:
            channel.send(message)
        except DeliveryError as error:
            return str(error)
        except Exception as error:  # a channel's own bug must not stop the others
            return f"{type(error).__name__}: {error}"
        return None
