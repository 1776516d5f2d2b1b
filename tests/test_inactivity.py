"""The inactivity watchdog's two signals (turns with the speaker, and speech heard at all), and what the
evening summary counts as the day's alerts.

Driven on a simulated clock through the real emergency desk; what the microphone heard enters as the voice
loop's turns (a television's speech is a turn nobody answered: a transcript, no exchange).
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import free_port
from scheduler.clock import SimulatedClock
from emergency.desk import Trigger
from emergency.levels import AlertLevel
from scheduler.routines import EveningSummary, InactivityWatchdog, RoutineContext
from scheduler.store import Store
from speaker_app.config import ConfigError, parse_config
from speaker_app.conversation import Conversation
from speaker_app.dialog import RasaDialog
from speaker_app.recogniser import Transcript
from speaker_app.understanding import Understanding
from speaker_app.voice_loop import Turn

import pytest

SEOUL = ZoneInfo("Asia/Seoul")
TELEVISION = Turn(False, Transcript("오늘 의 날씨 입니다"), None)


class Nobody:
    def say(self, texts, louder=0):
        pass

    def ask(self, texts, expect, louder=0):
        return None


def quiet_day(tmp_path):
    """Routines on a simulated clock from midnight, with no dialogue behind them (the port is free)."""
    clock = SimulatedClock(datetime(2026, 11, 25, 0, 0, tzinfo=SEOUL))
    config = parse_config({"dialog": {"url": f"http://127.0.0.1:{free_port()}"}})
    sent: list[dict] = []
    context = RoutineContext(config, clock, Conversation(RasaDialog(config.dialog.url, "watchdog", 1), 0.5),
                             Nobody(), Store(tmp_path / "speaker.db"), sent.append,
                             later=lambda at, job, run: None, started_at=clock.now())
    return clock, context, sent


def watched(tmp_path):
    clock, context, sent = quiet_day(tmp_path)
    return clock, context, InactivityWatchdog(context), sent


def alerts(sent: list[dict]) -> list[tuple[str, str]]:
    return [(e["payload"]["level"], e["payload"]["reason"]) for e in sent if e["type"] == "alert"]


def run_until(clock, watchdog, hours: float, every=timedelta(minutes=30), hear=None):
    end = clock.now() + timedelta(hours=hours)
    while clock.now() < end:
        clock.advance(every)
        if hear is not None:
            hear()
        watchdog.run()


def test_a_television_is_speech_but_no_conversation(tmp_path):
    clock, context, watchdog, sent = watched(tmp_path)
    run_until(clock, watchdog, 15, hear=lambda: context.heard(TELEVISION))
    (level, reason), = alerts(sent)
    assert level == "notice" and reason.startswith("no conversation for 14.0 hours")
    assert "speech last heard 11-25 14:00" in reason  # the television was on: the house is not silent


def test_a_silent_house_is_a_notice_of_its_own_once(tmp_path):
    clock, _, watchdog, sent = watched(tmp_path)
    run_until(clock, watchdog, 20)
    assert alerts(sent) == [("notice", "no conversation for 14.0 hours (last: 11-25 00:00; speech last heard "
                                       "11-25 00:00)"),
                            ("notice", "no speech heard at all for 16.0 hours: a silent house "
                                       "(last conversation: 11-25 00:00)")]


def test_speech_ends_the_silence_and_a_new_silence_is_told_again(tmp_path):
    clock, context, watchdog, sent = watched(tmp_path)
    run_until(clock, watchdog, 16.5)
    context.heard(TELEVISION)
    run_until(clock, watchdog, 16.5)
    silent = [reason for _, reason in alerts(sent) if "silent house" in reason]
    assert len(silent) == 2


def test_a_turn_with_the_speaker_is_speech_too(tmp_path):
    clock, context, watchdog, sent = watched(tmp_path)
    clock.advance(timedelta(hours=10))
    context.store.turn(clock.now(), "잘 잤어요", "sleep_good", "none", "morning_call")
    run_until(clock, watchdog, 10)
    assert not any("silent house" in reason for _, reason in alerts(sent))


def test_the_silence_threshold_is_checked(tmp_path):
    with pytest.raises(ConfigError, match="inactivity.silent_notice_h"):
        parse_config({"inactivity": {"silent_notice_h": 0}})


def test_the_evening_summary_counts_alerts_not_their_repeats_or_cancellations(tmp_path):
    clock, context, sent = quiet_day(tmp_path)
    clock.advance(timedelta(hours=15))
    alert = context.desk.raise_alert(Trigger(AlertLevel.EMERGENCY, "emergency", "살려 주세요", "voice:emergency", "rule"))
    clock.advance(timedelta(minutes=1))
    context.desk.raise_alert(Trigger(AlertLevel.EMERGENCY, "emergency", "살려 주세요", "voice:emergency", "rule"))
    assert alert.repeats == 1
    context.desk.take(Understanding("괜찮아 잘못 말했어", "deny", 0.9, AlertLevel.NONE, "classifier"))
    clock.advance(timedelta(hours=6))
    EveningSummary(context).run()
    summary, = [e["payload"] for e in sent if e["type"] == "summary"]
    assert [a["reason"] for a in summary["data"]["alerts"]] == ["emergency"]
    assert "알림 1건" in summary["text"]
