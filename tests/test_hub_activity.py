"""Signs of life from every source, the hub's inactivity alert, a speaker gone
offline, and `carehub feed-activity` posting a call log to a running hub."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carehub import alerts, cli
from carehub.app import create_app
from carehub.models import Alert, AlertStatus, Device, Level, User
from hub_support import (START, FakeClock, RecordingChannel, ServerThread, World, bearer, database_url, envelope,
                         make_hub)


@pytest.fixture
def setup(tmp_path):
    clock = FakeClock()
    channel = RecordingChannel(clock)
    hub = make_hub(database_url("sqlite", tmp_path), clock, [channel])
    world = World(hub)
    with TestClient(create_app(hub)) as client:
        def post(token, type_, payload=None, at=None):
            answer = client.post("/api/v1/events", json=envelope(type_, payload, at or clock.now()),
                                 headers=bearer(token))
            assert answer.status_code == 201, answer.text
        yield world, post, clock, channel
    hub.engine.dispose()


def open_alerts(world, origin, resident=None):
    with world.hub.sessions() as s:
        return s.scalars(select(Alert).where(Alert.origin == origin, Alert.status != AlertStatus.RESOLVED,
                                             Alert.resident_id == (resident or world.soonja).id)).all()


def test_no_sign_of_life_raises_a_notice_then_urgent_then_clears(setup):
    world, post, clock, channel = setup
    post(world.speaker_token, "checkin", {"answers": [{"topic": "sleep", "answer": "잘 잤어"}]})
    clock.advance(hours=23)
    post(world.speaker_token, "heartbeat")
    world.hub.check_activity()
    assert open_alerts(world, "inactivity") == []

    clock.advance(hours=1, minutes=1)
    post(world.speaker_token, "heartbeat")
    world.hub.check_activity()
    [alert] = open_alerts(world, "inactivity")
    assert alert.level is Level.NOTICE
    states = {s["kind"]: s["state"] for s in alert.detail["sources"]}
    assert states == {"speaker": "quiet", "plug": "silent"}, "a plug never heard from is told apart"
    assert "스피커(거실): 기기 정상, 마지막 활동 11/25 10:00" in alert.detail["summary"]
    assert "스마트 플러그(전기밥솥): 기기 무응답" in alert.detail["summary"]
    assert channel.sent == [], "a notice is for the daily review"

    clock.advance(hours=24)
    post(world.speaker_token, "heartbeat")
    post(world.plug_token, "activity", {"signal": "power_reading", "alive": False})
    world.hub.check_activity()
    [alert] = open_alerts(world, "inactivity")
    assert alert.level is Level.URGENT
    with world.hub.sessions() as s:
        assert [step.action for step in s.get(Alert, alert.id).steps][-2:] == ["level_raised", "notified"]
    world.hub.tick()
    assert channel.recipients(alert.id) == ["김복지"]
    assert {s["kind"]: s["state"] for s in alert.detail["sources"]} == {"speaker": "quiet", "plug": "quiet"}

    clock.advance(minutes=10)
    post(world.plug_token, "activity", {"signal": "power_change"})
    world.hub.check_activity()
    assert open_alerts(world, "inactivity") == []
    with world.hub.sessions() as s:
        cleared = s.get(Alert, alert.id)
        assert cleared.outcome == "resumed" and cleared.steps[-1].action == "resolved"
        plug = s.get(Device, world.plug.id)
        assert plug.last_life_at == clock.now() and plug.last_life_what == "power_change"


def test_a_caregiver_closing_an_inactivity_alert_restarts_the_count(setup):
    world, post, clock, _ = setup
    post(world.speaker_token, "activity", {"signal": "speech"})
    clock.advance(hours=25)
    world.hub.check_activity()
    [alert] = open_alerts(world, "inactivity")
    with world.hub.sessions() as s, s.begin():
        alerts.resolve(clock.now(), s.get(Alert, alert.id), s.get(User, world.kim.id), "called_ok")
    clock.advance(minutes=5)
    world.hub.check_activity()
    assert open_alerts(world, "inactivity") == [], "the phone call was a sign of life"
    clock.advance(hours=24)
    world.hub.check_activity()
    [again] = open_alerts(world, "inactivity")
    assert again.id != alert.id and again.level is Level.NOTICE


def test_heartbeats_and_summaries_are_not_signs_of_life(setup):
    world, post, clock, _ = setup
    post(world.speaker_token, "heartbeat")
    post(world.speaker_token, "summary", {"date": "2026-11-25", "text": "대화 없음"})
    post(world.speaker_token, "medication", {"medicine": "혈압약", "status": "missed"})
    with world.hub.sessions() as s:
        speaker = s.get(Device, world.speaker.id)
        assert speaker.last_life_at is None and speaker.last_heartbeat_at == START
    post(world.speaker_token, "medication", {"medicine": "혈압약", "status": "taken"})
    with world.hub.sessions() as s:
        assert s.get(Device, world.speaker.id).last_life_what == "복약 확인"


def test_a_reminder_the_resident_answered_is_a_sign_of_life_and_one_cut_short_is_not(setup):
    world, post, clock, _ = setup
    post(world.speaker_token, "medication", {"medicine": "혈압약", "status": "interrupted"})
    with world.hub.sessions() as s:
        assert s.get(Device, world.speaker.id).last_life_at is None
    post(world.speaker_token, "medication", {"medicine": "혈압약", "status": "snoozed"})
    with world.hub.sessions() as s:
        assert s.get(Device, world.speaker.id).last_life_what == "복약 알림에 대답"


def test_when_every_source_is_silent_the_alert_says_the_state_is_unknown(setup):
    world, post, clock, _ = setup
    post(world.speaker_token, "activity", {"signal": "speech"})
    clock.advance(hours=25)
    world.hub.check_activity()
    [mine] = open_alerts(world, "inactivity")
    [never_heard] = open_alerts(world, "inactivity", world.youngsu)
    assert never_heard.detail["last_life_at"] is None
    assert "모든 기기가 응답하지 않아" in mine.detail["summary"]


def test_a_device_clock_running_ahead_does_not_hide_a_quiet_day(setup):
    world, post, clock, _ = setup
    post(world.speaker_token, "activity", {"signal": "speech"}, at=clock.now() + dt.timedelta(hours=20))
    with world.hub.sessions() as s:
        assert s.get(Device, world.speaker.id).last_life_at == clock.now()


def test_a_silent_speaker_raises_its_own_alert_and_clears_when_back(setup):
    world, post, clock, channel = setup
    post(world.speaker_token, "heartbeat")
    clock.advance(minutes=15)
    world.hub.check_activity()
    assert open_alerts(world, "speaker_offline") == []
    clock.advance(minutes=1)
    world.hub.check_activity()
    [alert] = open_alerts(world, "speaker_offline")
    assert alert.level is Level.URGENT and alert.device_id == world.speaker.id
    assert "긴급 호출이 전달되지 않을 수 있음" in alert.detail["summary"]
    world.hub.tick()
    assert channel.recipients(alert.id) == ["김복지"]
    world.hub.check_activity()
    assert len(open_alerts(world, "speaker_offline")) == 1, "one alert while it stays offline"

    clock.advance(minutes=30)
    post(world.speaker_token, "heartbeat")
    world.hub.check_activity()
    assert open_alerts(world, "speaker_offline") == []
    with world.hub.sessions() as s:
        assert s.get(Alert, alert.id).outcome == "reconnected"


def test_an_outage_closed_by_hand_is_not_raised_again(setup):
    world, post, clock, _ = setup
    post(world.speaker_token, "heartbeat")
    clock.advance(minutes=16)
    world.hub.check_activity()
    [alert] = open_alerts(world, "speaker_offline")
    with world.hub.sessions() as s, s.begin():
        alerts.resolve(clock.now(), s.get(Alert, alert.id), s.get(User, world.kim.id), "visited_ok", "전원 코드 빠짐")
    clock.advance(hours=2)
    world.hub.check_activity()
    assert open_alerts(world, "speaker_offline") == []
    post(world.speaker_token, "heartbeat")
    clock.advance(minutes=16)
    world.hub.check_activity()
    assert len(open_alerts(world, "speaker_offline")) == 1, "a new outage is a new alert"


def test_feed_activity_posts_a_call_log_once(tmp_path, capsys):
    hub = make_hub(database_url("sqlite", tmp_path), FakeClock(START + dt.timedelta(days=1)))
    world = World(hub)
    log = tmp_path / "calls.csv"
    log.write_text("time,number\n2026-11-25T08:10:00+09:00,010-9\n2026-11-25 19:30:00,010-8\n\n"
                   "2026-11-24T21:00:00+09:00,010-7\n", encoding="utf-8")
    with ServerThread(create_app(hub)) as server:
        args = ["feed-activity", str(log), "--url", server.url, "--token", world.plug_token, "--signal", "call"]
        assert cli.main(args) == 0
        assert json.loads(capsys.readouterr().out) == {"events": 3, "stored": 3, "duplicates": 0}
        assert cli.main(args) == 0
        assert json.loads(capsys.readouterr().out) == {"events": 3, "stored": 0, "duplicates": 3}
        assert cli.main([*args[:-2], "--column", "when"]) == 1
        assert "no column 'when'" in capsys.readouterr().err
    with hub.sessions() as s:
        plug = s.get(Device, world.plug.id)
        assert plug.last_life_at == dt.datetime(2026, 11, 25, 10, 30, tzinfo=dt.timezone.utc)
        assert plug.last_life_what == "call"
