"""Notifications to real servers on 127.0.0.1: a webhook receiver that checks
the HMAC signature (and fails or hangs on purpose), and an SMTP server."""
from __future__ import annotations

import email
import email.policy
import time

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from carehub.app import create_app
from carehub.config import SmtpSettings, WebhookSettings
from carehub.models import Delivery
from carehub.notify import EmailChannel, WebhookChannel
from hub_support import SECRET, FakeClock, Gateway, World, alert_envelope, bearer, database_url, free_port, make_hub


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.close()


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def hub_with(tmp_path, gateway, smtp_port, webhook_timeout=5.0):
    clock = FakeClock()
    channels = [WebhookChannel(WebhookSettings(gateway.url, SECRET, webhook_timeout), clock),
                EmailChannel(SmtpSettings("127.0.0.1", smtp_port, sender="hub@anbu.example", timeout_s=5))]
    hub = make_hub(database_url("sqlite", tmp_path), clock, channels, delivery_attempts=3)
    world = World(hub)
    with TestClient(create_app(hub)) as client:
        answer = client.post("/api/v1/events", json=alert_envelope(), headers=bearer(world.speaker_token))
        assert answer.status_code == 201
    return hub, clock


def deliveries(hub):
    with hub.sessions() as s:
        return {d.channel: d for d in s.scalars(select(Delivery))}


def test_an_alert_reaches_the_gateway_signed_and_the_mailbox(tmp_path, gateway, mailbox):
    hub, _ = hub_with(tmp_path, gateway, mailbox.port)
    hub.tick()
    assert len(gateway.received) == 1 and gateway.received[0]["valid"]
    body = gateway.received[0]["body"]
    assert body["to"] == {"name": "김복지", "address": "010-1111-1111", "phone": "010-1111-1111",
                          "email": "kim@example.org"}
    assert body["alert"]["level"] == "emergency" and body["alert"]["heard"] == "살려줘"
    assert body["alert"]["url"].endswith(f"/alerts/{body['alert']['id']}")
    [mail] = mailbox.messages
    assert mail["To"] == "kim@example.org"
    assert mail["Subject"] == "[안부 긴급] 이순자 할머니 — 도움 요청"
    assert "들린 말: “살려줘”" in mail.get_content()
    assert {d.status for d in deliveries(hub).values()} == {"sent"}


def test_a_failing_webhook_is_retried_with_backoff_and_never_holds_up_email(tmp_path, gateway, mailbox):
    gateway.failures_left = 2
    hub, clock = hub_with(tmp_path, gateway, mailbox.port)
    hub.tick()
    assert len(mailbox.messages) == 1
    webhook = deliveries(hub)["webhook"]
    assert webhook.status == "pending" and webhook.attempts == 1 and "HTTP 500" in webhook.last_error
    clock.advance(seconds=4)
    hub.tick()
    assert len(gateway.received) == 1, "not before the backoff"
    clock.advance(seconds=1)
    hub.tick()
    assert len(gateway.received) == 2 and deliveries(hub)["webhook"].status == "pending"
    clock.advance(seconds=9)
    hub.tick()
    assert len(gateway.received) == 2, "the second wait is twice the first"
    clock.advance(seconds=1)
    hub.tick()
    assert deliveries(hub)["webhook"].status == "sent" and deliveries(hub)["webhook"].attempts == 3
    assert len({r["delivery"] for r in gateway.received}) == 1, "the gateway can tell a retry from a new message"
    assert all(r["valid"] for r in gateway.received)


def test_a_hanging_webhook_does_not_delay_email(tmp_path, gateway, mailbox):
    gateway.hang_s = 3
    hub, _ = hub_with(tmp_path, gateway, mailbox.port, webhook_timeout=1.0)
    started = time.monotonic()
    hub.tick()
    assert len(mailbox.messages) == 1
    assert time.monotonic() - started < 2.5
    assert "timed out" in deliveries(hub)["webhook"].last_error


def test_a_dead_mail_server_gives_up_after_its_attempts(tmp_path, gateway):
    hub, clock = hub_with(tmp_path, gateway, free_port())
    for _ in range(3):
        hub.tick()
        clock.advance(minutes=1)
    mail = deliveries(hub)["email"]
    assert mail.status == "failed" and mail.attempts == 3 and "SMTP 127.0.0.1" in mail.last_error
    assert deliveries(hub)["webhook"].status == "sent"
