"""The hub's settings, read from the environment (CAREHUB_*, DATABASE_URL).

Every setting has a default, so `carehub serve` with nothing set runs on
SQLite in the user's data folder.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from .login_limit import LoginLimit


# The districts the hub serves are in Korea: days, charts and messages are in its time.
LOCAL_TIME = ZoneInfo("Asia/Seoul")


class SettingsError(ValueError):
    pass


def default_database_url() -> str:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    folder = base / "anbu"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'carehub.db'}"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "anbu-carehub@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    # Shown in notifications so a caregiver can open the alert from a message.
    public_url: str = "http://127.0.0.1:8470"
    # How long an alert may stay unacknowledged before the next contact is told.
    ack_timeout: dict = field(default_factory=lambda: {"emergency": dt.timedelta(minutes=5),
                                                      "urgent": dt.timedelta(minutes=30)})
    # A speaker sends a heartbeat each minute; this long without any post it is "offline".
    speaker_offline_after: dt.timedelta = dt.timedelta(minutes=15)
    heartbeat_retention: dt.timedelta = dt.timedelta(days=30)
    record_retention: dt.timedelta = dt.timedelta(days=365)
    max_body_bytes: int = 512 * 1024
    max_batch: int = 500
    max_payload_bytes: int = 64 * 1024
    session_lifetime: dt.timedelta = dt.timedelta(hours=12)
    inbox_refresh_s: float = 5.0
    webhook: WebhookSettings | None = None
    smtp: SmtpSettings | None = None
    # Attempts per notification before it is given up as failed, and the first wait.
    delivery_attempts: int = 6
    delivery_backoff: dt.timedelta = dt.timedelta(seconds=5)
    secure_cookies: bool = False
    login_limit: LoginLimit = field(default_factory=LoginLimit)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)

        def minutes(name: str, default: float) -> dt.timedelta:
            return dt.timedelta(minutes=number(name, default))

        def number(name: str, default: float) -> float:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r}: expected a number") from None
            if value <= 0:
                raise SettingsError(f"{name}={raw!r}: expected a number above 0")
            return value

        webhook = None
        if env.get("CAREHUB_WEBHOOK_URL"):
            secret = env.get("CAREHUB_WEBHOOK_SECRET", "")
            if not secret:
                raise SettingsError("CAREHUB_WEBHOOK_URL is set but CAREHUB_WEBHOOK_SECRET is empty: "
                                    "the gateway could not tell our messages from forged ones")
            webhook = WebhookSettings(env["CAREHUB_WEBHOOK_URL"], secret)
        smtp = None
        if env.get("CAREHUB_SMTP_HOST"):
            smtp = SmtpSettings(host=env["CAREHUB_SMTP_HOST"], port=int(number("CAREHUB_SMTP_PORT", 25)),
                                sender=env.get("CAREHUB_SMTP_FROM", SmtpSettings.sender),
                                username=env.get("CAREHUB_SMTP_USER") or None,
                                password=env.get("CAREHUB_SMTP_PASSWORD") or None,
                                starttls=env.get("CAREHUB_SMTP_STARTTLS", "") in ("1", "true", "yes"))
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(),
            public_url=env.get("CAREHUB_PUBLIC_URL", cls.public_url).rstrip("/"),
            ack_timeout={"emergency": minutes("CAREHUB_ACK_TIMEOUT_EMERGENCY_MIN", 5),
                         "urgent": minutes("CAREHUB_ACK_TIMEOUT_URGENT_MIN", 30)},
            speaker_offline_after=minutes("CAREHUB_SPEAKER_OFFLINE_MIN", 15),
            heartbeat_retention=dt.timedelta(days=number("CAREHUB_HEARTBEAT_RETENTION_DAYS", 30)),
            record_retention=dt.timedelta(days=number("CAREHUB_RECORD_RETENTION_DAYS", 365)),
            webhook=webhook,
            smtp=smtp,
            secure_cookies=env.get("CAREHUB_SECURE_COOKIES", "") in ("1", "true", "yes"),
            login_limit=LoginLimit(per_account=int(number("CAREHUB_LOGIN_FAILURES_PER_ACCOUNT", 5)),
                                   per_address=int(number("CAREHUB_LOGIN_FAILURES_PER_ADDRESS", 20)),
                                   window=minutes("CAREHUB_LOGIN_WINDOW_MIN", 15)),
        )
