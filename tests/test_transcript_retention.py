"""What the resident said is kept on the device for routines.transcript_days, then only what it meant."""
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import free_port
from scheduler.clock import SimulatedClock
from scheduler.day import Day
from scheduler.routines import RoutineContext, TranscriptRetention
from scheduler.store import Store
from speaker_app.config import parse_config
from speaker_app.conversation import Conversation
from speaker_app.dialog import RasaDialog

SEOUL = ZoneInfo("Asia/Seoul")


class Nobody:
    """No one at the speaker: retention says nothing to anyone."""

    def say(self, texts, louder=0):
        raise AssertionError(f"retention spoke: {texts}")

    def ask(self, texts, expect, louder=0):
        raise AssertionError(f"retention asked: {texts}")


def context_on(clock, store, days):
    config = parse_config({"routines": {"transcript_days": days},
                           "dialog": {"url": f"http://127.0.0.1:{free_port()}"}})
    conversation = Conversation(RasaDialog(config.dialog.url, "retention", 1), 0.5)
    return RoutineContext(config, clock, conversation, Nobody(), store, lambda envelope: None,
                          later=lambda at, job, run: None)


def everything_said(path) -> list[str]:
    """Every stored text that could hold the resident's words."""
    db = sqlite3.connect(path)
    texts = [row[0] for row in db.execute("SELECT heard FROM turns UNION ALL SELECT heard FROM alerts "
                                          "UNION ALL SELECT answers FROM checkins UNION ALL SELECT text FROM summaries "
                                          "UNION ALL SELECT data FROM summaries") if row[0]]
    db.close()
    return texts


def test_transcripts_older_than_the_configured_days_are_forgotten_and_intents_kept(tmp_path):
    clock = SimulatedClock(datetime(2026, 11, 1, 8, 0, tzinfo=SEOUL))
    store = Store(tmp_path / "speaker.db")
    context = context_on(clock, store, days=7)
    store.turn(clock.now(), "머리 가 좀 아파요", "health_complaint", "notice", None)
    store.alert(clock.now(), "notice", "health_complaint", "머리 가 좀 아파요")
    store.checkin(clock.now(), {"sleep": {"intent": "sleep_bad", "said": "잠 을 못 잤어요"}}, False)
    clock.set(datetime(2026, 11, 6, 8, 0, tzinfo=SEOUL))
    store.turn(clock.now(), "잘 잤어요", "sleep_good", "none", "morning_call")

    clock.set(datetime(2026, 11, 8, 7, 59, tzinfo=SEOUL))  # one minute short of seven days
    TranscriptRetention(context).run()
    assert sum("머리" in t for t in everything_said(tmp_path / "speaker.db")) == 2
    assert any("잠 을 못 잤어요" in t for t in everything_said(tmp_path / "speaker.db"))

    clock.set(datetime(2026, 11, 8, 8, 1, tzinfo=SEOUL))
    TranscriptRetention(context).run()
    said = everything_said(tmp_path / "speaker.db")
    assert not any("머리" in t or "잠 을 못 잤어요" in t for t in said)
    assert any("잘 잤어요" in t for t in said), "a turn inside the window was forgotten too"
    # What it meant stays: the intents, the alert, the check-in's topics.
    start = datetime(2026, 11, 1, tzinfo=SEOUL)
    assert [intent for _, _, intent, _ in store.turns_between(start, clock.now())] == ["health_complaint", "sleep_good"]
    assert [(level, reason) for _, level, reason, _ in store.alerts_between(start, clock.now())] == \
        [("notice", "health_complaint")]
    assert store.checkins_between(start, clock.now()) == [{"sleep": {"intent": "sleep_bad"}, "complete": False}]


def test_retention_runs_every_night_at_three(tmp_path):
    start = datetime(2026, 11, 1, tzinfo=SEOUL)
    clock = SimulatedClock(start)
    context = context_on(clock, Store(tmp_path / "speaker.db"), days=30)
    day = Day(context, clock)
    day.plan(start, start + timedelta(days=2))
    assert [job.at for job in day.queue if job.name == "retention"] == \
        [datetime(2026, 11, 1, 3, 0, tzinfo=SEOUL), datetime(2026, 11, 2, 3, 0, tzinfo=SEOUL)]


def test_a_summary_keeps_that_there_were_complaints_but_not_their_words(tmp_path):
    clock = SimulatedClock(datetime(2026, 11, 1, 22, 30, tzinfo=SEOUL))
    store = Store(tmp_path / "speaker.db")
    context = context_on(clock, store, days=7)
    store.summary("2026-11-01", "오늘 대화는 2번 있었어요. 불편하다고 하신 곳: 머리 가 좀 아파요.",
                  {"day": "2026-11-01", "health_complaints": ["머리 가 좀 아파요"], "conversations": 2})
    clock.set(datetime(2026, 11, 8, 23, 0, tzinfo=SEOUL))  # within seven days of the summary's day
    TranscriptRetention(context).run()
    assert sum("머리" in t for t in everything_said(tmp_path / "speaker.db")) == 2
    clock.set(datetime(2026, 11, 9, 3, 0, tzinfo=SEOUL))
    TranscriptRetention(context).run()
    assert not any("머리" in t for t in everything_said(tmp_path / "speaker.db"))
    text, data = sqlite3.connect(tmp_path / "speaker.db").execute("SELECT text, data FROM summaries").fetchone()
    assert text == "오늘 대화는 2번 있었어요. 불편하다고 하신 곳: …." and '"conversations": 2' in data
