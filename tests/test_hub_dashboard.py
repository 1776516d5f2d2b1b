"""The caregivers' dashboard over HTTP: signing in, CSRF, the alert inbox,
what each caregiver may see (tested on both databases), and the audit log."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from carehub.app import create_app
from carehub.config import Settings, SettingsError
from carehub.login_limit import LoginLimit
from carehub.models import Alert, AlertStatus, AuditEntry, Event, Resident, Summary
from hub_support import World, alert_envelope, bearer, csrf_of, database_url, envelope, make_hub, sign_in


@pytest.fixture
def world(tmp_path, request):
    hub = make_hub(database_url(getattr(request, "param", "sqlite"), tmp_path))
    yield World(hub)
    hub.engine.dispose()


@pytest.fixture
def app(world):
    return create_app(world.hub)


def post_alert(app, token, level="emergency", transcript="살려줘"):
    with TestClient(app) as c:
        answer = c.post("/api/v1/events", json=alert_envelope(level, transcript), headers=bearer(token))
        assert answer.status_code == 201


def alert_ids(world, resident):
    with world.hub.sessions() as s:
        return s.scalars(select(Alert.id).where(Alert.resident_id == resident.id)).all()


def audit_actions(world):
    with world.hub.sessions() as s:
        return [(e.username, e.action, e.target) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_signing_in_and_out(world, app):
    client, answer = sign_in(app, "kim", "kim-pass-123")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/").headers["X-Frame-Options"] == "DENY"
    assert "알림함" in client.get("/").text
    client.post("/logout", data={"csrf": csrf_of(client)})
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    assert [a[1] for a in audit_actions(world) if not a[1].startswith("view_")] == ["login", "logout"]


def test_a_wrong_password_or_unknown_name_is_refused_alike(world, app):
    for username, password in (("kim", "wrong-password"), ("nobody", "kim-pass-123")):
        client, answer = sign_in(app, username, password)
        assert answer.status_code == 401
        assert "아이디 또는 비밀번호가 맞지 않습니다" in answer.text
        assert client.get("/", follow_redirects=False).status_code == 303
    assert [a[1] for a in audit_actions(world)] == ["login_failed", "login_failed"]


def test_wrong_passwords_for_one_account_lock_it_for_a_while(world, app):
    for _ in range(5):
        assert sign_in(app, "kim", "wrong-password", "10.0.0.1")[1].status_code == 401
    client, answer = sign_in(app, "kim", "kim-pass-123", "10.0.0.2")  # the right one, from elsewhere
    assert answer.status_code == 429 and "로그인 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요." in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(app, "park", "park-pass-123", "10.0.0.1")[1].status_code == 303, "other accounts are not locked"
    world.hub.clock.advance(minutes=10)
    assert "5분 뒤에" in sign_in(app, "kim", "kim-pass-123")[1].text
    world.hub.clock.advance(minutes=5)
    assert sign_in(app, "kim", "kim-pass-123")[1].status_code == 303
    assert ("system", "login_throttled") in [a[:2] for a in audit_actions(world)]
    with world.hub.sessions() as s:
        details = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "login_throttled")).all()
    assert details == ["kim · 10.0.0.2", "kim · testclient"]


def test_a_success_clears_the_accounts_count(world, app):
    for _ in range(4):
        sign_in(app, "kim", "wrong-password")
    assert sign_in(app, "kim", "kim-pass-123")[1].status_code == 303
    for _ in range(4):
        sign_in(app, "kim", "wrong-password")
    assert sign_in(app, "kim", "kim-pass-123")[1].status_code == 303


def test_one_address_guessing_many_accounts_is_stopped(tmp_path):
    hub = make_hub(database_url("sqlite", tmp_path), login_limit=LoginLimit(per_account=5, per_address=8))
    World(hub)
    app = create_app(hub)
    for i in range(8):
        assert sign_in(app, f"user{i}", "guess-123", "10.9.9.9")[1].status_code == 401
    answer = sign_in(app, "park", "park-pass-123", "10.9.9.9")[1]
    assert answer.status_code == 429 and "로그인 시도가 너무 많습니다" in answer.text
    assert sign_in(app, "park", "park-pass-123", "10.0.0.7")[1].status_code == 303
    hub.engine.dispose()


def test_login_needs_its_csrf_token(app):
    client = TestClient(app)
    client.get("/login")
    answer = client.post("/login", data={"username": "kim", "password": "kim-pass-123", "csrf": "forged"})
    assert answer.status_code == 403


def test_a_login_cannot_redirect_elsewhere(app):
    client = TestClient(app)
    page = client.get("/login?next=//evil.example/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"username": "kim", "password": "kim-pass-123", "csrf": csrf,
                                         "next": "//evil.example/"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_every_change_needs_the_sessions_csrf_token(world, app):
    post_alert(app, world.speaker_token)
    [alert_id] = alert_ids(world, world.soonja)
    client, _ = sign_in(app, "kim", "kim-pass-123")
    for path, data in ((f"/alerts/{alert_id}/acknowledge", {}), (f"/alerts/{alert_id}/note", {"text": "x"}),
                       ("/logout", {})):
        assert client.post(path, data=data).status_code == 403
        assert client.post(path, data={**data, "csrf": "forged"}).status_code == 403
    with world.hub.sessions() as s:
        alert = s.get(Alert, alert_id)
        assert alert.status is AlertStatus.OPEN and alert.notes == []


@pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)
def test_caregivers_see_only_their_own_residents(world, app):
    post_alert(app, world.speaker_token, transcript="살려줘 넘어졌어")
    post_alert(app, world.other_token, "urgent", transcript="죽고 싶어")
    [soonja_alert], [youngsu_alert] = alert_ids(world, world.soonja), alert_ids(world, world.youngsu)
    kim, _ = sign_in(app, "kim", "kim-pass-123")
    park, _ = sign_in(app, "park", "park-pass-123")
    admin, _ = sign_in(app, "admin", "admin-pass-1")

    inbox = kim.get("/").text
    assert "살려줘 넘어졌어" in inbox and "죽고 싶어" not in inbox
    assert "최영수" not in kim.get("/residents").text
    assert kim.get(f"/alerts/{youngsu_alert}").status_code == 404
    assert kim.get(f"/residents/{world.youngsu.id}").status_code == 404
    assert kim.post(f"/alerts/{youngsu_alert}/acknowledge", data={"csrf": csrf_of(kim)}).status_code == 404
    assert kim.get("/inbox/rows").headers["X-Open-Alerts"] == "1"
    assert kim.get("/admin").status_code == 403
    assert kim.get(f"/admin/residents/{world.youngsu.id}/export").status_code == 403

    assert "죽고 싶어" in park.get("/").text and "살려줘" not in park.get("/").text
    assert park.get(f"/alerts/{soonja_alert}").status_code == 404

    everything = admin.get("/").text
    assert "살려줘 넘어졌어" in everything and "죽고 싶어" in everything
    with world.hub.sessions() as s:
        assert s.get(Alert, youngsu_alert).status is AlertStatus.OPEN


def test_the_inbox_orders_by_level_then_age(world, app):
    post_alert(app, world.speaker_token, "notice", "머리가 아파")
    post_alert(app, world.speaker_token, "urgent", "살기 싫어")
    post_alert(app, world.speaker_token, "emergency", "살려줘")
    client, _ = sign_in(app, "kim", "kim-pass-123")
    rows = client.get("/inbox/rows").text
    assert rows.index("살려줘") < rows.index("살기 싫어") < rows.index("머리가 아파")
    only = client.get("/inbox/rows?level=notice").text
    assert "머리가 아파" in only and "살려줘" not in only


def test_acknowledge_note_and_resolve_are_recorded_with_who_and_when(world, app):
    post_alert(app, world.speaker_token)
    [alert_id] = alert_ids(world, world.soonja)
    client, _ = sign_in(app, "kim", "kim-pass-123")
    csrf = csrf_of(client)
    assert client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf": csrf, "plan": "visiting"}).status_code == 200
    client.post(f"/alerts/{alert_id}/note", data={"csrf": csrf, "text": "10분 뒤 도착"})
    page = client.post(f"/alerts/{alert_id}/resolve", data={"csrf": csrf, "outcome": "visited_ok", "text": "괜찮으심"})
    assert "처리 완료 — 방문 확인: 이상 없음, 김복지" in page.text
    with world.hub.sessions() as s:
        alert = s.get(Alert, alert_id)
        assert alert.acknowledged_by.name == "김복지" and alert.acknowledged_at == world.hub.now()
        assert alert.plan == "visiting" and alert.outcome == "visited_ok"
        assert [n.text for n in alert.notes] == ["10분 뒤 도착", "괜찮으심"]
        assert [st.action for st in alert.steps][-2:] == ["acknowledged", "resolved"]
    assert ("kim", "acknowledge_alert", f"alert:{alert_id}") in audit_actions(world)
    assert ("kim", "resolve_alert", f"alert:{alert_id}") in audit_actions(world)
    assert "열린 알림이 없습니다" in client.get("/").text


def test_what_a_device_sends_is_shown_as_text_never_as_markup(world, app):
    post_alert(app, world.speaker_token, transcript="<script>alert(1)</script>")
    [alert_id] = alert_ids(world, world.soonja)
    client, _ = sign_in(app, "kim", "kim-pass-123")
    for page in (client.get("/").text, client.get(f"/alerts/{alert_id}").text):
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_resolving_needs_an_outcome(world, app):
    post_alert(app, world.speaker_token)
    [alert_id] = alert_ids(world, world.soonja)
    client, _ = sign_in(app, "kim", "kim-pass-123")
    page = client.post(f"/alerts/{alert_id}/resolve", data={"csrf": csrf_of(client), "outcome": ""})
    assert "처리 결과를 골라 주세요" in page.text
    with world.hub.sessions() as s:
        assert s.get(Alert, alert_id).status is AlertStatus.OPEN


def test_the_residents_page_and_reviewing_a_summary(world, app):
    with TestClient(app) as device:
        for body in (envelope("summary", {"date": "2026-11-25", "text": "아침 식사를 하셨고 기분이 좋으셨어요."}),
                     envelope("checkin", {"answers": [{"topic": "sleep", "question": "잘 주무셨어요?",
                                                       "answer": "잘 잤어", "intent": "sleep_good"}]}),
                     envelope("heartbeat")):
            assert device.post("/api/v1/events", json=body, headers=bearer(world.speaker_token)).status_code == 201
    client, _ = sign_in(app, "son", "son-pass-123")
    page = client.get(f"/residents/{world.soonja.id}").text
    assert "아침 식사를 하셨고" in page and "잘 주무셨어요?" in page and "잘 잤어" in page
    assert 'data-chart="medication"' in page and 'data-chart="mood"' in page
    with world.hub.sessions() as s:
        summary_id = s.scalar(select(Summary.id))
    client.post(f"/summaries/{summary_id}/review", data={"csrf": csrf_of(client)})
    assert "이아들 님이" in client.get(f"/residents/{world.soonja.id}").text
    assert ("son", "view_resident", f"resident:{world.soonja.id}") in audit_actions(world)
    park, _ = sign_in(app, "park", "park-pass-123")
    assert park.post(f"/summaries/{summary_id}/review", data={"csrf": csrf_of(park)}).status_code == 404


def test_admins_manage_people_and_devices(world, app):
    admin, _ = sign_in(app, "admin", "admin-pass-1")
    csrf = csrf_of(admin, "/admin")
    admin.post("/admin/users", data={"csrf": csrf, "username": "lee", "name": "이자원", "password": "lee-pass-123"})
    admin.post("/admin/residents", data={"csrf": csrf, "name": "한말순", "notice_hours": 12, "urgent_hours": 24})
    with world.hub.sessions() as s:
        resident_id = s.scalar(select(Resident.id).where(Resident.name == "한말순"))
    page = admin.post("/admin/devices", data={"csrf": csrf, "resident_id": resident_id, "kind": "speaker"})
    token = re.search(r'id="device-token">([^<]+)<', page.text).group(1)
    with TestClient(app) as device:
        assert device.get("/api/v1/device", headers=bearer(token)).json()["resident"] == "한말순 어르신"
    admin.post(f"/admin/residents/{resident_id}/thresholds", data={"csrf": csrf, "notice_hours": 6, "urgent_hours": 12})
    refused = admin.post(f"/admin/residents/{resident_id}/thresholds",
                         data={"csrf": csrf, "notice_hours": 12, "urgent_hours": 6})
    assert refused.status_code == 400 and "thresholds" in refused.text
    with world.hub.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert (resident.inactivity_notice_hours, resident.inactivity_urgent_hours) == (6, 12)
    bad = admin.post("/admin/users", data={"csrf": csrf, "username": "x", "name": "x", "password": "short"})
    assert bad.status_code == 400 and "username" in bad.text
    actions = [a[1] for a in audit_actions(world)]
    assert actions.count("add_user") == 1 and "add_resident" in actions and "add_device" in actions


def test_a_deactivated_caregiver_is_signed_out_and_cannot_sign_in(world, app):
    kim, _ = sign_in(app, "kim", "kim-pass-123")
    admin, _ = sign_in(app, "admin", "admin-pass-1")
    admin.post(f"/admin/users/{world.kim.id}/active", data={"csrf": csrf_of(admin, "/admin"), "active": "0"})
    assert kim.get("/", follow_redirects=False).status_code == 303
    assert sign_in(app, "kim", "kim-pass-123")[1].status_code == 401
    refused = admin.post(f"/admin/users/{world.admin.id}/active", data={"csrf": csrf_of(admin, "/admin"), "active": "0"})
    assert refused.status_code == 400 and "자기 자신" in refused.text
    assert ("admin", "deactivate_user", f"user:{world.kim.id}") in audit_actions(world)


def test_export_and_erase_a_resident_are_audited(world, app):
    post_alert(app, world.speaker_token)
    admin, _ = sign_in(app, "admin", "admin-pass-1")
    export = admin.get(f"/admin/residents/{world.soonja.id}/export")
    data = export.json()
    assert data["resident"]["name"] == "이순자" and data["alerts"][0]["heard"] == "살려줘"
    assert "token_hash" not in data["devices"][0]
    csrf = csrf_of(admin, "/admin")
    refused = admin.post(f"/admin/residents/{world.soonja.id}/erase", data={"csrf": csrf, "confirm_name": "이순"})
    assert refused.status_code == 400
    admin.post(f"/admin/residents/{world.soonja.id}/erase", data={"csrf": csrf, "confirm_name": "이순자"})
    with world.hub.sessions() as s:
        assert s.get(Resident, world.soonja.id) is None
        assert s.scalar(select(func.count()).select_from(Event).where(Event.resident_id == world.soonja.id)) == 0
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
    actions = audit_actions(world)
    assert ("admin", "export_resident", f"resident:{world.soonja.id}") in actions
    assert ("admin", "erase_resident", f"resident:{world.soonja.id}") in actions
    assert "erase_resident" in admin.get("/admin/audit").text


def test_adherence_counts_taken_against_missed_only(world, app):
    with TestClient(app) as device:
        for status in ("taken", "missed", "snoozed", "stopped", "interrupted", "not_yet"):
            body = envelope("medication", {"medicine": "혈압약", "status": status})
            assert device.post("/api/v1/events", json=body, headers=bearer(world.speaker_token)).status_code == 201
    client, _ = sign_in(app, "kim", "kim-pass-123")
    page = client.get(f"/residents/{world.soonja.id}").text
    assert re.findall(r"<title>[0-9-]+: (\d+)%</title>", page) == ["50"]
    assert "복용과 누락만 셉니다" in page


def test_every_view_of_people_s_data_is_audited_and_the_admin_reads_it(world, app):
    post_alert(app, world.speaker_token)
    [alert_id] = alert_ids(world, world.soonja)
    kim, _ = sign_in(app, "kim", "kim-pass-123")
    kim.get("/")
    kim.get("/?level=urgent")
    kim.get("/residents")
    kim.get(f"/residents/{world.soonja.id}")
    kim.get(f"/alerts/{alert_id}")
    kim.get("/inbox/rows")
    assert kim.get("/admin/audit").status_code == 403
    with world.hub.sessions() as s:
        seen = [(e.action, e.target, e.detail) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.username == "kim").order_by(AuditEntry.id))]
    assert seen[1:] == [("view_inbox", "inbox", str(alert_id)), ("view_inbox", "inbox:urgent", ""),
                        ("view_residents", "residents", str(world.soonja.id)),
                        ("view_resident", f"resident:{world.soonja.id}", ""), ("view_alert", f"alert:{alert_id}", "")]

    admin, _ = sign_in(app, "admin", "admin-pass-1")
    admin.get("/admin")
    admin.get(f"/admin/residents/{world.soonja.id}/export")
    page = admin.get("/admin/audit?username=kim").text
    rows = re.findall(r'<tr data-action="([a-z_]+)">', page)
    assert rows == ["view_alert", "view_resident", "view_residents", "view_inbox", "view_inbox", "login"]
    assert "주민 목록 열람" in page
    page = admin.get(f"/admin/audit?target=resident:{world.soonja.id}").text
    assert re.findall(r'<tr data-action="([a-z_]+)">', page) == ["export_resident", "view_resident"]
    actions = [a[1] for a in audit_actions(world) if a[0] == "admin"]
    assert actions[-4:] == ["view_admin", "export_resident", "view_audit", "view_audit"]


def test_the_login_limit_is_set_from_the_environment():
    limit = Settings.from_env({"DATABASE_URL": "sqlite://", "CAREHUB_LOGIN_FAILURES_PER_ACCOUNT": "3",
                               "CAREHUB_LOGIN_WINDOW_MIN": "60"}).login_limit
    assert limit == LoginLimit(per_account=3, per_address=20, window=dt.timedelta(minutes=60))
    with pytest.raises(SettingsError, match="CAREHUB_LOGIN_WINDOW_MIN='soon': expected a number"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "CAREHUB_LOGIN_WINDOW_MIN": "soon"})
