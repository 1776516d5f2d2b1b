"""`carehub` commands, and `carehub serve` as a real process: on SQLite with no
settings at all, and on PostgreSQL with several workers."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from fastapi.testclient import TestClient

from carehub import cli, db
from carehub.app import create_app
from carehub.models import Alert, AlertStatus, AuditEntry, Base, Device, Event, Level, Summary
from hub_support import (SECRET, FakeClock, Gateway, PostgresServer, World, alert_envelope, bearer, database_url,
                         envelope, free_port, make_hub)

CAREHUB = Path(sys.executable).parent / "carehub"


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    return tmp_path / "hub.db"


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_setting_up_a_resident_from_the_command_line(sqlite_env, capsys):
    assert run(capsys, "init-db")[0] == 0
    code, user_id, _ = run(capsys, "add-user", "kim", "--name", "김복지", "--password", "kim-pass-123",
                           "--phone", "010-1111-1111")
    assert code == 0 and user_id == "1"
    assert run(capsys, "add-user", "admin", "--admin", "--duty", "--password", "admin-pass-1")[0] == 0
    code, resident_id, _ = run(capsys, "add-resident", "이순자", "--honorific", "할머니", "--notice-hours", "12",
                               "--urgent-hours", "30")
    assert resident_id == "1"
    code, _, err = run(capsys, "assign", "--user", "kim", "--resident", "1", "--relation", "복지담당")
    assert code == 0 and "kim is contact 1 of resident 1" in err
    code, token, err = run(capsys, "add-device", "--resident", "1", "--kind", "plug", "--label", "밥솥")
    assert code == 0 and len(token) > 30 and "shown only now" in err
    hub = make_hub(os.environ["DATABASE_URL"])
    with hub.sessions() as s:
        device = s.scalar(select(Device))
        assert device.token_hash != token and device.kind == "plug" and device.silent_after_minutes == 360
    code, out, _ = run(capsys, "export-resident", "1")
    assert json.loads(out)["resident"]["inactivity_notice_hours"] == 12


def test_mistakes_are_one_line_and_exit_1(sqlite_env, capsys):
    run(capsys, "add-user", "kim", "--password", "kim-pass-123")
    assert run(capsys, "add-user", "kim", "--password", "kim-pass-123")[1:] == ("", "carehub: username: 'kim' is taken")
    assert run(capsys, "add-user", "lee", "--password", "short")[2] == "carehub: password: at least 8 characters"
    assert run(capsys, "assign", "--user", "nobody", "--resident", "1")[2] == "carehub: no user 'nobody'"
    assert run(capsys, "add-device", "--resident", "9")[2] == "carehub: no resident 9"
    assert run(capsys, "add-resident", "홍길동", "--notice-hours", "50")[0] == 1
    assert run(capsys, "erase-resident", "1", "--confirm-name", "x")[2] == "carehub: no resident 1"


def test_erase_needs_the_name_and_leaves_only_the_audit_record(sqlite_env, capsys):
    run(capsys, "add-resident", "이순자")
    assert run(capsys, "erase-resident", "1", "--confirm-name", "이순")[0] == 1
    code, out, _ = run(capsys, "erase-resident", "1", "--confirm-name", "이순자")
    assert code == 0 and json.loads(out)["resident"] == 1
    hub = make_hub(os.environ["DATABASE_URL"])
    with hub.sessions() as s:
        assert [e.action for e in s.scalars(select(AuditEntry))] == ["add_resident", "erase_resident"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migrations_make_exactly_the_models_tables(tmp_path, backend):
    engine = db.make_engine(database_url(backend, tmp_path))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_retention_keeps_open_alerts_and_drops_old_records(tmp_path):
    clock = FakeClock()
    hub = make_hub(database_url("sqlite", tmp_path), clock)
    world = World(hub)
    with TestClient(create_app(hub)) as client:
        for body in (envelope("heartbeat"), alert_envelope("notice", "머리 아파"), alert_envelope("urgent", "살기 싫어"),
                     envelope("summary", {"date": "2026-11-25", "text": "요약"})):
            client.post("/api/v1/events", json=body, headers=bearer(world.speaker_token))
    with hub.sessions() as s, s.begin():
        notice = s.scalar(select(Alert).where(Alert.level == Level.NOTICE))
        notice.status = AlertStatus.RESOLVED
    clock.advance(days=31)
    assert hub.enforce_retention()["heartbeats and activity"] == 1
    clock.advance(days=340)
    counts = hub.enforce_retention()
    assert counts["alerts"] == 1 and counts["summaries"] == 1
    with hub.sessions() as s:
        assert [a.level for a in s.scalars(select(Alert))] == [Level.URGENT]
        assert s.scalars(select(Event.type)).all() == ["alert"], "the open alert's event stays with it"
        assert s.scalar(select(Summary)) is None


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"carehub serve exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("carehub serve did not answer in time")


def serve(env: dict, *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(CAREHUB), "serve", "--port", str(port), *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process)
    return process, url


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def post_event(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(url + "/api/v1/events", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_serve_with_no_settings_makes_its_sqlite_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",) and not k.startswith("CAREHUB_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    process, url = serve(env)
    try:
        assert (tmp_path / "data" / "anbu" / "carehub.db").exists()
        with urllib.request.urlopen(url + "/login") as page:
            assert "안부 돌봄 허브" in page.read().decode()
    finally:
        stop(process)
    assert "care hub on" in process.stderr.read()


def test_serve_on_postgresql_with_two_workers(tmp_path):
    url = PostgresServer.shared().fresh_database()
    env = {**os.environ, "DATABASE_URL": url}
    made = subprocess.run([str(CAREHUB), "add-resident", "이순자"], env=env, capture_output=True, text=True)
    token = subprocess.run([str(CAREHUB), "add-device", "--resident", made.stdout.strip()], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    process, base = serve(env, "--workers", "2")
    try:
        event = {"id": str(uuid.uuid4()), "type": "alert", "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                 "payload": {"level": "urgent", "reason": "despair", "transcript": "살기 싫어"}}
        assert [post_event(base, token, event) for _ in range(6)] == [201] + [200] * 5
    finally:
        stop(process)
    engine = db.make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from alerts").scalar() == 1
    engine.dispose()


def test_a_served_hub_tells_the_first_contact_within_seconds(tmp_path):
    """The ticker of `carehub serve` itself: an emergency posted to the API reaches the
    messaging gateway with no test driving the clock."""
    gateway = Gateway()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "CAREHUB_WEBHOOK_URL": gateway.url,
           "CAREHUB_WEBHOOK_SECRET": SECRET}
    for command in (["add-user", "kim", "--name", "김복지", "--phone", "010-1111-1111", "--password", "kim-pass-123"],
                    ["add-resident", "이순자"], ["assign", "--user", "kim", "--resident", "1"]):
        subprocess.run([str(CAREHUB), *command], env=env, check=True, capture_output=True)
    token = subprocess.run([str(CAREHUB), "add-device", "--resident", "1"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    process, base = serve(env)
    try:
        event = {"id": str(uuid.uuid4()), "type": "alert", "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                 "payload": {"level": "emergency", "reason": "emergency", "transcript": "살려줘"}}
        posted = time.monotonic()
        assert post_event(base, token, event) == 201
        while not gateway.received and time.monotonic() - posted < 10:
            time.sleep(0.05)
        took = time.monotonic() - posted
    finally:
        stop(process)
        gateway.close()
    [message] = gateway.received
    assert message["valid"] and message["body"]["to"]["phone"] == "010-1111-1111"
    assert took < 3, f"the first contact was told {took:.1f} s after the alert"
