"""The caregivers' dashboard: server-rendered Korean pages.

Every page asks `people.visible_resident_ids` what the signed-in person may
see; a resident or alert outside it answers 404, so a caregiver cannot even
learn that it exists. Every form carries the session's CSRF token, and every
look at a resident or an alert goes into the audit log.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from . import activity, alerts, audit, charts, login_limit, people, retention
from .config import LOCAL_TIME
from .models import (Alert, AlertStatus, Assignment, AuditEntry, Device, Event, Level, LoginSession, Resident,
                     Role, Summary, User)
from .security import new_token, same, token_hash, verify_password

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
SESSION_COOKIE = "carehub_session"
LOGIN_CSRF_COOKIE = "carehub_login_csrf"


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class NotFound(Exception):
    pass


# Pages only from this hub, never inside another site's frame (a hidden "확인했습니다" button
# under someone else's page would acknowledge an alert nobody read).
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
                    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def install(app) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error):
        return HTMLResponse(f"<p>권한이 없습니다. {error}</p><p><a href='/'>처음으로</a></p>", status_code=403)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _):
        return HTMLResponse("<p>찾을 수 없습니다.</p><p><a href='/'>처음으로</a></p>", status_code=404)


# --- what the templates show -----------------------------------------------------

def _local(at: dt.datetime | None, fmt: str = "%m/%d %H:%M") -> str:
    return at.astimezone(LOCAL_TIME).strftime(fmt) if at else "—"


def _ago(at: dt.datetime | None, now: dt.datetime) -> str:
    if at is None:
        return "기록 없음"
    seconds = max((now - at).total_seconds(), 0)
    if seconds < 60:
        return "방금"
    if seconds < 3600:
        return f"{seconds // 60:.0f}분 전"
    if seconds < 86400:
        return f"{seconds // 3600:.0f}시간 전"
    return f"{seconds // 86400:.0f}일 전"


templates.env.filters["local"] = _local
templates.env.globals.update(LEVEL_LABELS={k.value: v for k, v in alerts.LEVEL_LABELS.items()},
                             OUTCOMES=alerts.OUTCOMES, CAREGIVER_OUTCOMES=alerts.CAREGIVER_OUTCOMES,
                             PLANS=alerts.PLANS, reason_label=alerts.reason_label, kind_label=activity.kind_label)


def render(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    hub = request.app.state.hub
    now = hub.now()
    context = {"now": now, "ago": lambda at: _ago(at, now), "refresh_s": hub.settings.inbox_refresh_s, **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=SECURITY_HEADERS)


# --- who is signed in ------------------------------------------------------------

def signed_in(request: Request, session: Session) -> tuple[User, LoginSession]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if login is None or login.expires_at <= request.app.state.hub.now() or not login.user.active:
        raise LoginRequired()
    return login.user, login


def check_csrf(login: LoginSession, csrf: str) -> None:
    if not csrf or not same(csrf, login.csrf_token):
        raise Forbidden("요청이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.")


def require_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden("관리자만 할 수 있습니다.")


def visible_alert(session: Session, user: User, alert_id: int, for_change: bool = False) -> Alert:
    # Locked when it is to change: two caregivers acknowledging at once, the first one stands.
    alert = session.get(Alert, alert_id, with_for_update=for_change)
    if alert is None or not people.can_see(session, user, alert.resident_id):
        raise NotFound()
    return alert


def visible_resident(session: Session, user: User, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None or not people.can_see(session, user, resident_id):
        raise NotFound()
    return resident


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- signing in and out -------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return _login_form(request, next)


def _login_form(request: Request, next: str, error: str | None = None, status_code: int = 401) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"csrf": csrf, "next": next, "error": error},
                      status_code=status_code if error else 200)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=request.app.state.hub.settings.secure_cookies)
    return response


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form(""),
          next: str = Form("/")):
    hub = request.app.state.hub
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same(csrf, expected):
        raise Forbidden("로그인 화면을 새로 열어 주세요.")
    now, limit = hub.now(), hub.settings.login_limit
    # Behind a proxy, uvicorn's --proxy-headers puts the caregiver's own address here.
    address = request.client.host if request.client else "unknown"
    with hub.sessions() as session, session.begin():
        retry_at = limit.retry_at(session, now, username, address)
        if retry_at is not None:
            audit.record(session, now, None, "login_throttled", detail=f"{username[:64]} · {address}")
            return _login_form(request, next, login_limit.wait_message(now, retry_at), 429)
        user = session.scalar(select(User).where(User.username == username))
        if not verify_password(user.password_hash if user else None, password) or not user.active:
            limit.failed(session, now, username, address)
            audit.record(session, now, None, "login_failed", detail=f"{username[:64]} · {address}")
            return _login_form(request, next, "아이디 또는 비밀번호가 맞지 않습니다.")
        limit.succeeded(session, username)
        token = new_token()
        session.add(LoginSession(token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                                 created_at=now, expires_at=now + hub.settings.session_lifetime))
        audit.record(session, now, user, "login")
    # Only a path on this hub: a crafted next= must not send a caregiver elsewhere.
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = back(target)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=hub.settings.secure_cookies,
                        max_age=int(hub.settings.session_lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        check_csrf(login_session, csrf)
        audit.record(session, hub.now(), user, "logout")
        session.delete(login_session)
    response = back("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- the alert inbox -------------------------------------------------------------------

LEVEL_ORDER = case({Level.EMERGENCY.value: 0, Level.URGENT.value: 1, Level.NOTICE.value: 2}, value=Alert.level)


def inbox_alerts(session: Session, user: User, level: str | None) -> list[Alert]:
    query = (select(Alert).where(Alert.status != AlertStatus.RESOLVED,
                                 Alert.resident_id.in_(people.visible_resident_ids(user)))
             .options(selectinload(Alert.follow_ups)).order_by(LEVEL_ORDER, Alert.created_at))
    if level in {l.value for l in Level}:
        query = query.where(Alert.level == level)
    return list(session.scalars(query.limit(500)))


@router.get("/")
def inbox(request: Request, level: str | None = None):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        items = inbox_alerts(session, user, level)
        audit.record(session, hub.now(), user, "view_inbox", f"inbox:{level}" if level else "inbox", _ids(items))
        return render(request, "inbox.html", {"user": user, "csrf": login_session.csrf_token, "level": level,
                                              "alerts": items})


def _ids(items) -> str:
    """What a list showed, for the audit log: the ids, not the content."""
    return " ".join(str(item.id) for item in items)


@router.get("/inbox/rows")
def inbox_rows(request: Request, level: str | None = None):
    """The inbox's rows alone, which the page fetches every few seconds to show new alerts.
    Not audited: the page's own view is, and a record every few seconds for every open
    inbox would bury the log; what anyone did with an alert from it is recorded."""
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, _ = signed_in(request, session)
        items = inbox_alerts(session, user, level)
        response = render(request, "_inbox_rows.html", {"alerts": items})
        response.headers["X-Open-Alerts"] = str(len(items))
        return response


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        alert = visible_alert(session, user, alert_id)
        audit.record(session, hub.now(), user, "view_alert", f"alert:{alert.id}")
        return render(request, "alert.html", {"user": user, "csrf": login_session.csrf_token, "alert": alert,
                                              "error": request.query_params.get("error")})


def _alert_action(request: Request, alert_id: int, csrf: str, action: str, change) -> Response:
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        check_csrf(login_session, csrf)
        alert = visible_alert(session, user, alert_id, for_change=True)
        try:
            change(session, hub.now(), alert, user)
        except alerts.AlertError as error:  # raised before anything changed
            return back(f"/alerts/{alert_id}?error={quote(str(error))}")
        audit.record(session, hub.now(), user, action, f"alert:{alert.id}")
    return back(f"/alerts/{alert_id}")


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, alert_id: int, csrf: str = Form(""), plan: str = Form("")):
    def change(session, now, alert, user):
        if alerts.acknowledge(now, alert, user, plan or None):
            request.app.state.hub.escalation.share_acknowledgement(session, alert, now)
    return _alert_action(request, alert_id, csrf, "acknowledge_alert", change)


@router.post("/alerts/{alert_id}/note")
def note(request: Request, alert_id: int, csrf: str = Form(""), text: str = Form("")):
    return _alert_action(request, alert_id, csrf, "note_alert",
                         lambda session, now, alert, user: alerts.add_note(now, alert, user, text))


@router.post("/alerts/{alert_id}/resolve")
def resolve(request: Request, alert_id: int, csrf: str = Form(""), outcome: str = Form(""), text: str = Form("")):
    def change(session, now, alert, user):
        if outcome not in alerts.CAREGIVER_OUTCOMES:
            raise alerts.AlertError("처리 결과를 골라 주세요")
        if alert.status is AlertStatus.OPEN and alerts.acknowledge(now, alert, user):
            request.app.state.hub.escalation.share_acknowledgement(session, alert, now)
        alerts.resolve(now, alert, user, outcome, text)
    return _alert_action(request, alert_id, csrf, "resolve_alert", change)


# --- residents -----------------------------------------------------------------------

@router.get("/residents")
def residents(request: Request):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        rows = session.execute(
            select(Resident, func.max(Device.last_life_at))
            .outerjoin(Device, (Device.resident_id == Resident.id) & Device.revoked.is_(False))
            .where(Resident.id.in_(people.visible_resident_ids(user))).group_by(Resident.id)
            .order_by(Resident.name)).all()
        open_counts = dict(session.execute(
            select(Alert.resident_id, func.count()).where(Alert.status != AlertStatus.RESOLVED)
            .group_by(Alert.resident_id)).all())
        audit.record(session, hub.now(), user, "view_residents", "residents", _ids(r for r, _ in rows))
        return render(request, "residents.html", {"user": user, "csrf": login_session.csrf_token, "rows": rows,
                                                  "open_counts": open_counts})


@router.get("/residents/{resident_id}")
def resident_page(request: Request, resident_id: int):
    hub = request.app.state.hub
    now = hub.now()
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        resident = visible_resident(session, user, resident_id)
        audit.record(session, now, user, "view_resident", f"resident:{resident.id}")
        devices = [d for d in resident.devices if not d.revoked]
        quiet_after = dt.timedelta(hours=resident.inactivity_notice_hours)
        sources = [(d, activity.source_state(d, now, quiet_after)) for d in devices]
        lives = [d.last_life_at for d in devices if d.last_life_at]
        speakers = [d.last_heartbeat_at for d in devices if d.is_speaker and d.last_heartbeat_at]
        today = charts.local_day(now)
        days = charts.days_back(today)
        start = dt.datetime.combine(days[0], dt.time(), LOCAL_TIME)

        def events(kind: str, since: dt.datetime):
            return session.execute(select(Event.occurred_at, Event.payload).where(
                Event.resident_id == resident.id, Event.type == kind, Event.occurred_at >= since)
                .order_by(Event.occurred_at)).all()

        checkins = events("checkin", start)
        today_start = dt.datetime.combine(today, dt.time(), LOCAL_TIME)
        context = {
            "user": user, "csrf": login_session.csrf_token, "resident": resident, "sources": sources,
            "last_life": max(lives) if lives else None, "last_heartbeat": max(speakers) if speakers else None,
            "today_checkins": [(at, payload) for at, payload in checkins if at >= today_start],
            "summaries": session.scalars(select(Summary).where(Summary.resident_id == resident.id)
                                         .order_by(Summary.day.desc(), Summary.id.desc()).limit(14)).all(),
            "adherence_chart": charts.adherence_chart(days, charts.adherence(events("medication", start), days)),
            "mood_chart": charts.mood_chart(days, charts.mood(checkins, days)),
            "history": session.scalars(select(Alert).where(Alert.resident_id == resident.id)
                                       .order_by(Alert.created_at.desc()).limit(50)).all(),
        }
        return render(request, "resident.html", context)


@router.post("/summaries/{summary_id}/review")
def review_summary(request: Request, summary_id: int, csrf: str = Form("")):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        check_csrf(login_session, csrf)
        summary = session.get(Summary, summary_id)
        if summary is None or not people.can_see(session, user, summary.resident_id):
            raise NotFound()
        if summary.reviewed_at is None:
            summary.reviewed_at, summary.reviewed_by_id = hub.now(), user.id
        audit.record(session, hub.now(), user, "review_summary", f"summary:{summary.id}")
        return back(f"/residents/{summary.resident_id}#summaries")


# --- administration ------------------------------------------------------------------------

def _admin_page(request: Request, session: Session, user: User, csrf: str, **extra) -> HTMLResponse:
    context = {"user": user, "csrf": csrf,
               "users": session.scalars(select(User).order_by(User.role, User.name)).all(),
               "residents": session.scalars(select(Resident).order_by(Resident.name)).all(),
               "error": None, "new_token": None, **extra}
    return render(request, "admin.html", context, status_code=400 if context["error"] else 200)


@router.get("/admin")
def admin(request: Request):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        require_admin(user)
        audit.record(session, hub.now(), user, "view_admin", "admin")
        return _admin_page(request, session, user, login_session.csrf_token)


def _admin_action(request: Request, csrf: str, action: str, change) -> Response:
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        check_csrf(login_session, csrf)
        require_admin(user)
        try:
            target, shown = change(session, hub.now())
        except people.PeopleError as error:  # raised before anything changed
            return _admin_page(request, session, user, login_session.csrf_token, error=str(error))
        audit.record(session, hub.now(), user, action, target)
        if shown is not None:
            return _admin_page(request, session, user, login_session.csrf_token, **shown)
    return back("/admin")


# What an admin's form names that is no longer there (another admin removed it meanwhile).
MISSING = {User: "없는 사용자입니다", Resident: "없는 주민입니다", Assignment: "없는 배정입니다", Device: "없는 기기입니다"}


def _existing(session: Session, model, row_id: int):
    row = session.get(model, row_id)
    if row is None:
        raise people.PeopleError(MISSING[model])
    return row


@router.post("/admin/users")
def admin_add_user(request: Request, csrf: str = Form(""), username: str = Form(""), name: str = Form(""),
                   password: str = Form(""), role: str = Form("caregiver"), phone: str = Form(""),
                   email: str = Form(""), on_duty: str = Form("")):
    def change(session, now):
        if role not in {r.value for r in Role}:
            raise people.PeopleError("role: admin or caregiver")
        created = people.create_user(session, now, username, name, password, Role(role), phone, email, bool(on_duty))
        return f"user:{created.id}", None
    return _admin_action(request, csrf, "add_user", change)


@router.post("/admin/users/{user_id}/active")
def admin_set_active(request: Request, user_id: int, csrf: str = Form(""), active: str = Form("")):
    """Someone who leaves the centre keeps their name on what they did, but can no longer sign in
    and is skipped in every contact chain."""
    def change(session, now):
        target = _existing(session, User, user_id)
        if target.id == signed_in(request, session)[0].id:
            raise people.PeopleError("자기 자신은 비활성화할 수 없습니다")
        target.active = active == "1"
        return f"user:{target.id}", None
    return _admin_action(request, csrf, "activate_user" if active == "1" else "deactivate_user", change)


@router.post("/admin/residents")
def admin_add_resident(request: Request, csrf: str = Form(""), name: str = Form(""), honorific: str = Form("어르신"),
                       address: str = Form(""), notice_hours: float = Form(24.0), urgent_hours: float = Form(48.0)):
    def change(session, now):
        created = people.create_resident(session, now, name, honorific, address or None, notice_hours, urgent_hours)
        return f"resident:{created.id}", None
    return _admin_action(request, csrf, "add_resident", change)


@router.post("/admin/residents/{resident_id}/thresholds")
def admin_thresholds(request: Request, resident_id: int, csrf: str = Form(""), notice_hours: float = Form(...),
                     urgent_hours: float = Form(...)):
    def change(session, now):
        resident = _existing(session, Resident, resident_id)
        people.check_thresholds(notice_hours, urgent_hours)
        resident.inactivity_notice_hours, resident.inactivity_urgent_hours = notice_hours, urgent_hours
        return f"resident:{resident.id}", None
    return _admin_action(request, csrf, "set_thresholds", change)


@router.post("/admin/assignments")
def admin_assign(request: Request, csrf: str = Form(""), resident_id: int = Form(...), user_id: int = Form(...),
                 chain_order: int | None = Form(None), relation: str = Form("")):
    def change(session, now):
        resident, caregiver = _existing(session, Resident, resident_id), _existing(session, User, user_id)
        people.assign(session, resident, caregiver, chain_order, relation)
        return f"resident:{resident.id}", None
    return _admin_action(request, csrf, "assign", change)


@router.post("/admin/assignments/{assignment_id}/delete")
def admin_unassign(request: Request, assignment_id: int, csrf: str = Form("")):
    def change(session, now):
        assignment = _existing(session, Assignment, assignment_id)
        session.delete(assignment)
        return f"resident:{assignment.resident_id}", None
    return _admin_action(request, csrf, "unassign", change)


@router.post("/admin/devices")
def admin_add_device(request: Request, csrf: str = Form(""), resident_id: int = Form(...),
                     kind: str = Form("speaker"), label: str = Form(""),
                     silent_after_minutes: float | None = Form(None)):
    hub = request.app.state.hub

    def change(session, now):
        resident = _existing(session, Resident, resident_id)
        default = hub.settings.speaker_offline_after.total_seconds() / 60 if kind == "speaker" else None
        device, token = people.add_device(session, now, resident, kind, label, silent_after_minutes or default)
        return f"device:{device.id}", {"new_token": {"device": device, "token": token}}
    return _admin_action(request, csrf, "add_device", change)


@router.post("/admin/devices/{device_id}/revoke")
def admin_revoke_device(request: Request, device_id: int, csrf: str = Form("")):
    def change(session, now):
        device = _existing(session, Device, device_id)
        device.revoked = True
        return f"device:{device.id}", None
    return _admin_action(request, csrf, "revoke_device", change)


@router.get("/admin/residents/{resident_id}/export")
def admin_export(request: Request, resident_id: int):
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, _ = signed_in(request, session)
        require_admin(user)
        if session.get(Resident, resident_id) is None:
            raise NotFound()
        data = retention.export_resident(session, resident_id)
        audit.record(session, hub.now(), user, "export_resident", f"resident:{resident_id}")
    return Response(json.dumps(data, ensure_ascii=False, indent=1), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="resident-{resident_id}.json"'})


@router.post("/admin/residents/{resident_id}/erase")
def admin_erase(request: Request, resident_id: int, csrf: str = Form(""), confirm_name: str = Form("")):
    def change(session, now):
        resident = _existing(session, Resident, resident_id)
        if confirm_name.strip() != resident.name:
            raise people.PeopleError("삭제하려면 주민의 이름을 정확히 입력하세요")
        counts = retention.erase_resident(session, resident_id)
        return f"resident:{resident_id}", {"erased": counts}
    return _admin_action(request, csrf, "erase_resident", change)


@router.get("/admin/audit")
def admin_audit(request: Request, username: str = "", action: str = "", target: str = ""):
    """The audit log, newest first, narrowed by who, what, or on what (e.g. `resident:3`)."""
    hub = request.app.state.hub
    with hub.sessions() as session, session.begin():
        user, login_session = signed_in(request, session)
        require_admin(user)
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)
        for column, value in ((AuditEntry.username, username), (AuditEntry.action, action),
                              (AuditEntry.target, target)):
            if value.strip():
                query = query.where(column == value.strip())
        entries = session.scalars(query).all()
        audit.record(session, hub.now(), user, "view_audit", "audit",
                     " ".join(f"{k}={v}" for k, v in (("username", username), ("action", action),
                                                      ("target", target)) if v))
        return render(request, "audit.html", {"user": user, "csrf": login_session.csrf_token, "entries": entries,
                                              "filters": {"username": username, "action": action, "target": target},
                                              "ACTIONS": audit.ACTIONS})
