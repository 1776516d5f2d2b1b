"""Escalation down the contact chain, timed by a clock the test moves: an hour
of nobody answering passes in a fraction of a second."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carehub import alerts, people
from carehub.app import create_app
from carehub.models import Alert, AlertStatus, Level, User
from hub_support import (START, FakeClock, RecordingChannel, World, alert_envelope, bearer, csrf_of, database_url,
                         make_hub, sign_in)


@pytest.fixture
def setup(tmp_path, request):
    backend = getattr(request, "param", "sqlite")
    clock = FakeClock()
    channel = RecordingChannel(clock)
    hub = make_hub(database_url(backend, tmp_path), clock, [channel])
    world = World(hub)
    with TestClient(create_app(hub)) as client:
        yield world, client, clock, channel
    hub.engine.dispose()


def raise_via_api(world, client, level="emergency", token=None):
    answer = client.post("/api/v1/events", json=alert_envelope(level, at=world.hub.now()),
                         headers=bearer(token or world.speaker_token))
    assert answer.status_code == 201
    with world.hub.sessions() as s:
        return s.scalars(select(Alert).order_by(Alert.id.desc())).first().id


def steps(world, alert_id):
    with world.hub.sessions() as s:
        return [(step.action, step.user.name if step.user else None) for step in s.get(Alert, alert_id).steps]


@pytest.mark.parametrize("setup", ["sqlite", "postgresql"], indirect=True)
def test_an_unanswered_emergency_walks_the_chain_then_the_duty_contact(setup):
    world, client, clock, channel = setup
    alert_id = raise_via_api(world, client)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["김복지"]
    assert channel.sent[0]["at"] == START
    assert channel.sent[0]["subject"] == "[안부 긴급] 이순자 할머니 — 도움 요청"
    assert "들린 말: “살려줘”" in channel.sent[0]["text"]

    clock.advance(minutes=4, seconds=59)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["김복지"]

    clock.advance(seconds=1)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["김복지", "이아들"]
    assert channel.sent[1]["at"] == START + dt.timedelta(minutes=5)

    clock.advance(minutes=5)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["김복지", "이아들", "관리자"]
    assert "다음 연락처" not in channel.sent[-1]["text"]

    clock.advance(hours=1)
    world.hub.tick()
    assert len(channel.recipients(alert_id)) == 3, "after the duty contact the walk stops"
    assert steps(world, alert_id) == [("raised", None), ("notified", "김복지"), ("escalated", None),
                                      ("notified", "이아들"), ("escalated", None), ("duty_notified", "관리자")]


def test_an_acknowledgement_stops_the_walk(setup):
    world, client, clock, channel = setup
    alert_id = raise_via_api(world, client)
    world.hub.tick()
    clock.advance(minutes=6)
    world.hub.tick()
    with world.hub.sessions() as s, s.begin():
        alerts.acknowledge(clock.now(), s.get(Alert, alert_id), s.get(User, world.son.id), "calling")
    clock.advance(hours=2)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["김복지", "이아들"]
    assert steps(world, alert_id)[-1] == ("acknowledged", "이아들")


def test_those_already_told_hear_who_acknowledged(setup):
    world, client, clock, channel = setup
    alert_id = raise_via_api(world, client)
    world.hub.tick()
    clock.advance(minutes=5)
    world.hub.tick()
    son, _ = sign_in(client.app, "son", "son-pass-123")
    son.post(f"/alerts/{alert_id}/acknowledge", data={"csrf": csrf_of(son), "plan": "visiting"})
    world.hub.tick()
    told = [m for m in channel.sent if m["alert"]["id"] == alert_id]
    assert [(m["kind"], m["to"]["name"]) for m in told] == [("alert", "김복지"), ("alert", "이아들"),
                                                            ("acknowledged", "김복지")]
    assert told[-1]["subject"] == "[안부 확인됨] 이순자 할머니 — 도움 요청"
    assert "이아들님이 10:05에 확인했습니다, 방문 예정." in told[-1]["text"]
    assert steps(world, alert_id)[-1] == ("ack_shared", "김복지")


def test_urgent_waits_longer_and_notice_tells_nobody(setup):
    world, client, clock, channel = setup
    urgent_id = raise_via_api(world, client, "urgent")
    notice_id = raise_via_api(world, client, "notice")
    world.hub.tick()
    assert channel.recipients(urgent_id) == ["김복지"]
    clock.advance(minutes=29)
    world.hub.tick()
    assert channel.recipients(urgent_id) == ["김복지"]
    clock.advance(minutes=1)
    world.hub.tick()
    assert channel.recipients(urgent_id) == ["김복지", "이아들"]
    assert channel.recipients(notice_id) == []
    with world.hub.sessions() as s:
        notice = s.get(Alert, notice_id)
        assert notice.level is Level.NOTICE and notice.next_escalation_at is None


def test_the_timeouts_are_configurable(tmp_path):
    clock = FakeClock()
    channel = RecordingChannel(clock)
    hub = make_hub(database_url("sqlite", tmp_path), clock, [channel],
                   ack_timeout={"emergency": dt.timedelta(minutes=1), "urgent": dt.timedelta(minutes=2)})
    world = World(hub)
    with TestClient(create_app(hub)) as client:
        alert_id = raise_via_api(world, client)
    hub.tick()
    clock.advance(minutes=1)
    hub.tick()
    assert channel.recipients(alert_id) == ["김복지", "이아들"]


def test_a_resident_with_no_chain_goes_to_the_duty_contact_at_once(setup):
    world, client, clock, channel = setup
    with world.hub.sessions() as s, s.begin():
        lonely = people.create_resident(s, clock.now(), "홍길동")
        _, token = people.add_device(s, clock.now(), lonely)
    alert_id = raise_via_api(world, client, token=token)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["관리자"]


def test_with_no_duty_contact_the_end_of_the_chain_is_recorded(setup):
    world, client, clock, channel = setup
    with world.hub.sessions() as s, s.begin():
        s.get(User, world.admin.id).on_duty = False
    alert_id = raise_via_api(world, client, token=world.other_token)
    world.hub.tick()
    clock.advance(minutes=5)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["박봉사"]
    assert steps(world, alert_id)[-1] == ("chain_exhausted", None)


def test_a_caregiver_left_the_chain_is_skipped(setup):
    world, client, clock, channel = setup
    with world.hub.sessions() as s, s.begin():
        s.get(User, world.kim.id).active = False
    alert_id = raise_via_api(world, client)
    world.hub.tick()
    assert channel.recipients(alert_id) == ["이아들"]


def test_with_no_channel_the_step_says_only_the_dashboard_shows_it(tmp_path):
    hub = make_hub(database_url("sqlite", tmp_path), channels=[])
    world = World(hub)
    with TestClient(create_app(hub)) as client:
        alert_id = raise_via_api(world, client)
    with hub.sessions() as s:
        alert = s.get(Alert, alert_id)
        assert alert.status is AlertStatus.OPEN
        assert "대시보드에서만" in alert.steps[1].detail
