"""What the hub keeps: people, the residents' devices and what they report,
alerts with their acknowledgements and escalation steps, and the audit log.

Times are stored as naive UTC and handed out as aware UTC, because SQLite
has no time zones and a comparison between naive and aware times is an error
waiting for the first caregiver in another zone.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, Boolean, DateTime, Enum, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database: times must carry their zone")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Role(str, enum.Enum):
    ADMIN = "admin"
    CAREGIVER = "caregiver"


class Level(str, enum.Enum):
    NOTICE = "notice"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return [Level.NOTICE, Level.URGENT, Level.EMERGENCY].index(self)

    @property
    def escalates(self) -> bool:
        return self is not Level.NOTICE


class AlertStatus(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def _enum(cls, name):
    # Stored as the plain value so that the database reads the same as the API.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=16)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    # The community centre's duty contact: told when a resident's whole chain stays silent.
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class Resident(Base):
    __tablename__ = "residents"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    honorific: Mapped[str] = mapped_column(String(20), default="어르신")
    address: Mapped[str | None] = mapped_column(String(255))
    # No sign of life from any source for this long raises a notice, then an urgent alert.
    inactivity_notice_hours: Mapped[float] = mapped_column(default=24.0)
    inactivity_urgent_hours: Mapped[float] = mapped_column(default=48.0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    contacts: Mapped[list["Assignment"]] = relationship(
        back_populates="resident", order_by="Assignment.chain_order", cascade="all, delete-orphan")
    devices: Mapped[list["Device"]] = relationship(back_populates="resident", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        return f"{self.name} {self.honorific}".strip()


class Assignment(Base):
    """A caregiver looking after a resident, at a place in the resident's contact chain."""
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("resident_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chain_order: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(40), default="")

    resident: Mapped[Resident] = relationship(back_populates="contacts")
    user: Mapped[User] = relationship()


class Device(Base):
    """Anything that posts for a resident with its own token: the speaker, or one of
    the district's other monitors (a call-log monitor, a smart plug, a phone app)."""
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Longer than this without any post, the source itself is silent (unplugged, switched off).
    silent_after_minutes: Mapped[float] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last time this source saw the resident do something (not just itself running).
    last_life_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_life_what: Mapped[str | None] = mapped_column(String(100))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    resident: Mapped[Resident] = relationship(back_populates="devices")

    @property
    def is_speaker(self) -> bool:
        return self.kind == "speaker"


class Event(Base):
    """Every envelope a device posted, kept as it came (within the retention period)."""
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("device_id", "event_id", name="uq_events_device_event"),
                      Index("ix_events_resident_type_time", "resident_id", "type", "occurred_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    # The device's idempotency key, unique per device so that one device's ids can never
    # collide with (or probe for) another's.
    event_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    payload: Mapped[dict] = mapped_column(JSON)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_next", "status", "next_escalation_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # "device" when a speaker raised it; "inactivity" and "speaker_offline" when the hub did.
    origin: Mapped[str] = mapped_column(String(20))
    level: Mapped[Level] = mapped_column(_enum(Level, "level"))
    reason: Mapped[str] = mapped_column(String(100))
    heard: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus, "alert_status"), default=AlertStatus.OPEN)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What the caregiver who acknowledged will do ("visiting", "calling"), for the speaker to say.
    plan: Mapped[str | None] = mapped_column(String(20))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))
    # How far along the contact chain the alert has gone: 0 is the first contact.
    escalation_step: Mapped[int] = mapped_column(Integer, default=-1)
    next_escalation_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    notes: Mapped[list["AlertNote"]] = relationship(order_by="AlertNote.created_at", cascade="all, delete-orphan")
    steps: Mapped[list["AlertStep"]] = relationship(order_by="AlertStep.id", cascade="all, delete-orphan")
    follow_ups: Mapped[list["AlertFollowUp"]] = relationship(order_by="AlertFollowUp.occurred_at",
                                                             back_populates="alert")

    @property
    def cancellation_requests(self) -> list["AlertFollowUp"]:
        return [f for f in self.follow_ups if f.kind == "cancellation_request"]

    @property
    def repeats(self) -> list["AlertFollowUp"]:
        return [f for f in self.follow_ups if f.kind == "repeat"]


class AlertFollowUp(Base):
    """A later alert event from the speaker about an earlier one: the resident asking to
    cancel it, or the speaker repeating it because nobody acknowledged it. It belongs to
    the earlier alert instead of opening one of its own; `alert_id` stays empty while the
    earlier event has not reached the hub (the speaker's outbox may send out of order)."""
    __tablename__ = "alert_follow_ups"
    __table_args__ = (Index("ix_alert_follow_ups_waiting", "resident_id", "refers_to"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    # "cancellation_request" or "repeat"
    kind: Mapped[str] = mapped_column(String(24))
    # The envelope id of the earlier alert event, as the speaker named it.
    refers_to: Mapped[str] = mapped_column(String(36))
    heard: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    alert: Mapped[Alert | None] = relationship(back_populates="follow_ups")
    event: Mapped["Event"] = relationship()


class AlertNote(Base):
    __tablename__ = "alert_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class AlertStep(Base):
    """One thing that happened to an alert: raised, a contact told, acknowledged, resolved."""
    __tablename__ = "alert_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()


class Delivery(Base):
    """One notification on one channel to one person, retried until it goes through."""
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Summary(Base):
    __tablename__ = "summaries"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    day: Mapped[dt.date] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    reviewed_by: Mapped[User | None] = relationship()


class LoginSession(Base):
    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A wrong password, kept for the login rate limit: in the database rather than in
    memory so that every worker process of the hub counts the same attempts."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class AuditEntry(Base):
    """Who saw and did what. Kept apart from the data it names, so that erasing a
    resident leaves the record that they were erased, and by whom."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
