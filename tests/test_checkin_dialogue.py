"""The dialogues of dialogs/ on a real Rasa server and its action server: the morning check-in,
the medication reminder, help, and the small requests, with the payloads the speaker acts on.

The resident's lines go through the speaker's own decision path (`Conversation`), written the
way the recogniser writes Korean.
"""
import datetime as dt
import importlib.util
import time

import pytest

from conftest import recording
from emergency.levels import AlertLevel
from speaker_app.conversation import Conversation
from speaker_app.dialog import DialogReply, RasaDialog
from speaker_app.dialogue_setup import DIALOGS


def korean_clock():
    # The action's own wording, loaded without rasa_sdk (which lives in the Rasa venv only).
    spec = importlib.util.spec_from_file_location("korean_clock", DIALOGS / "actions" / "korean_clock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Resident:
    """One resident's conversation with the speaker."""

    def __init__(self, rasa_url: str, honorific: str | None = None):
        self.dialog = RasaDialog(rasa_url, f"test-{time.time_ns()}", timeout_s=15, honorific=honorific)
        self.alerts = []
        self.conversation = Conversation(self.dialog, 0.5, on_alert=recording(self.alerts))

    def says(self, text: str) -> DialogReply:
        exchange = self.conversation.respond(text)
        assert exchange.error is None, exchange.error
        return exchange.reply


def payload(reply: DialogReply, key: str):
    found = [p[key] for p in reply.payloads if key in p]
    assert len(found) <= 1, reply.payloads
    return found[0] if found else None


def spoken(reply: DialogReply) -> str:
    return " ".join(reply.texts)


# --- the morning check-in -------------------------------------------------------------------

def test_a_check_in_asks_each_question_and_sends_the_answers(rasa_url):
    resident = Resident(rasa_url)
    opening = resident.dialog.start_checkin()
    assert "어르신" in spoken(opening) and opening.expect == "sleep"
    assert resident.says("잘 잤 어요").expect == "meal"
    assert resident.says("밥 먹었 어요").expect == "mood"
    assert resident.says("기분 좋아요").expect == "pain"
    end = resident.says("아니 없어요")
    checkin = payload(end, "checkin")
    assert checkin["status"] == "done"
    assert {k: checkin[k] for k in ("sleep", "meal", "mood", "pain", "pain_detail")} == \
        {"sleep": "good", "meal": "done", "mood": "good", "pain": "none", "pain_detail": None}
    assert [(a["topic"], a["answer"], a["intent"]) for a in checkin["answers"]] == [
        ("sleep", "잘 잤 어요", "sleep_good"), ("meal", "밥 먹었 어요", "meal_done"),
        ("mood", "기분 좋아요", "mood_good"), ("pain", "아니 없어요", "deny")]
    # Then the speaker offers to go on talking.
    assert end.expect == "yes_no"
    assert resident.alerts == []


def test_yes_and_no_answer_the_question_asked(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    resident.says("네")
    resident.says("아니요")
    resident.says("예")
    end = resident.says("아니")
    checkin = payload(end, "checkin")
    assert (checkin["sleep"], checkin["meal"], checkin["mood"], checkin["pain"]) == ("good", "skipped", "good", "none")


def test_a_complaint_brings_one_follow_up_about_the_pain(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    resident.says("잘 잤 어요")
    resident.says("밥 먹었 어요")
    follow_up = resident.says("무릎 이 쑤셔 요")
    assert follow_up.expect == "pain" and payload(follow_up, "checkin") is None
    end = resident.says("계단 내려갈 때 많이 시큰 거려요")
    checkin = payload(end, "checkin")
    assert checkin["status"] == "done"
    assert checkin["mood"] == "bad"
    assert checkin["pain"] == "무릎 이 쑤셔 요"
    assert checkin["pain_detail"] == "계단 내려갈 때 많이 시큰 거려요"
    # The speaker's own decision path marked the complaint for the daily review.
    assert {a.alert_level for a in resident.alerts} == {AlertLevel.NOTICE}


def test_yes_something_hurts_is_asked_where(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    for answer in ("잘 잤 어요", "먹었 어요", "좋아요"):
        resident.says(answer)
    follow_up = resident.says("네")
    assert follow_up.expect == "pain" and "어디" in spoken(follow_up)
    checkin = payload(resident.says("허리 가 좀 아파 요"), "checkin")
    assert (checkin["pain"], checkin["pain_detail"]) == ("yes", "허리 가 좀 아파 요")


def test_an_answer_given_early_is_not_asked_again(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    again = resident.says("아침 은 먹었 지")
    assert again.expect == "sleep"
    assert resident.says("푹 잤 어").expect == "mood"


def test_the_question_is_asked_again_when_asked_or_not_understood(rasa_url):
    resident = Resident(rasa_url)
    question = spoken(resident.dialog.start_checkin())
    repeated = resident.says("뭐라고 요")
    assert repeated.expect == "sleep" and spoken(repeated).endswith(question.split(". ")[-1])
    not_understood = resident.says("저 고양이 또 왔네")
    assert not_understood.expect == "sleep" and "못 알아들었어요" in spoken(not_understood)


def test_a_snoozed_check_in_is_sent_so_far_and_starts_again_later(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    resident.says("잘 잤 어요")
    later = resident.says("지금 바빠 이따 가 해")
    assert payload(later, "action") == "snooze" and later.expect is None
    checkin = payload(later, "checkin")
    assert (checkin["status"], checkin["sleep"], checkin["meal"]) == ("snoozed", "good", None)
    assert resident.dialog.start_checkin().expect == "sleep"


def test_a_stopped_check_in_asks_nothing_more(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    stopped = resident.says("그만 해라")
    assert payload(stopped, "action") == "stop" and stopped.expect is None
    assert payload(stopped, "checkin")["status"] == "stopped"


def test_the_time_asked_during_the_check_in_is_the_clock_and_the_question_comes_back(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    before = dt.datetime.now()
    reply = resident.says("지금 몇 시 야")
    after = dt.datetime.now()
    clock = korean_clock()
    assert reply.texts[0] in {clock.clock_sentence(before), clock.clock_sentence(after)}
    assert reply.expect == "sleep"


# --- the medication reminder ----------------------------------------------------------------

@pytest.mark.parametrize("answer, status", [("네 먹었 어요", "taken"), ("약 먹었 어", "taken"),
                                            ("아직 안 먹었 어", "not_yet"), ("아니", "not_yet")])
def test_the_medication_question_names_the_medicine_and_sends_the_answer(rasa_url, answer, status):
    resident = Resident(rasa_url)
    question = resident.dialog.remind_medication("혈압약")
    assert "혈압약" in spoken(question) and question.expect == "yes_no"
    end = resident.says(answer)
    assert payload(end, "medication") == {"medicine": "혈압약", "status": status}
    assert end.expect is None


def test_a_snoozed_reminder_is_sent_as_snoozed(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.remind_medication("당뇨약")
    later = resident.says("좀 이따 가")
    assert payload(later, "action") == "snooze"
    assert payload(later, "medication") == {"medicine": "당뇨약", "status": "snoozed"}


def test_the_medicine_said_unasked_is_sent_too(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.remind_medication("혈압약")
    resident.says("먹었 어요")
    unasked = resident.says("저녁 약 도 먹었 어")
    # The name of the last reminder is not kept: this is "약", whichever it was.
    assert payload(unasked, "medication") == {"medicine": "약", "status": "taken"}


# --- help -----------------------------------------------------------------------------------

def test_a_plea_during_the_check_in_is_escalated_and_ends_it(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.start_checkin()
    reply = resident.says("넘어졌 어 못 일어나 겠어")
    assert payload(reply, "escalate") == {"level": "emergency", "intent": "emergency"}
    assert payload(reply, "checkin")["status"] == "interrupted"
    assert reply.expect is None and "도움" in spoken(reply)
    assert [a.alert_level for a in resident.alerts] == [AlertLevel.EMERGENCY]


def test_a_plea_during_a_reminder_is_escalated(rasa_url):
    resident = Resident(rasa_url)
    resident.dialog.remind_medication("혈압약")
    reply = resident.says("가슴 이 너무 아파 요")
    assert payload(reply, "escalate")["level"] == "emergency"
    assert payload(reply, "medication") == {"medicine": "혈압약", "status": "interrupted"}


def test_despair_is_answered_warmly_and_escalated_as_urgent(rasa_url):
    resident = Resident(rasa_url, honorific="할머니")
    reply = resident.says("이제 그만 살고 싶다")
    assert payload(reply, "escalate") == {"level": "urgent", "intent": "despair"}
    assert "할머니" in spoken(reply) and "이야기" in spoken(reply)


def test_a_call_to_the_family_is_passed_on(rasa_url):
    reply = Resident(rasa_url).says("딸 한테 전화 좀 해 줘")
    assert payload(reply, "action") == "call_family"


# --- the honorific --------------------------------------------------------------------------

def test_the_honorific_comes_from_the_speaker(rasa_url):
    assert "할아버지" in spoken(Resident(rasa_url, honorific="할아버지").dialog.start_checkin())
    assert "어르신" in spoken(Resident(rasa_url).dialog.start_checkin())


def test_the_time_asked_alone_is_the_clock(rasa_url):
    before = dt.datetime.now()
    reply = Resident(rasa_url).says("오늘 무슨 요일 이야")
    clock = korean_clock()
    assert reply.texts == (clock.clock_sentence(before),) or reply.texts == (clock.clock_sentence(dt.datetime.now()),)


@pytest.mark.parametrize("when, words", [
    (dt.datetime(2026, 11, 25, 9, 5), "지금은 오전 아홉 시 오 분이에요. 오늘은 십일월 이십오일 수요일이에요."),
    (dt.datetime(2026, 6, 1, 0, 0), "지금은 밤 열두 시예요. 오늘은 유월 일일 월요일이에요."),
    (dt.datetime(2026, 10, 10, 13, 30), "지금은 오후 한 시 삼십 분이에요. 오늘은 시월 십일 토요일이에요."),
    (dt.datetime(2026, 1, 31, 19, 59), "지금은 저녁 일곱 시 오십구 분이에요. 오늘은 일월 삼십일일 토요일이에요."),
    (dt.datetime(2026, 3, 3, 4, 10), "지금은 새벽 네 시 십 분이에요. 오늘은 삼월 삼일 화요일이에요."),
])
def test_the_clock_is_read_in_korean_words(when, words):
    assert korean_clock().clock_sentence(when) == words
