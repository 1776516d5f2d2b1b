"""What the care hub's tests share: a real PostgreSQL server on 127.0.0.1, fresh
migrated databases on it and on SQLite, a clock the test moves, and a hub
with a few people in it.

The PostgreSQL server (carehub/throwaway_postgres.py) is started once per
test run and stopped at exit.
"""
from __future__ import annotations

import atexit
import datetime as dt
import functools
import itertools
import re
import os
import shutil
import tempfile
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from carehub import db, people
from carehub.config import Settings
from carehub.hub import CareHub
from carehub.models import Role
from carehub.notify import Notifier, signature
from carehub.throwaway_postgres import ThrowawayPostgres, free_port, postgres_bin

# Argon2 is slow on purpose (0.15 s a hash here); the tests' few passwords are hashed once each.
people.hash_password = functools.lru_cache(maxsize=None)(people.hash_password)

START = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.timezone.utc)  # 10:00 in Seoul
IN_CI = bool(os.environ.get("CI"))


def missing(reason: str):
    """Skip when a Debian package is missing on a developer's machine; in CI it must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI installs it through scripts/bootstrap.sh)")
    pytest.skip(reason)


class FakeClock:
    def __init__(self, start: dt.datetime = START):
        self.at = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self.at

    def advance(self, **delta) -> dt.datetime:
        with self._lock:
            self.at += dt.timedelta(**delta)
            return self.at


class RecordingChannel:
    """Stands in for a messaging gateway where what matters is who was told when, not how."""
    name = "webhook"

    def __init__(self, clock=None):
        self.sent: list[dict] = []
        self.clock = clock

    def address(self, user):
        return user.phone or user.username

    def send(self, message: dict) -> None:
        self.sent.append({**message, "at": self.clock.now() if self.clock else None})

    def recipients(self, alert_id: int | None = None) -> list[str]:
        return [m["to"]["name"] for m in self.sent if alert_id in (None, m["alert"]["id"])]


def _memory_folder() -> str | None:
    """/dev/shm when it has room: each test gets a database of its own, a few MB of small
    files, and on a disk writing and deleting a hundred of them takes a minute."""
    try:
        return "/dev/shm" if shutil.disk_usage("/dev/shm").free > 2 * 1024 ** 3 else None
    except OSError:
        return None


class PostgresServer(ThrowawayPostgres):
    """One server for the whole test run, with a fresh database for each test."""
    _shared: "PostgresServer | None" = None

    def __init__(self):
        # fsync off: a test's database need not survive a power cut, and it saves seconds.
        super().__init__({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                          "max_connections": "200"}, folder=_memory_folder())
        atexit.register(self.stop)
        self._count = itertools.count()
        self.template = None

    def admin(self, sql: str) -> None:
        engine = db.make_engine(self.url("postgres"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(sql))
        engine.dispose()

    def fresh_database(self) -> str:
        """A new database with the schema migrated: copied from a template migrated once."""
        if self.template is None:
            self.admin("CREATE DATABASE carehub_template")
            engine = db.make_engine(self.url("carehub_template"))
            db.upgrade(engine)
            engine.dispose()
            self.template = "carehub_template"
        name = f"t{os.getpid()}_{next(self._count)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return self.url(name)

    @classmethod
    def shared(cls) -> "PostgresServer":
        if postgres_bin() is None:
            missing("PostgreSQL is not installed (Debian package postgresql)")
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared


_sqlite_template: Path | None = None


def fresh_sqlite(folder: Path) -> str:
    global _sqlite_template
    if _sqlite_template is None:
        _sqlite_template = Path(tempfile.mkdtemp(prefix="carehub-sqlite-")) / "template.db"
        engine = db.make_engine(f"sqlite:///{_sqlite_template}")
        db.upgrade(engine)
        engine.dispose()
        atexit.register(shutil.rmtree, _sqlite_template.parent, True)
    target = folder / "carehub.db"
    shutil.copy(_sqlite_template, target)
    return f"sqlite:///{target}"


def database_url(backend: str, folder: Path) -> str:
    return PostgresServer.shared().fresh_database() if backend == "postgresql" else fresh_sqlite(folder)


def make_hub(url: str, clock: FakeClock | None = None, channels=None, **settings) -> CareHub:
    clock = clock or FakeClock()
    base = Settings(database_url=url, **settings)
    notifier = Notifier(channels if channels is not None else [RecordingChannel(clock)], base.public_url,
                        base.delivery_attempts, base.delivery_backoff)
    return CareHub(base, clock=clock, notifier=notifier)


class World:
    """Two residents, each with a caregiver of their own; a family member second in the
    first resident's chain; an admin who is the duty contact; a speaker each and a plug."""

    def __init__(self, hub: CareHub):
        self.hub = hub
        now = hub.now()
        with hub.sessions() as s, s.begin():
            self.admin = people.create_user(s, now, "admin", "관리자", "admin-pass-1", Role.ADMIN, on_duty=True,
                                            phone="010-0000-0000")
            self.kim = people.create_user(s, now, "kim", "김복지", "kim-pass-123", Role.CAREGIVER,
                                          phone="010-1111-1111", email="kim@example.org")
            self.park = people.create_user(s, now, "park", "박봉사", "park-pass-123", Role.CAREGIVER,
                                           phone="010-2222-2222")
            self.son = people.create_user(s, now, "son", "이아들", "son-pass-123", Role.CAREGIVER,
                                          email="son@example.org")
            self.soonja = people.create_resident(s, now, "이순자", "할머니")
            self.youngsu = people.create_resident(s, now, "최영수", "할아버지")
            people.assign(s, self.soonja, self.kim, 1, "복지담당")
            people.assign(s, self.soonja, self.son, 2, "가족")
            people.assign(s, self.youngsu, self.park, 1, "봉사자")
            self.speaker, self.speaker_token = people.add_device(s, now, self.soonja, "speaker", "거실")
            self.other_speaker, self.other_token = people.add_device(s, now, self.youngsu, "speaker")
            self.plug, self.plug_token = people.add_device(s, now, self.soonja, "plug", "전기밥솥")


@pytest.fixture(params=["sqlite", "postgresql"], name="world")
def world_on_both_databases(request, tmp_path):
    hub = make_hub(database_url(request.param, tmp_path))
    yield World(hub)
    hub.engine.dispose()


@pytest.fixture(name="client")
def device_client(world):
    """A client of the hub's app, for the device API (no one signed in)."""
    from carehub.app import create_app

    with TestClient(create_app(world.hub)) as c:
        yield c


def envelope(type_: str = "heartbeat", payload: dict | None = None, at: dt.datetime | None = None,
             id_: str | None = None) -> dict:
    import uuid

    return {"id": id_ or str(uuid.uuid4()), "type": type_, "occurred_at": (at or START).isoformat(),
            "payload": payload if payload is not None else {}}


def alert_envelope(level: str = "emergency", transcript: str = "살려줘", **kw) -> dict:
    reason = {"emergency": "emergency", "urgent": "despair"}.get(level, "health_complaint")
    return envelope("alert", {"level": level, "reason": reason, "transcript": transcript}, **kw)


SECRET = "gateway-shared-secret"


class Gateway:
    """A messaging gateway's receiving end: verifies each message's signature."""

    def __init__(self):
        self.received: list[dict] = []
        self.failures_left = 0
        self.hang_s = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if gateway.hang_s:
                    time.sleep(gateway.hang_s)
                valid = self.headers["X-Anbu-Signature"] == signature(SECRET, self.headers["X-Anbu-Timestamp"], body)
                gateway.received.append({"body": json.loads(body), "valid": valid,
                                         "delivery": self.headers["X-Anbu-Delivery"]})
                status = 500 if gateway.failures_left > 0 else 200
                gateway.failures_left -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/anbu"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def sign_in(app, username, password, address="testclient"):
    client = TestClient(app, client=(address, 50000))
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"username": username, "password": password, "csrf": csrf, "next": "/"},
                         follow_redirects=False)
    return client, answer


def csrf_of(client, path="/"):
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class ServerThread:
    """The app served by uvicorn on a free port of 127.0.0.1, in this process."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start in 10 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
