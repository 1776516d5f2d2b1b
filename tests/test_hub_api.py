"""The device API on SQLite and on a real PostgreSQL server: authentication,
idempotency, validation that names the field, and isolation between residents."""
from __future__ import annotations

import json
import threading
import uuid

import pytest
from sqlalchemy import func, select

from carehub import alerts
from carehub.models import Alert, Device, Event, User
from hub_support import device_client, world_on_both_databases  # noqa: F401 (fixtures)
from hub_support import START, alert_envelope, bearer, envelope


def count(world, model, *where) -> int:
    with world.hub.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def post(client, token, body, **headers):
    return client.post("/api/v1/events", content=json.dumps(body), headers={
        **bearer(token), "Content-Type": "application/json", **headers})


def test_an_event_posted_twice_is_stored_once_and_succeeds_both_times(world, client):
    event = alert_envelope()
    first = post(client, world.speaker_token, event)
    again = post(client, world.speaker_token, event)
    assert first.status_code == 201 and first.json()["results"] == [{"id": event["id"], "status": "stored"}]
    assert again.status_code == 200 and again.json()["results"] == [{"id": event["id"], "status": "duplicate"}]
    assert count(world, Event) == 1
    assert count(world, Alert) == 1


def test_a_batch_stores_the_new_and_answers_the_known(world, client):
    known, new = envelope(), envelope()
    post(client, world.speaker_token, known)
    answer = post(client, world.speaker_token, [known, new, new])
    assert answer.status_code == 201
    assert [r["status"] for r in answer.json()["results"]] == ["duplicate", "stored", "duplicate"]
    assert count(world, Event) == 2


def test_the_same_id_from_two_devices_is_two_events(world, client):
    event = envelope()
    assert post(client, world.speaker_token, event).status_code == 201
    assert post(client, world.other_token, event).status_code == 201
    assert count(world, Event) == 2


def test_concurrent_retries_of_one_event_store_it_once(world, client):
    event, answers = alert_envelope(), []

    def send():
        answers.append(post(client, world.speaker_token, event).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200] * 7 + [201]
    assert count(world, Event) == 1 and count(world, Alert) == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer "}])
def test_without_a_valid_token_nothing_is_stored(world, client, headers):
    answer = client.post("/api/v1/events", json=envelope(), headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json()["detail"][0]["field"] == "Authorization"
    assert count(world, Event) == 0


def test_a_revoked_token_is_refused(world, client):
    with world.hub.sessions() as s, s.begin():
        s.get(Device, world.speaker.id).revoked = True
    assert post(client, world.speaker_token, envelope()).status_code == 401


def _without(key):
    event = envelope()
    del event[key]
    return event


BAD = [
    ("id", _without("id"), 422),
    ("id", {**envelope(), "id": "not-a-uuid"}, 422),
    ("type", {**envelope(), "type": "gossip"}, 422),
    ("occurred_at", {**envelope(), "occurred_at": "2026-11-25T10:00:00"}, 422),
    ("occurred_at", {**envelope(), "occurred_at": "yesterday"}, 422),
    ("color", {**envelope(), "color": "blue"}, 422),
    ("payload.level", alert_envelope(level="none"), 422),
    ("payload.reason", envelope("alert", {"level": "urgent"}), 422),
    ("payload.transcript", envelope("alert", {"level": "urgent", "reason": "x", "transcript": "a" * 10_001}), 422),
    ("payload", {**envelope(), "payload": "hello"}, 422),
    ("payload.answers[0].topic", envelope("checkin", {"answers": [{"answer": "잘 잤어"}]}), 422),
    ("payload.status", envelope("medication", {"medicine": "혈압약", "status": "maybe"}), 422),
    ("payload.date", envelope("summary", {"date": "어제", "text": "..."}), 422),
    ("payload.signal", envelope("activity", {}), 422),
    ("payload.note", envelope("heartbeat", {"note": "a\x00b"}), 422),
    ("payload", envelope("heartbeat", {"blob": "가" * 30_000}), 413),
    ("body", [], 422),
    ("[1].type", [envelope(), {**envelope(), "type": None}], 422),
]


@pytest.mark.parametrize("field,body,status", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_a_bad_event_is_refused_with_the_field_named(world, client, field, body, status):
    answer = post(client, world.speaker_token, body)
    assert answer.status_code == status, answer.text
    assert field in [d["field"] for d in answer.json()["detail"]], answer.json()
    assert field in answer.json()["message"]
    assert count(world, Event) == 0


@pytest.mark.parametrize("raw,status,field", [
    (b"{not json", 400, "body"),
    (b'{"id": NaN}', 400, "body"),
    (b"[" + b",".join([json.dumps(envelope()).encode()] * 501) + b"]", 413, "body"),
    (b"x" * 600_000, 413, "body"),
])
def test_what_is_not_an_event_at_all(world, client, raw, status, field):
    answer = client.post("/api/v1/events", content=raw,
                         headers={**bearer(world.speaker_token), "Content-Type": "application/json"})
    assert answer.status_code == status
    assert answer.json()["detail"][0]["field"] == field
    assert count(world, Event) == 0


def test_only_json_is_taken(world, client):
    answer = client.post("/api/v1/events", content=json.dumps(envelope()),
                         headers={**bearer(world.speaker_token), "Content-Type": "text/plain"})
    assert answer.status_code == 415 and answer.json()["detail"][0]["field"] == "Content-Type"


def test_one_bad_event_in_a_batch_stores_none_of_it(world, client):
    assert post(client, world.speaker_token, [envelope(), {**envelope(), "id": "x"}]).status_code == 422
    assert count(world, Event) == 0


def test_a_plug_may_not_raise_alerts(world, client):
    answer = post(client, world.plug_token, alert_envelope())
    assert answer.status_code == 403 and answer.json()["detail"][0]["field"] == "type"
    assert post(client, world.plug_token, envelope("activity", {"signal": "power_change"})).status_code == 201


def test_a_device_posts_for_its_own_resident_only(world, client):
    answer = post(client, world.speaker_token,
                  envelope("heartbeat", {"resident_id": world.youngsu.id}))
    assert answer.status_code == 403 and answer.json()["detail"][0]["field"] == "payload.resident_id"
    post(client, world.speaker_token, alert_envelope())
    with world.hub.sessions() as s:
        assert s.scalars(select(Alert.resident_id)).all() == [world.soonja.id]


def test_a_device_reads_who_acknowledged_its_alert(world, client):
    event = alert_envelope()
    post(client, world.speaker_token, event)
    state = client.get(f"/api/v1/alerts/{event['id']}", headers=bearer(world.speaker_token)).json()
    assert state["status"] == "open" and state["say"] is None
    with world.hub.sessions() as s, s.begin():
        alert = s.scalar(select(Alert))
        alerts.acknowledge(world.hub.now(), alert, s.get(User, world.kim.id), "visiting")
    state = client.get(f"/api/v1/alerts/{event['id']}", headers=bearer(world.speaker_token)).json()
    assert state["status"] == "acknowledged"
    assert state["acknowledged_by"] == {"name": "김복지", "relation": "복지담당"}
    assert state["say"] == "복지담당 김복지님이 지금 오고 계세요."
    listed = client.get("/api/v1/alerts", headers=bearer(world.speaker_token)).json()
    assert [a["id"] for a in listed] == [event["id"]]


def test_a_device_cannot_read_another_devices_alerts(world, client):
    event = alert_envelope()
    post(client, world.speaker_token, event)
    other = bearer(world.other_token)
    assert client.get(f"/api/v1/alerts/{event['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/alerts", headers=other).json() == []
    assert client.get(f"/api/v1/alerts/{event['id']}").status_code == 401
    assert client.get(f"/api/v1/alerts/{uuid.uuid4()}", headers=bearer(world.speaker_token)).status_code == 404


def test_device_pairing_check(world, client):
    assert client.get("/api/v1/device", headers=bearer(world.plug_token)).json() == {
        "kind": "plug", "label": "전기밥솥", "resident": "이순자 할머니"}


def test_the_openapi_document_describes_the_envelope(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/events" in schema["paths"]
    body = schema["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EventBody"}
    assert {"AlertEvent", "AlertPayload", "HeartbeatEvent"} <= set(schema["components"]["schemas"])
    assert client.get("/api/docs").status_code == 200


def test_events_are_stored_as_sent(world, client):
    summary = envelope("summary", {"date": "2026-11-25", "text": "잘 지내셨어요.", "data": {"doses": 2}},
                       at=START)
    post(client, world.speaker_token, summary)
    with world.hub.sessions() as s:
        event = s.scalar(select(Event))
        assert event.occurred_at == START and event.event_id == summary["id"]
        assert event.payload == {"date": "2026-11-25", "text": "잘 지내셨어요.", "data": {"doses": 2}}


def test_the_scheduler_s_names_for_an_alert_are_taken_and_extra_keys_kept(world, client):
    event = envelope("alert", {"level": "urgent", "reason": "morning_call_unanswered", "heard": None, "tries": 3})
    assert post(client, world.speaker_token, event).status_code == 201
    event = envelope("alert", {"level": "emergency", "intent": "emergency", "heard": "살려 주세요"})
    assert post(client, world.speaker_token, event).status_code == 201
    with world.hub.sessions() as s:
        first, second = s.scalars(select(Alert).order_by(Alert.id)).all()
        assert (first.reason, first.heard) == ("morning_call_unanswered", None)
        assert (second.reason, second.heard) == ("emergency", "살려 주세요")
        payloads = s.scalars(select(Event.payload).order_by(Event.id)).all()
        assert payloads[0] == {"level": "urgent", "reason": "morning_call_unanswered", "transcript": None, "tries": 3}


@pytest.mark.parametrize("claimed", ["1970-01-01T09:00:00+09:00", "2031-01-01T00:00:00+09:00"])
def test_a_device_with_a_wrong_clock_is_still_heard(world, client, claimed):
    event = {**alert_envelope(), "occurred_at": claimed}
    answer = post(client, world.speaker_token, event)
    assert answer.status_code == 201
    assert "check the device's clock" in answer.json()["results"][0]["warning"]
    with world.hub.sessions() as s:
        alert = s.scalar(select(Alert))
        assert alert.occurred_at == world.hub.now() and alert.detail["device_clock"].startswith(claimed[:4])
        assert s.scalar(select(Event.payload))["device_clock"] == alert.detail["device_clock"]
