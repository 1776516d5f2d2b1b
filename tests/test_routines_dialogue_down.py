"""With the dialogue server down, a dose reminder still reminds by name and a morning call still greets."""
from datetime import datetime
from zoneinfo import ZoneInfo

from conftest import free_port
from scheduler.clock import SimulatedClock
from scheduler.day import Day
from scheduler.routines import MedicationReminder, MorningCall, RoutineContext
from scheduler.store import Store
from speaker_app.config import parse_config
from speaker_app.conversation import APOLOGY, Conversation
from speaker_app.dialog import RasaDialog

SEOUL = ZoneInfo("Asia/Seoul")


class Listener:
    """The resident, who hears everything and answers nothing."""

    def __init__(self, clock):
        self.clock, self.said = clock, []

    def say(self, texts, louder=0):
        self.said.append((self.clock.now().strftime("%H:%M"), " ".join(texts), louder))

    def ask(self, texts, expect, louder=0):
        self.say(texts, louder)


def test_a_dose_reminder_names_the_medicine_when_the_dialogue_is_down(tmp_path):
    config = parse_config({"resident": {"honorific": "할머니"},
                           "medications": [{"name": "혈압약", "times": ["08:30"], "snooze_min": 30,
                                            "window_min": 90}],
                           "dialog": {"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 1}})
    due = datetime(2026, 11, 25, 8, 30, tzinfo=SEOUL)
    clock = SimulatedClock(due)
    listener = Listener(clock)
    sent = []
    context = RoutineContext(config, clock, Conversation(RasaDialog(config.dialog.url, "down", 1), 0.5), listener,
                             Store(tmp_path / "speaker.db"), sent.append, later=lambda at, job, run: None)
    day = Day(context, clock)
    day.later(due, ("dose", "혈압약"), MedicationReminder(context, config.medications[0], due).start)
    day.run_until(datetime(2026, 11, 25, 12, 0, tzinfo=SEOUL))

    reminder = "할머니, 혈압약 드실 시간이에요. 잊지 말고 챙겨 드세요."
    assert listener.said == [("08:30", reminder, 0), ("09:00", reminder, 1), ("09:30", reminder, 2)]
    assert all(APOLOGY not in text for _, text, _ in listener.said)
    assert [e["payload"]["status"] for e in sent if e["type"] == "medication"] == ["missed"]


class Answerer(Listener):
    """The resident, who answers the speaker's question (the recogniser wrote it so)."""

    def ask(self, texts, expect, louder=0):
        self.say(texts, louder)
        return "응 잘 잤어"


def morning_with_the_dialogue_down(tmp_path, resident_of):
    config = parse_config({"resident": {"honorific": "할머니"}, "morning_call": {"tries": 2},
                           "dialog": {"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 1}})
    clock = SimulatedClock(datetime(2026, 11, 25, 8, 0, tzinfo=SEOUL))
    resident, sent = resident_of(clock), []
    context = RoutineContext(config, clock, Conversation(RasaDialog(config.dialog.url, "down", 1), 0.5), resident,
                             Store(tmp_path / "speaker.db"), sent.append, later=lambda at, job, run: None)
    day = Day(context, clock)
    day.later(clock.now(), ("morning_call",), MorningCall(context).run)
    day.run_until(datetime(2026, 11, 25, 12, 0, tzinfo=SEOUL))
    return resident, sent


def test_a_morning_call_with_the_dialogue_down_still_greets_and_an_answer_is_a_check_in(tmp_path):
    resident, sent = morning_with_the_dialogue_down(tmp_path, Answerer)
    assert resident.said[0] == ("08:00", "안녕하세요 할머니. 좋은 아침이에요. 잘 주무셨어요?", 0)
    assert [e["type"] for e in sent] == ["checkin"]  # she answered: no "unanswered" alert for an outage


def test_a_morning_call_with_the_dialogue_down_nobody_answers_is_still_an_alert(tmp_path):
    resident, sent = morning_with_the_dialogue_down(tmp_path, Listener)
    assert len(resident.said) == 2
    assert [(e["payload"]["level"], e["payload"]["reason"]) for e in sent if e["type"] == "alert"] == \
        [("urgent", "morning call unanswered after 2 tries")]
