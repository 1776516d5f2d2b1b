"""Alert events about an earlier alert, on SQLite and a real PostgreSQL server: the
resident's cancellation request and the speaker's repeat join the alert they name
(the contract with the speaker, see carehub/follow_ups.py), in whatever order
the speaker's outbox delivers them. The transcripts stand for what Vosk heard."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from sqlalchemy import func, select

from carehub import alerts, events, retention
from carehub.app import create_app
from carehub.models import Alert, AlertFollowUp, AlertStatus, AuditEntry, Delivery, Device, Event, User
from hub_support import device_client, world_on_both_databases  # noqa: F401 (fixtures)
from hub_support import START, alert_envelope, bearer, csrf_of, envelope, sign_in

MISTAKE = "괜찮아 잘못 말했어"


def post(client, token, body):
    answer = client.post("/api/v1/events", json=body, headers=bearer(token))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["results"][0]


def cancellation(original: dict, transcript: str = MISTAKE, minutes: float = 1) -> dict:
    return envelope("alert", {"level": original["payload"]["level"], "reason": "cancellation_request",
                              "cancels": original["id"], "transcript": transcript},
                    at=START + dt.timedelta(minutes=minutes))


def repeat(original: dict, minutes: float = 3) -> dict:
    return envelope("alert", {**original["payload"], "repeats": original["id"]},
                    at=START + dt.timedelta(minutes=minutes))


def only_alert(world) -> Alert:
    with world.hub.sessions() as s:
        [alert] = s.scalars(select(Alert)).all()
        alert.steps, alert.follow_ups  # read while the session is open
        return alert


def deliveries(world) -> int:
    with world.hub.sessions() as s:
        return s.scalar(select(func.count()).select_from(Delivery))


def audit_rows(world, action):
    with world.hub.sessions() as s:
        return [(e.username, e.target, e.detail) for e in s.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def test_a_cancellation_request_is_shown_on_the_open_alert_and_opens_none(world, client):
    original = alert_envelope("emergency", "살려줘")
    post(client, world.speaker_token, original)
    request = cancellation(original)
    assert post(client, world.speaker_token, request) == {"id": request["id"], "status": "stored"}
    assert post(client, world.speaker_token, request)["status"] == "duplicate"

    alert = only_alert(world)
    assert alert.status is AlertStatus.OPEN and alert.heard == "살려줘"
    assert [(f.kind, f.heard, f.occurred_at) for f in alert.follow_ups] == [
        ("cancellation_request", MISTAKE, START + dt.timedelta(minutes=1))]
    assert [s.action for s in alert.steps].count("cancellation_requested") == 1
    assert audit_rows(world, "cancellation_request") == [(f"device:{world.speaker.id}", f"alert:{alert.id}", MISTAKE)]

    kim, _ = sign_in(create_app(world.hub), "kim", "kim-pass-123")
    shown = f"어르신이 취소를 요청했습니다: ‘{MISTAKE}’"
    assert shown in kim.get("/").text
    page = kim.get(f"/alerts/{alert.id}").text
    assert 'id="cancel-request"' in page and shown in page and "알림은 열려 있습니다" in page
    # The caregiver judges, and closes it as a false alarm.
    kim.post(f"/alerts/{alert.id}/resolve", data={"csrf": csrf_of(kim), "outcome": "false_alarm"})
    assert only_alert(world).outcome == "false_alarm"


def test_those_told_and_whoever_acknowledged_hear_of_the_request(world, client):
    original = alert_envelope("emergency", "살려줘")
    post(client, world.speaker_token, original)
    world.hub.clock.advance(minutes=6)
    world.hub.tick()  # nobody acknowledged: the son, second in the chain, is told
    with world.hub.sessions() as s, s.begin():
        alert = s.scalar(select(Alert))
        alerts.acknowledge(world.hub.now(), alert, s.get(User, world.son.id), "visiting")
    post(client, world.speaker_token, cancellation(original, minutes=7))
    world.hub.tick()
    channel = world.hub.notifier.channels["webhook"]
    news = [m for m in channel.sent if m["kind"] == "cancellation_request"]
    assert sorted(m["to"]["name"] for m in news) == ["김복지", "이아들"]
    assert news[0]["subject"] == "[안부 취소 요청] 이순자 할머니 — 도움 요청"
    assert f"어르신이 10:07에 취소를 요청했습니다: ‘{MISTAKE}’" in news[0]["text"]
    assert "알림은 열려 있습니다" in news[0]["text"]
    assert only_alert(world).status is AlertStatus.ACKNOWLEDGED


def test_a_cancellation_that_arrives_before_its_alert_waits_for_it(world, client):
    original = alert_envelope("urgent", "죽고 싶어")
    request = cancellation(original)
    answer = post(client, world.speaker_token, request)
    assert answer["status"] == "stored" and "payload.cancels" in answer["warning"]
    with world.hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
    post(client, world.speaker_token, original)
    alert = only_alert(world)
    assert alert.heard == "죽고 싶어" and alert.status is AlertStatus.OPEN
    assert [f.heard for f in alert.cancellation_requests] == [MISTAKE]
    assert [t for _, t, _ in audit_rows(world, "cancellation_request")] == [f"event:{original['id']}"]
    assert [t for _, t, _ in audit_rows(world, "cancellation_request_attached")] == [f"alert:{alert.id}"]


def test_an_alert_and_its_cancellation_stored_at_once_still_meet(world):
    """The alert's transaction is still open when the cancellation's starts: the second
    waits for the first rather than missing it and leaving the request unattached."""
    original = alert_envelope("emergency", "살려줘")
    hub, done = world.hub, []

    def store(session, body: dict) -> None:
        parsed = events.parse_body(json.dumps(body).encode(), 1, 65536, hub.now())
        events.store(session, session.get(Device, world.speaker.id), parsed, hub.now(), hub.escalation)

    def store_alone(body: dict) -> None:
        with hub.sessions() as s, s.begin():
            store(s, body)

    with hub.sessions() as first, first.begin():
        store(first, original)
        second = threading.Thread(target=lambda: done.append(store_alone(cancellation(original))))
        second.start()
        time.sleep(0.5)  # the second is now inside its transaction, at the alert lookup or waiting for it
    second.join(10)
    assert done == [None]
    assert [f.heard for f in only_alert(world).cancellation_requests] == [MISTAKE]


def test_a_cancellation_never_reaches_another_residents_alert(world, client):
    theirs = alert_envelope("emergency", "살려줘")
    post(client, world.other_token, theirs)
    answer = post(client, world.speaker_token, cancellation(theirs))
    assert "payload.cancels" in answer["warning"]
    with world.hub.sessions() as s:
        alert = s.scalar(select(Alert))
        assert alert.resident_id == world.youngsu.id and alert.follow_ups == []
        waiting = s.scalar(select(AlertFollowUp))
        assert waiting.alert_id is None and waiting.resident_id == world.soonja.id


@pytest.mark.parametrize("payload,field", [
    ({"level": "emergency", "reason": "cancellation_request", "transcript": MISTAKE}, "payload.cancels"),
    ({"level": "emergency", "reason": "emergency", "cancels": "6f1c1a34-3f0e-4c57-9a43-4b8e0f4f5b11"},
     "payload.cancels"),
    ({"level": "emergency", "reason": "cancellation_request", "cancels": "the last one"}, "payload.cancels"),
    ({"level": "emergency", "reason": "emergency", "repeats": 7}, "payload.repeats"),
    ({"level": "emergency", "reason": "cancellation_request", "cancels": "6f1c1a34-3f0e-4c57-9a43-4b8e0f4f5b11",
      "repeats": "6f1c1a34-3f0e-4c57-9a43-4b8e0f4f5b11"}, "payload.repeats"),
])
def test_a_malformed_follow_up_is_refused_naming_the_field(world, client, payload, field):
    answer = client.post("/api/v1/events", json=envelope("alert", payload), headers=bearer(world.speaker_token))
    assert answer.status_code == 422 and field in [d["field"] for d in answer.json()["detail"]], answer.text
    with world.hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_a_repeat_joins_the_open_alert_and_the_device_reads_its_state(world, client):
    original = alert_envelope("emergency", "살려줘")
    post(client, world.speaker_token, original)
    told = deliveries(world)
    again = repeat(original)
    post(client, world.speaker_token, again)
    post(client, world.speaker_token, again)
    alert = only_alert(world)
    assert [f.kind for f in alert.follow_ups] == ["repeat"] and alert.occurred_at == START
    assert [s.action for s in alert.steps].count("repeated") == 1
    assert deliveries(world) == told > 0  # the chain walks on its own clock: a repeat does not restart it
    with world.hub.sessions() as s, s.begin():
        alerts.acknowledge(world.hub.now(), s.get(Alert, alert.id), s.get(User, world.kim.id), "calling")
    state = client.get(f"/api/v1/alerts/{again['id']}", headers=bearer(world.speaker_token)).json()
    assert state["status"] == "acknowledged" and state["say"] == "복지담당 김복지님이 곧 전화하실 거예요."
    assert client.get(f"/api/v1/alerts/{again['id']}", headers=bearer(world.other_token)).status_code == 404


def test_a_repeat_at_a_higher_level_raises_the_alert_s_level(world, client):
    original = alert_envelope("urgent", "살기 싫어")
    post(client, world.speaker_token, original)
    post(client, world.speaker_token, envelope("alert", {"level": "emergency", "reason": "emergency",
                                                         "transcript": "살려줘", "repeats": original["id"]}))
    alert = only_alert(world)
    assert alert.level.value == "emergency" and [s.action for s in alert.steps][-2:] == ["level_raised", "notified"]


def test_a_repeat_of_a_resolved_alert_is_raised_anew(world, client):
    original = alert_envelope("emergency", "살려줘")
    post(client, world.speaker_token, original)
    with world.hub.sessions() as s, s.begin():
        alerts.resolve(world.hub.now(), s.scalar(select(Alert)), s.get(User, world.kim.id), "called_ok")
    post(client, world.speaker_token, repeat(original))
    with world.hub.sessions() as s:
        first, second = s.scalars(select(Alert).order_by(Alert.id)).all()
        assert first.status is AlertStatus.RESOLVED and second.status is AlertStatus.OPEN
        assert second.detail["repeats"] == original["id"]
        assert "repeat_of_closed" in [st.action for st in second.steps]


def test_an_original_that_arrives_after_its_repeat_joins_the_repeats_alert(world, client):
    original = alert_envelope("emergency", "살려줘")
    again = repeat(original)
    post(client, world.speaker_token, again)
    post(client, world.speaker_token, cancellation(original, minutes=4))
    post(client, world.speaker_token, original)
    alert = only_alert(world)
    assert alert.occurred_at == START  # the first call counts from when it was made
    assert sorted(f.kind for f in alert.follow_ups) == ["cancellation_request", "repeat"]
    state = client.get(f"/api/v1/alerts/{original['id']}", headers=bearer(world.speaker_token)).json()
    assert state["status"] == "open"


def test_snoozed_stopped_and_interrupted_doses_are_taken(world, client):
    for status in ("taken", "not_yet", "missed", "snoozed", "stopped", "interrupted"):
        assert post(client, world.speaker_token, envelope("medication", {"medicine": "혈압약", "status": status}))[
            "status"] == "stored"
    with world.hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 6


def test_retention_keeps_what_an_open_alert_holds_and_erasure_takes_it_all(world, client):
    original = alert_envelope("emergency", "살려줘")
    post(client, world.speaker_token, original)
    post(client, world.speaker_token, cancellation(original))
    post(client, world.speaker_token, cancellation(alert_envelope()))  # waits for an alert that never comes
    world.hub.clock.advance(days=400)
    counts = world.hub.enforce_retention()
    assert counts["events"] == 1, "only the request left waiting goes"
    alert = only_alert(world)
    assert [f.heard for f in alert.cancellation_requests] == [MISTAKE]
    with world.hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertFollowUp)) == 1
    with world.hub.sessions() as s, s.begin():
        exported = retention.export_resident(s, world.soonja.id)
        assert exported["alerts"][0]["follow_ups"][0]["heard"] == MISTAKE
        assert retention.erase_resident(s, world.soonja.id)["alert follow-ups"] == 1
    with world.hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertFollowUp)) == 0
