"""The device API: speakers and other monitors post events and read back what
became of their alerts. A device is known only by its bearer token, and sees
nothing but its own resident's alerts that it raised."""
from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .events import BODY, FieldError, Rejected, check_allowed, parse_body, store
from .follow_ups import alert_for_envelope
from .models import Alert, AlertStatus, Assignment, Device, Event
from .security import token_hash

router = APIRouter(prefix="/api/v1", tags=["devices"])


class Unauthorized(Exception):
    pass


class StoredEvent(BaseModel):
    id: str
    status: str
    warning: str | None = None


class PostResult(BaseModel):
    results: list[StoredEvent]
    stored: int
    duplicates: int


class Person(BaseModel):
    name: str
    relation: str


class AlertState(BaseModel):
    id: str
    level: str
    status: str
    acknowledged_by: Person | None
    acknowledged_at: dt.datetime | None
    plan: str | None
    resolved_at: dt.datetime | None
    outcome: str | None
    say: str | None


class DeviceInfo(BaseModel):
    kind: str
    label: str
    resident: str


ERRORS = {code: {"description": text, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}, "detail": {"type": "array"}}}}}}
    for code, text in ((400, "not JSON"), (401, "no valid device token"), (403, "not this device's to post"),
                       (413, "too large"), (415, "not JSON"), (422, "a field is invalid; `detail` names it"))}


def rejected(status: int, errors: list[FieldError], headers: dict | None = None) -> JSONResponse:
    # A field's name can be a key the device sent, and that can be text no JSON encoder takes.
    errors = [FieldError(_printable(e.field), e.message) for e in errors]
    return JSONResponse({"message": "; ".join(f"{e.field}: {e.message}" for e in errors),
                         "detail": [e.as_dict() for e in errors]}, status_code=status, headers=headers)


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def unauthorized() -> JSONResponse:
    return rejected(401, [FieldError("Authorization", "expected 'Bearer <device token>' of a registered device")],
                    {"WWW-Authenticate": "Bearer"})


def authenticate(session: Session, authorization: str | None) -> Device:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    device = session.scalar(select(Device).where(Device.token_hash == token_hash(token.strip())))
    if device is None or device.revoked:
        raise Unauthorized()
    return device


@router.post("/events", response_model=PostResult, status_code=201,
             responses={200: {"description": "every event was already stored", "model": PostResult}, **ERRORS},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/EventBody"}}}}})
async def post_events(request: Request, authorization: str | None = Header(None)):
    """Store one event envelope, or a batch of them (a JSON list).

    The envelope's `id` is its idempotency key: an event posted again is not
    stored twice and is answered with success (200 when nothing new was stored).

    An `alert` with `payload.cancels` (the resident's cancellation request) or
    `payload.repeats` (the speaker sending an unacknowledged alert again) joins
    the earlier alert of the same resident rather than opening a new one; see
    `AlertPayload`. A cancellation whose alert the hub does not know yet is
    stored and attached when that alert arrives (201 with a `warning` naming
    `payload.cancels`), since a device's outbox may deliver out of order and
    a 4xx would make it drop the request."""
    hub = request.app.state.hub
    limit = hub.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return rejected(413, [FieldError("body", f"{declared} bytes; at most {limit}")])
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        return rejected(415, [FieldError("Content-Type", "expected application/json")])
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            return rejected(413, [FieldError("body", f"more than {limit} bytes")])
    try:
        results = await run_in_threadpool(_post, hub, authorization, bytes(raw))
    except Unauthorized:
        return unauthorized()
    except Rejected as error:
        return rejected(error.status, error.errors)
    stored = sum(r["status"] == "stored" for r in results)
    return JSONResponse({"results": results, "stored": stored, "duplicates": len(results) - stored},
                        status_code=201 if stored else 200)


def _post(hub, authorization: str | None, raw: bytes) -> list[dict]:
    with hub.sessions() as session, session.begin():
        device = authenticate(session, authorization)
        now = hub.now()
        envelopes = parse_body(raw, hub.settings.max_batch, hub.settings.max_payload_bytes, now)
        check_allowed(device, envelopes)
        return store(session, device, envelopes, now, hub.escalation)


def _say(alert: Alert, relation: str) -> str | None:
    """A sentence the speaker can say to the resident about who is coming."""
    if alert.acknowledged_by is None:
        return None
    who = f"{relation} {alert.acknowledged_by.name}".strip()
    if alert.plan == "visiting":
        return f"{who}님이 지금 오고 계세요."
    if alert.plan == "calling":
        return f"{who}님이 곧 전화하실 거예요."
    return f"{who}님이 알림을 확인했어요."


def _state(session: Session, alert: Alert, event_id: str) -> dict:
    relation = ""
    if alert.acknowledged_by_id:
        relation = session.scalar(select(Assignment.relation).where(
            Assignment.resident_id == alert.resident_id, Assignment.user_id == alert.acknowledged_by_id)) or ""
    by = alert.acknowledged_by
    return {"id": event_id, "level": alert.level.value, "status": alert.status.value,
            "acknowledged_by": {"name": by.name, "relation": relation} if by else None,
            "acknowledged_at": alert.acknowledged_at, "plan": alert.plan, "resolved_at": alert.resolved_at,
            "outcome": alert.outcome, "say": _say(alert, relation)}


def _device_alerts(device: Device):
    return (select(Alert, Event.event_id).join(Event, Alert.event_id == Event.id)
            .where(Alert.device_id == device.id, Event.device_id == device.id))


def _as_device(request: Request, authorization: str | None, read):
    """Answer `read(hub, session, device)` to a device known by its token, or 401."""
    hub = request.app.state.hub
    with hub.sessions() as session:
        try:
            device = authenticate(session, authorization)
        except Unauthorized:
            return unauthorized()
        return read(hub, session, device)


@router.get("/alerts", response_model=list[AlertState], responses=ERRORS)
def list_alerts(request: Request, authorization: str | None = Header(None)):
    """The alerts this device raised that are still open, or changed in the last day."""
    def read(hub, session, device):
        since = hub.now() - dt.timedelta(days=1)
        rows = session.execute(_device_alerts(device).where(or_(
            Alert.status != AlertStatus.RESOLVED, Alert.created_at >= since, Alert.resolved_at >= since))
            .order_by(Alert.id.desc()).limit(100)).all()
        return [_state(session, alert, event_id) for alert, event_id in rows]
    return _as_device(request, authorization, read)


@router.get("/alerts/{event_id}", response_model=AlertState,
            responses={404: {"description": "no such alert from this device"}, **ERRORS})
def get_alert(request: Request, event_id: uuid.UUID, authorization: str | None = Header(None)):
    """The acknowledgement state of one alert, by the id the device gave its event: the event
    that raised it, or a repeat of it that joined it."""
    def read(hub, session, device):
        alert = alert_for_envelope(session, device.resident_id, str(event_id), device_id=device.id)
        if alert is None:
            return rejected(404, [FieldError("event_id", "no alert with this id from this device")])
        return _state(session, alert, str(event_id))
    return _as_device(request, authorization, read)


@router.get("/device", response_model=DeviceInfo, responses=ERRORS)
def whoami(request: Request, authorization: str | None = Header(None)):
    """Which device this token belongs to: for checking a device's pairing with the hub."""
    return _as_device(request, authorization, lambda hub, session, device: {
        "kind": device.kind, "label": device.label, "resident": device.resident.display_name})


def openapi_components() -> dict:
    """The envelope's schemas, for the OpenAPI document (the endpoint reads its body itself)."""
    schema = BODY.json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["EventBody"] = schema
    return components
