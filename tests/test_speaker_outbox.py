"""The speaker's events go through the durable outbox to the hub (a real HTTP server on 127.0.0.1)."""
import time
import uuid
from datetime import datetime, timezone

from conftest import speaker_app, write_config
from hub_server import TOKEN, HubServer
from scheduler.clock import SystemClock
from speaker_app.cli import deliver, open_outbox
from speaker_app.config import parse_config


def envelope(kind: str, payload: dict) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "occurred_at": datetime.now(timezone.utc).isoformat(),
            "payload": payload}


def test_an_alert_reaches_the_hub(tmp_path):
    with HubServer() as hub:
        config = parse_config({"hub": {"url": hub.url, "token": TOKEN, "outbox": str(tmp_path / "outbox.db")}})
        outbox, sending = open_outbox(config, SystemClock())
        try:
            alert = envelope("alert", {"level": "urgent", "reason": "morning call unanswered after 3 tries"})
            deliver(outbox, sending, alert)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and hub.store.stats()["stored"] < 1:
                time.sleep(0.05)
            assert hub.store.stats()["stored"] == 1
            assert outbox.status().waiting_count == 0
        finally:
            sending.stop()


def test_without_a_hub_events_wait_and_the_outbox_command_shows_them(tmp_path):
    config = parse_config({"hub": {"outbox": str(tmp_path / "outbox.db")}})
    outbox, sending = open_outbox(config, SystemClock())
    assert sending is None
    deliver(outbox, sending, envelope("alert", {"level": "notice", "reason": "dose missed: 혈압약 due 20:00"}))
    deliver(outbox, sending, envelope("heartbeat", {}))
    outbox.close()
    result = speaker_app("outbox", "--config", str(write_config(tmp_path, hub={"outbox": str(tmp_path / "outbox.db")})))
    assert result.returncode == 0, result.stderr
    assert "2" in result.stdout and "notice" in result.stdout, result.stdout
