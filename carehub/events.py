"""The event envelope devices post (../shared/design/ARCHITECTURE.md), its
validation, and what storing one changes at the hub.

Validation is strict on the envelope and on the fields the hub acts on, and
lets a payload carry more than that (a newer speaker may know more than this
hub): what is unknown is stored, bounded in size, and not acted on.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import (AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter,
                      ValidationError, field_validator)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import activity, follow_ups
from .follow_ups import CANCELLATION
from .models import Device, Event, Summary

EVENT_TYPES = ("alert", "checkin", "medication", "summary", "heartbeat", "activity")
# Sources other than the speaker only tell the hub that they (and the resident) are there.
NON_SPEAKER_TYPES = ("activity", "heartbeat")

Text = Annotated[str, StringConstraints(min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="allow")


class AlertPayload(Payload):
    level: Literal["notice", "urgent", "emergency"]
    # Either name is taken for each of these two: the speaker's modules grew them separately.
    reason: Text = Field(validation_alias=AliasChoices("reason", "intent"),
                         description="what raised it (also accepted as `intent`): an intent (emergency, despair, "
                                     "health_complaint), a routine (morning_call_unanswered, missed_dose, "
                                     "inactivity), or cancellation_request (see `cancels`)")
    transcript: LongText | None = Field(None, validation_alias=AliasChoices("transcript", "heard"),
                                        description="what the speaker heard (also accepted as `heard`); never audio")
    context: dict[str, Any] | None = Field(None, description="what the speaker had asked, and when")
    cancels: uuid.UUID | None = Field(
        None, validate_default=True,
        description="with `reason: cancellation_request` (and only then): the envelope id of the resident's "
                    "earlier alert that they asked to cancel, `level` being that alert's level. No new alert is "
                    "opened: the request (when, what was said) is shown on the earlier alert, which stays open "
                    "for a caregiver to judge. When that alert has not reached the hub yet the request is "
                    "stored all the same (201, with a `warning` naming `payload.cancels`) and attached when it "
                    "arrives; an id of another resident's alert never matches.")
    repeats: uuid.UUID | None = Field(
        None, description="the envelope id of an earlier alert that nobody acknowledged and that the speaker "
                          "sends again: it joins that alert as a repeat while the alert is open (raising its "
                          "level when the repeat's is higher), and is raised as an alert of its own when that "
                          "alert is resolved or unknown")

    @field_validator("cancels")
    @classmethod
    def _cancels_goes_with_its_reason(cls, cancels, info):
        requested = info.data.get("reason") == CANCELLATION
        if requested and cancels is None:
            raise ValueError("required with reason cancellation_request: the envelope id of the alert to cancel")
        if cancels is not None and not requested:
            raise ValueError("only with reason cancellation_request")
        return cancels

    @field_validator("repeats")
    @classmethod
    def _a_request_is_not_repeated(cls, repeats, info):
        if repeats is not None and info.data.get("reason") == CANCELLATION:
            raise ValueError("a cancellation request repeats nothing: leave it out")
        return repeats


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")
    topic: Text
    question: LongText | None = None
    answer: LongText | None = None
    intent: Annotated[str, StringConstraints(max_length=40)] | None = None


class CheckinPayload(Payload):
    answers: list[Answer] = Field(max_length=50)
    mood: Literal["good", "neutral", "bad"] | None = None


class MedicationPayload(Payload):
    medicine: Text
    status: Literal["taken", "not_yet", "missed", "snoozed", "stopped", "interrupted"] = Field(
        description="taken, not_yet (asked, not yet), missed (finally), snoozed (the resident asked to be "
                    "reminded later), stopped (the resident asked to stop the reminders), interrupted (the "
                    "reminder was cut short, by an alert or a turn); adherence counts taken against missed only")
    scheduled_for: AwareDatetime | None = None


class SummaryPayload(Payload):
    date: dt.date
    text: LongText
    data: dict[str, Any] = Field(default_factory=dict)


class HeartbeatPayload(Payload):
    pass


class ActivityPayload(Payload):
    signal: Text = Field(description="what the source saw: call, power_change, screen_on, speech ...")
    alive: bool = Field(True, description="false when the source reports that it saw nothing "
                                          "(a plug reading with no change): it is there, the resident is quiet")
    detail: dict[str, Any] | LongText | None = None


def _envelope(type_name: str, payload_model: type[Payload]) -> type[BaseModel]:
    namespace = {
        "__annotations__": {"id": uuid.UUID, "type": Literal[type_name], "occurred_at": AwareDatetime,
                            "payload": payload_model},
        "model_config": ConfigDict(extra="forbid"),
        "__doc__": f"An `{type_name}` event.",
    }
    if payload_model is HeartbeatPayload:  # a heartbeat has nothing to say, and may leave the payload out
        namespace["payload"] = Field(default_factory=HeartbeatPayload)
    return type(f"{type_name.capitalize()}Event", (BaseModel,), namespace)


ENVELOPES = [_envelope("alert", AlertPayload), _envelope("checkin", CheckinPayload),
             _envelope("medication", MedicationPayload), _envelope("summary", SummaryPayload),
             _envelope("heartbeat", HeartbeatPayload), _envelope("activity", ActivityPayload)]
AnyEnvelope = Annotated[Union[tuple(ENVELOPES)], Field(discriminator="type")]
_ENVELOPE = TypeAdapter(AnyEnvelope)
# What the OpenAPI document says the endpoint takes.
BODY = TypeAdapter(Union[AnyEnvelope, Annotated[list[AnyEnvelope], Field(min_length=1)]])


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class Rejected(Exception):
    """An envelope the hub will not store; `status` is the HTTP status that says why."""

    def __init__(self, status: int, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.status = status
        self.errors = errors


def parse_body(raw: bytes, max_batch: int, max_payload_bytes: int, now: dt.datetime) -> list[BaseModel]:
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as error:
        raise Rejected(400, [FieldError("body", f"not JSON: {error}")]) from None
    try:
        return _envelopes(data, max_batch, max_payload_bytes, now)
    except RecursionError:
        raise Rejected(422, [FieldError("payload", "nested too deeply")]) from None


def _envelopes(data, max_batch: int, max_payload_bytes: int, now: dt.datetime) -> list[BaseModel]:
    items, batch = (data, True) if isinstance(data, list) else ([data], False)
    if batch and not items:
        raise Rejected(422, [FieldError("body", "an empty batch")])
    if len(items) > max_batch:
        raise Rejected(413, [FieldError("body", f"a batch of {len(items)} events; at most {max_batch}")])
    envelopes, errors, too_large = [], [], False
    for index, item in enumerate(items):
        prefix = f"[{index}]." if batch else ""
        try:
            envelope = _ENVELOPE.validate_python(item)
        except ValidationError as error:
            errors.extend(FieldError(prefix + ("type" if e["type"].startswith("union_tag") else _field(e["loc"])),
                                     e["msg"]) for e in error.errors())
            continue
        sane = list(_sanity(item, envelope, max_payload_bytes, now))
        too_large = too_large or any(status == 413 for _, _, status in sane)
        errors.extend(FieldError(prefix + f, m) for f, m, _ in sane)
        envelopes.append(envelope)
    if errors:
        raise Rejected(413 if too_large else 422, errors)
    return envelopes


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large a number")
    return value


def _field(loc: tuple) -> str:
    parts = list(loc)
    if len(parts) > 0 and parts[0] in EVENT_TYPES:
        parts = parts[1:]  # the discriminator's tag, which names the model and not a field
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _sanity(item: dict, envelope: BaseModel, max_payload_bytes: int, now: dt.datetime):
    """What a schema cannot say: sizes, and text a database can store. Yields (field, message, status)."""
    for path, text in _strings(item):
        if "\x00" in text:
            yield path, "contains a NUL character", 422
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            yield path, "not valid Unicode (a lone surrogate)", 422
            return
    payload = item.get("payload", {})
    size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    if size > max_payload_bytes:
        yield "payload", f"{size} bytes; at most {max_payload_bytes}", 413


def _strings(value, path="body"):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, path)
            yield from _strings(item, f"{path}.{key}" if path != "body" else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_allowed(device: Device, envelopes: list[BaseModel]) -> None:
    errors = []
    for index, envelope in enumerate(envelopes):
        prefix = f"[{index}]." if len(envelopes) > 1 else ""
        if not device.is_speaker and envelope.type not in NON_SPEAKER_TYPES:
            errors.append(FieldError(prefix + "type", f"a {device.kind} source may post only "
                                                      f"{' or '.join(NON_SPEAKER_TYPES)} events"))
        claimed = getattr(envelope.payload, "resident_id", None)
        if claimed is not None and str(claimed) != str(device.resident_id):
            errors.append(FieldError(prefix + "payload.resident_id", "this device posts for its own resident only"))
    if errors:
        raise Rejected(403, errors)


def clock_problem(occurred_at: dt.datetime, now: dt.datetime) -> str | None:
    """Whether the device's clock is far off (a board without a battery-backed clock that
    booted without network). Its events are stored all the same, at the hub's time: a call
    for help is never refused over a clock."""
    if occurred_at > now + dt.timedelta(days=1):
        return "occurred_at: more than a day in the future; stored at the hub's time: check the device's clock"
    if occurred_at.year < 2020:
        return "occurred_at: before 2020; stored at the hub's time: check the device's clock"
    return None


def store(session: Session, device: Device, envelopes: list[BaseModel], now: dt.datetime, escalation) -> list[dict]:
    """Store each envelope once, keyed by (device, id); a repeat is answered as a success."""
    results = []
    dialect_insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    for envelope in envelopes:
        payload = envelope.payload.model_dump(mode="json", exclude_unset=True)
        occurred_at, warning = envelope.occurred_at, clock_problem(envelope.occurred_at, now)
        if warning:
            payload["device_clock"], occurred_at = occurred_at.isoformat(), now
        statement = (dialect_insert(Event)
                     .values(event_id=str(envelope.id), device_id=device.id, resident_id=device.resident_id,
                             type=envelope.type, occurred_at=occurred_at, received_at=now, payload=payload)
                     .on_conflict_do_nothing(index_elements=["device_id", "event_id"])
                     .returning(Event.id))
        event_pk = session.execute(statement).scalar()
        if event_pk is None:
            results.append({"id": str(envelope.id), "status": "duplicate"})
            continue
        warnings = [w for w in (warning, _apply(session, device, envelope, occurred_at, payload.get("device_clock"),
                                                event_pk, now, escalation)) if w]
        results.append({"id": str(envelope.id), "status": "stored",
                        **({"warning": "; ".join(warnings)} if warnings else {})})
    activity.seen(device, now)
    return results


def _apply(session: Session, device: Device, envelope: BaseModel, occurred_at: dt.datetime, device_clock: str | None,
           event_pk: int, now: dt.datetime, escalation) -> str | None:
    """What storing the event changes; returns a warning for the device, if any."""
    event_type, payload, warning = envelope.type, envelope.payload, None
    if event_type == "heartbeat":
        activity.heartbeat(device, occurred_at)
    elif event_type == "alert":
        detail = {"context": payload.context} if payload.context else {}
        if device_clock:
            detail["device_clock"] = device_clock
        warning = follow_ups.receive(session, now, escalation, device=device, envelope_id=str(envelope.id),
                                     payload=payload, event_pk=event_pk, occurred_at=occurred_at, detail=detail)
    elif event_type == "summary":
        session.add(Summary(resident_id=device.resident_id, event_id=event_pk, day=payload.date, text=payload.text,
                            data=payload.data, created_at=now))
    life = activity.life_shown(event_type, payload)
    if life:
        activity.life(device, occurred_at, life, now)
    return warning
