"""A property-based fuzz of the device API from its own OpenAPI document
(schemathesis strategies driven by hypothesis, on PostgreSQL, the stricter
store): whatever a device sends, no 5xx, and nothing stored that the
envelope's schema would not take."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from carehub.app import create_app
from carehub.events import parse_body
from carehub.models import Event
from hub_support import World, database_url, make_hub

EXAMPLES = 200


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    hub = make_hub(database_url("postgresql", tmp_path_factory.mktemp("fuzz")))
    world = World(hub)
    app = create_app(hub)
    yield world, schemathesis.openapi.from_asgi("/api/openapi.json", app)
    hub.engine.dispose()


def plausible_times(body, now: str) -> None:
    """Generated times fall anywhere in years 1-9999, which the hub refuses; half the
    examples get the time a device with a working clock would send, to reach the store."""
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and "occurred_at" in item:
            item["occurred_at"] = now


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda m: m.value)
def test_no_input_makes_the_api_fail(fuzzed, mode):
    world, schema = fuzzed
    statuses = []

    @given(case=schema.as_strategy(mode, headers={"Authorization": f"Bearer {world.speaker_token}"}),
           device_clock=st.booleans())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def no_server_error(case, device_clock):
        if device_clock:
            plausible_times(case.body, world.hub.now().isoformat())
        response = case.call()
        statuses.append(response.status_code)
        assert response.status_code < 500, f"{case.as_curl_command()}\n-> {response.status_code} {response.text}"

    no_server_error()
    if mode is schemathesis.GenerationMode.POSITIVE:
        assert any(s < 300 for s in statuses), f"nothing valid got through: {sorted(set(statuses))}"
    else:
        assert any(400 <= s < 500 for s in statuses), sorted(set(statuses))


def test_everything_stored_is_a_valid_envelope(fuzzed):
    world, _ = fuzzed
    with world.hub.sessions() as s:
        events = s.scalars(select(Event)).all()
    assert len(events) >= 10, f"the fuzz stored {len(events)} events: it hardly got past validation"
    for event in events:
        body = {"id": event.event_id, "type": event.type, "occurred_at": event.occurred_at.isoformat(),
                "payload": event.payload}
        parse_body(json.dumps(body).encode(), 1, 64 * 1024, world.hub.now())
