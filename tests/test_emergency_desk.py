"""The emergency desk against a real care hub on 127.0.0.1 (uvicorn, SQLite), through the real outbox.

The resident is text at the edge: each turn is the Understanding the speaker's
decision path makes of what was heard (the distress rules, the classifier, or
a detector's hit with its strength), as speaker_app/understanding.py and the
voice loop build it. The device's clock is a FakeClock the test moves; the
hub's own clock is left where it is, as a hub's clock would be.
"""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from sqlalchemy import select

from carehub.app import create_app
from carehub.models import Alert, Event as HubEvent
from emergency.acknowledgement import HubAlerts
from emergency.desk import (ASK_FIRST, CALLING_HELP, CANCEL_NOTED, DECLINED, GUIDANCE_119, STILL_CALLING, Desk,
                            Trigger)
from emergency.levels import AlertLevel
from emergency.outbox import Event, Outbox
from emergency.sender import Hub, Sender
from hub_support import FakeClock, ServerThread, World, csrf_of, fresh_sqlite, make_hub, sign_in
from speaker_app.config import ConfigError, EmergencyConfig, parse_config
from speaker_app.understanding import Understanding

PLEA = Understanding("살려 주세요", "emergency", 1.0, AlertLevel.EMERGENCY, "rule")
YES = Understanding("네", "affirm", 0.97, AlertLevel.NONE, "classifier")
NO = Understanding("아니요 괜찮아요", "deny", 0.95, AlertLevel.NONE, "classifier")
ORDINARY = Understanding("오늘 날씨 좋네요", "out_of_scope", 0.9, AlertLevel.NONE, "classifier")


def spotted(strength: float, text: str = "살려") -> Understanding:
    """A plea the phrase spotter heard at this strength, the words giving no support (the voice loop's _plea)."""
    return Understanding(text, "emergency", strength, AlertLevel.EMERGENCY, "spotter")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    carehub = make_hub(fresh_sqlite(tmp_path_factory.mktemp("hub")))
    world = World(carehub)
    with ServerThread(create_app(carehub)) as server:
        world.url = server.url
        yield world
    carehub.engine.dispose()


class Device:
    """The speaker's side: the desk, the real outbox and sender, what the resident heard, the local record."""

    def __init__(self, hub: World, folder, **settings):
        self.hub = hub
        self.clock = FakeClock(dt.datetime.now(dt.timezone.utc))
        self.outbox = Outbox(folder / "outbox.db", self.clock.now)
        session = requests.Session()
        link = Hub(hub.url, hub.speaker_token, 5.0)
        self.sender = Sender(self.outbox, link, session)
        self.heard: list[str] = []
        self.recorded: list[tuple] = []
        self.sent: list[dict] = []
        self.desk = Desk(EmergencyConfig(**settings), self.clock.now, self.send, self.heard.extend,
                         lambda *row: self.recorded.append(row), HubAlerts(link, session))

    def send(self, envelope: dict) -> None:
        self.outbox.put(Event.from_envelope(envelope))
        self.sent.append(envelope)
        report = self.sender.send_due(self.clock.now())
        assert report.sent >= 1 and report.hub_away is None, report

    def opened_an_alert(self, event_id: str) -> bool:
        """Whether the hub made an alert of its own of this event (rather than attaching it to another)."""
        with self.hub.hub.sessions() as s:
            return s.scalar(select(Alert.id).join(HubEvent, Alert.event_id == HubEvent.id)
                            .where(HubEvent.event_id == event_id)) is not None

    def payloads(self) -> list[dict]:
        return [e["payload"] for e in self.sent]

    def at_hub(self, event_id: str) -> dict:
        answer = requests.get(f"{self.hub.url}/api/v1/alerts/{event_id}", timeout=5,
                              headers={"Authorization": f"Bearer {self.hub.speaker_token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stored(self, event_id: str) -> dict:
        with self.hub.hub.sessions() as s:
            event = s.scalar(select(HubEvent).where(HubEvent.event_id == event_id))
            assert event is not None, f"event {event_id} is not at the hub"
            return dict(event.payload)


@pytest.fixture
def device(hub, tmp_path):
    return Device(hub, tmp_path)


# --- triage: explicit pleas ----------------------------------------------------------------

def test_an_explicit_plea_is_escalated_at_once_with_a_calm_sentence(device):
    reply = device.desk.take(PLEA, asked="기분은 어떠세요?")
    assert reply.texts == (CALLING_HELP,) and not reply.asks  # no "are you sure?"
    (payload,) = device.payloads()
    assert payload["level"] == "emergency" and payload["reason"] == "emergency"
    assert payload["transcript"] == "살려 주세요"
    assert payload["context"]["asked"] == "기분은 어떠세요?" and payload["context"]["signal"] == "rule"
    assert payload["context"]["at"] == device.clock.now().isoformat()
    state = device.at_hub(device.sent[0]["id"])
    assert state["level"] == "emergency" and state["status"] == "open"
    assert device.recorded[0][1:] == ("emergency", "emergency", "살려 주세요")


@pytest.mark.parametrize("u", [spotted(0.9), Understanding("살려", "emergency", 0.3, AlertLevel.EMERGENCY, "rule+spotter"),
                               Understanding("숨이 차요 못 견디겠어요", "emergency", 0.93, AlertLevel.EMERGENCY, "classifier")])
def test_a_strong_hit_or_words_that_agree_need_no_question(device, u):
    assert device.desk.take(u).texts == (CALLING_HELP,)
    assert [p["level"] for p in device.payloads()] == ["emergency"]


# --- triage: weak signals ---------------------------------------------------------------------

WEAK = [spotted(0.4), Understanding("아이고", "out_of_scope", 0.7, AlertLevel.NONE, "classifier"),
        Understanding("나 좀 봐 줘", "emergency", 0.62, AlertLevel.EMERGENCY, "classifier"),
        Understanding("살려", "emergency", 0.1, AlertLevel.EMERGENCY, "template")]


@pytest.mark.parametrize("weak", WEAK, ids=["spotter-only", "groan", "unsure-classifier", "template-near-threshold"])
def test_a_weak_signal_asks_once_and_a_yes_escalates(device, weak):
    asked = device.desk.take(weak)
    assert asked.texts == (ASK_FIRST,) and asked.expect == "yes_no"
    assert device.sent == []  # nothing goes out on a weak signal alone
    assert device.desk.take(YES).texts == (CALLING_HELP,)
    (payload,) = device.payloads()
    assert payload["level"] == "emergency" and payload["transcript"] == f"{weak.text} / 네"
    assert payload["context"]["signal"].endswith("answered")


def test_a_clear_no_is_recorded_as_a_notice(device):
    device.desk.take(spotted(0.4))
    assert device.desk.take(NO).texts == (DECLINED,)
    (payload,) = device.payloads()
    assert payload["level"] == "notice" and "declined" in payload["context"]["signal"]
    assert device.at_hub(device.sent[0]["id"])["level"] == "notice"


def test_not_fine_is_not_a_no(device):
    device.desk.take(spotted(0.4))
    assert device.desk.take(Understanding("안 괜찮아요", "mood_bad", 0.8, AlertLevel.NONE, "classifier")).texts \
        == (CALLING_HELP,)
    assert [p["level"] for p in device.payloads()] == ["emergency"]


def test_silence_after_the_question_escalates(device):
    device.desk.take(spotted(0.4))
    device.clock.advance(seconds=5)
    assert device.desk.check() == [] and device.sent == []  # still within answer_wait_s (8 s)
    device.clock.advance(seconds=4)
    assert device.desk.check() == [CALLING_HELP]
    (payload,) = device.payloads()
    assert payload["level"] == "emergency" and payload["context"]["signal"] == "spotter 0.40, no answer"
    assert device.heard == [CALLING_HELP]


def test_ordinary_talk_is_left_to_the_dialogue(device):
    assert device.desk.take(ORDINARY) is None
    assert device.sent == []


def test_despair_and_complaints_are_passed_on_and_the_dialogue_answers(device):
    despair = Understanding("죽고 싶어", "despair", 1.0, AlertLevel.URGENT, "rule")
    complaint = Understanding("머리가 아파요", "health_complaint", 0.9, AlertLevel.NOTICE, "classifier")
    assert device.desk.take(despair) is None and device.desk.take(complaint) is None
    assert [(p["level"], p["reason"]) for p in device.payloads()] == [("urgent", "despair"),
                                                                      ("notice", "health_complaint")]


def test_a_request_to_call_the_family_tells_the_hub_and_the_dialogue_answers(device):
    request = Understanding("아들 한테 전화 좀 해 줘", "call_family", 0.9, AlertLevel.NONE, "classifier")
    assert device.desk.take(request) is None
    (payload,) = device.payloads()
    assert (payload["level"], payload["reason"]) == ("notice", "call_family")
    assert device.at_hub(device.sent[0]["id"])["level"] == "notice"


# --- cancellation ---------------------------------------------------------------------------

def test_a_cancellation_is_passed_on_and_the_alert_stays_open(device):
    device.desk.take(PLEA)
    original = device.sent[0]["id"]
    device.clock.advance(seconds=20)
    sorry = Understanding("괜찮아 잘못 말했어", "out_of_scope", 0.6, AlertLevel.NONE, "classifier")
    assert device.desk.wants(sorry.text)  # heard even without the wake word
    assert device.desk.take(sorry).texts == (CANCEL_NOTED,)
    request = device.sent[1]
    assert {k: request["payload"][k] for k in ("level", "reason", "cancels", "transcript")} == {
        "level": "emergency", "reason": "cancellation_request", "cancels": original,
        "transcript": "괜찮아 잘못 말했어"}
    assert device.stored(request["id"])["cancels"] == original  # the hub holds the request as sent
    assert device.at_hub(original)["status"] == "open"  # a request for the caregiver to judge, not a withdrawal
    assert not device.opened_an_alert(request["id"])  # attached to the original at the hub
    # The device itself neither repeats it nor sends a second request.
    device.desk.take(sorry)
    device.clock.advance(minutes=4)
    device.desk.check()
    assert len(device.sent) == 2 and GUIDANCE_119 not in device.heard


def test_a_plea_in_the_same_breath_is_no_cancellation(device):
    device.desk.take(PLEA)
    again = Understanding("괜찮 은 게 아니라 살려 줘", "emergency", 1.0, AlertLevel.EMERGENCY, "rule")
    assert device.desk.take(again).texts == (STILL_CALLING,)
    assert all(p["reason"] != "cancellation_request" for p in device.payloads())


def test_after_the_window_the_same_words_are_ordinary(device):
    device.desk.take(PLEA)
    device.clock.advance(minutes=3)
    assert not device.desk.wants("괜찮아 잘못 말했어")
    assert device.desk.take(Understanding("괜찮아", "mood_good", 0.9, AlertLevel.NONE, "classifier")) is None


# --- acknowledgement and its absence ----------------------------------------------------------------

def acknowledge_on_the_dashboard(hub: World, event_id: str, plan: str) -> None:
    """A caregiver signs in and acknowledges the alert on the hub's own pages."""
    with hub.hub.sessions() as s:
        alert_id = s.scalar(select(Alert.id).join(HubEvent, Alert.event_id == HubEvent.id)
                            .where(HubEvent.event_id == event_id))
    client, answer = sign_in(create_app(hub.hub), "kim", "kim-pass-123")
    assert answer.status_code in (302, 303), answer.text
    page = f"/alerts/{alert_id}"
    done = client.post(f"{page}/acknowledge", data={"csrf": csrf_of(client, page), "plan": plan},
                       follow_redirects=False)
    assert done.status_code in (302, 303), done.text


def test_when_someone_acknowledges_the_speaker_says_who_is_coming(device, hub):
    device.desk.take(PLEA)
    assert device.desk.check() == []  # asked the hub: nobody yet
    acknowledge_on_the_dashboard(hub, device.sent[0]["id"], "visiting")
    device.clock.advance(seconds=5)
    assert device.desk.check() == ["복지담당 김복지님이 지금 오고 계세요."]
    device.clock.advance(minutes=5)
    assert device.desk.check() == []  # said once; and no 119 guidance once someone is coming
    assert len(device.sent) == 1


def test_no_acknowledgement_in_three_minutes_gives_119_guidance_and_repeats_the_alert(device):
    device.desk.take(PLEA)
    first = device.sent[0]["id"]
    device.clock.advance(seconds=179)
    assert GUIDANCE_119 not in device.desk.check()
    device.clock.advance(seconds=1)
    assert device.desk.check() == [GUIDANCE_119]
    repeat = device.sent[1]
    assert repeat["id"] != first and repeat["payload"]["repeats"] == first
    assert repeat["payload"]["level"] == "emergency" and repeat["payload"]["context"]["unacknowledged_s"] == 180
    assert not device.opened_an_alert(repeat["id"])  # the hub attaches it to the first
    device.clock.advance(minutes=3)
    assert device.desk.check() == [] and len(device.sent) == 2  # once: the hub escalates along its chain
    assert device.at_hub(first)["status"] == "open"


def test_the_timeout_is_configurable(hub, tmp_path):
    device = Device(hub, tmp_path, ack_timeout_s=30)
    device.desk.take(PLEA)
    device.clock.advance(seconds=30)
    assert device.desk.check() == [GUIDANCE_119]


# --- repeats ------------------------------------------------------------------------------

def test_repeated_pleas_join_one_alert_with_one_follow_up(device):
    replies = [device.desk.take(PLEA).texts]
    for _ in range(4):
        device.clock.advance(seconds=30)
        replies.append(device.desk.take(spotted(0.9, "도와주세요")).texts)
    assert replies == [(CALLING_HELP,)] + [(STILL_CALLING,)] * 4
    first, follow_up = device.sent  # not five alerts: one, and one follow-up saying it repeated
    assert follow_up["payload"]["repeats"] == first["id"] and follow_up["payload"]["transcript"] == "도와주세요"
    assert not device.opened_an_alert(follow_up["id"])
    assert [r[2] for r in device.recorded] == ["emergency"] + [f"repeat {n}: emergency" for n in range(1, 5)]
    device.clock.advance(minutes=11)  # past the window: a new situation
    device.desk.take(PLEA)
    assert len(device.sent) == 3 and "repeats" not in device.sent[2]["payload"]


def test_routine_alerts_join_only_their_own_situation(device):
    missed = Trigger(AlertLevel.NOTICE, "dose missed: 혈압약 due 08:30", situation="dose missed: 혈압약 due 08:30")
    device.desk.raise_alert(missed)
    device.desk.raise_alert(missed)
    device.desk.raise_alert(Trigger(AlertLevel.URGENT, "morning call unanswered after 3 tries",
                                    situation="morning call unanswered after 3 tries"))
    assert [p.get("repeats") is not None for p in device.payloads()] == [False, True, False]


# --- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("section, key", [({"ack_timeout_s": 0}, "emergency.ack_timeout_s"),
                                          ({"spotter_strong_above": 1.5}, "emergency.spotter_strong_above"),
                                          ({"ack_poll_s": 300}, "emergency.ack_poll_s"),
                                          ({"answer_wait": 8}, "emergency.answer_wait")])
def test_a_bad_emergency_setting_is_named(section, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config({"emergency": section})
