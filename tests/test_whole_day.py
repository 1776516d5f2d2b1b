"""The main job, `speaker-app demo`: the whole simulated day on real components, asserted from its timeline
and from the care hub's own database.

What stands in for what: the resident's answers are typed at the recogniser's boundary; her call for help is
espeak-ng's voice, enrolled as her takes and heard by the template detector (no recognition is asserted on it);
the radio in the morning is the real recordings of ../shared/speech, which must wake and raise nothing.
"""
import json
import sqlite3

import pytest
import yaml

from conftest import ROOT, SPEECH, free_port, speaker_app
from pulse import DEVICE


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One run of the day; the demo starts its own Rasa server, here on a free port."""
    folder = tmp_path_factory.mktemp("whole-day")
    config = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    config["dialog"]["url"] = f"http://127.0.0.1:{free_port()}"
    path = folder / "speaker.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = speaker_app("demo", "--config", str(path), "--out", str(folder / "out"), "--no-wait", timeout=600)
    timeline = [json.loads(line) for line in (folder / "out" / "timeline.jsonl").read_text(encoding="utf-8")
                .splitlines()]
    hub = sqlite3.connect(folder / "out" / "hub" / "carehub.db")
    yield result, timeline, hub
    hub.close()


def sent(timeline: list[dict], kind: str) -> list[dict]:
    return [entry for entry in timeline if entry.get("event") == kind]


def test_the_day_runs_to_its_end_and_says_where_the_dashboard_is(day):
    result, _, _ = day
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dashboard: http://127.0.0.1:" in result.stdout and "login: welfare / " in result.stdout
    assert "CHECK FAILED" not in result.stderr


def test_every_routine_fired_at_its_time(day):
    _, timeline, _ = day
    jobs = [(entry["at"][11:16], entry["job"]) for entry in timeline if "job" in entry]
    for expected in [("08:00", "morning_call"), ("08:30", "dose 혈압약"), ("10:00", "radio"),
                     ("15:00", "call_for_help"), ("15:01", "caregiver"), ("20:00", "dose 혈압약"), ("22:30", "summary")]:
        assert expected in jobs, f"{expected} not in {jobs}"
    times = [entry["at"] for entry in timeline if "at" in entry]
    assert times == sorted(times)  # one thing at a time


def test_the_real_recordings_wake_nothing_and_raise_nothing(day):
    _, timeline, _ = day
    heard = [entry for entry in timeline if entry.get("routine") == "radio" and "woke" in entry]
    if SPEECH.is_dir():
        assert len(heard) >= 6
    assert all(not entry["woke"] and entry["alerts"] == [] for entry in heard)


def test_every_alert_reached_the_hub_exactly_once_with_its_level(day):
    _, timeline, hub = day
    alerts = {entry["payload"]["reason"]: entry["payload"]["level"] for entry in sent(timeline, "alert")}
    assert alerts.get("health_complaint") == "notice"
    assert any(level == "emergency" for level in alerts.values())
    # The call is espeak-ng's voice: the template detector (her enrolled takes) must be what heard it, so the
    # emergency never rests on the recogniser reading espeak-ng.
    (heard,) = [e for e in timeline if e.get("routine") == "call for help" and "alert_level" in e]
    assert heard["detected"] == "template" and heard["alert_level"] == "emergency"
    assert any(reason.startswith("dose missed") and level == "notice" for reason, level in alerts.items())
    stored = {row[0]: row[1] for row in hub.execute(
        "SELECT e.event_id, a.level FROM alerts a JOIN events e ON a.event_id = e.id")}
    posted = {entry["id"]: entry["payload"]["level"] for entry in sent(timeline, "alert")
              if not {"repeats", "cancels"} & entry["payload"].keys()}
    assert stored == posted


def test_the_caregivers_acknowledgement_reaches_the_resident(day):
    _, timeline, hub = day
    (status, plan), = hub.execute("SELECT status, plan FROM alerts WHERE level = 'emergency'")
    assert (status, plan) == ("acknowledged", "visiting")
    said = [entry["said"] for entry in timeline if entry.get("said")]
    assert any("이영희님이 지금 오고 계세요" in text for text in said), said


def test_the_summary_holds_the_days_facts(day):
    _, timeline, hub = day
    (summary,) = sent(timeline, "summary")
    data = summary["payload"]["data"]
    assert data["doses_taken"] == ["혈압약"] and data["doses_missed"] == ["혈압약 20:00"]
    assert data["health_complaints"] == ["머리가 좀 아파요"]
    assert {a["level"] for a in data["alerts"]} == {"notice", "emergency"}
    (text,) = hub.execute("SELECT text FROM summaries")
    assert text[0] == summary["payload"]["text"]


# --- the same day on a sound device (--live) -----------------------------------------------------------------

CALL = "파란 우산 가져와"  # her own words for "help me", enrolled; not a phrase the spotter or the rules know
LIVE_SCRIPT = """\
date: 2026-11-25
resident: []   # nobody answers: the person at the device only calls for help when the timeline asks
"""


@pytest.mark.device
def test_the_day_runs_live_on_a_sound_device(pulse_server, tmp_path):
    """`--live` on a PulseAudio null sink: the speaker talks into the sink, its microphone is the sink's monitor.

    The person is a thread that reads the timeline and, when it asks for the call for help, plays her enrolled
    call into the sink in espeak-ng's voice (it stands for the resident). Her call is a phrase of her choosing
    that neither the spotter's phrase list nor the distress rules know, so only the template detector can hear
    it: nothing here passes on recognition of espeak-ng audio. Nobody answers the routines; the day is short.
    """
    import threading
    import time

    from speaker_app.audio import DeviceSink
    from speaker_app.voice import Voice
    from wakeword.detection import DISTRESS
    from wakeword.enrolment import EnrolmentStore, trim_to_speech

    enrolment = tmp_path / "enrolment"
    voice = Voice(120)
    EnrolmentStore(enrolment).add("call-for-help", CALL, DISTRESS,
                                  [trim_to_speech(voice.synthesise(CALL)) for _ in range(3)])
    config = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    config["dialog"]["url"] = f"http://127.0.0.1:{free_port()}"
    config["audio"] = {"input_device": DEVICE, "output_device": DEVICE}
    config["enrolment"]["folder"] = str(enrolment)
    config["vad"]["no_answer_s"] = 3
    config["morning_call"]["tries"] = 1
    config["medications"] = [{"name": "혈압약", "times": ["08:30"], "snooze_min": 30, "window_min": 31}]
    path = tmp_path / "speaker.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    script = tmp_path / "day.yaml"
    script.write_text(LIVE_SCRIPT, encoding="utf-8")
    out = tmp_path / "out"

    call = trim_to_speech(Voice(140).synthesise(CALL))
    timeline = out / "timeline.jsonl"
    stop = threading.Event()

    def person() -> None:
        while not stop.wait(0.3):
            if timeline.exists() and CALL in timeline.read_text(encoding="utf-8"):
                time.sleep(1.0)
                DeviceSink(DEVICE).play(call)
                return

    threading.Thread(target=person, daemon=True).start()
    try:
        result = speaker_app("demo", "--live", "--no-wait", "--config", str(path), "--script", str(script),
                             "--out", str(out), timeout=600)
    finally:
        stop.set()
    assert result.returncode == 0, result.stderr[-3000:]
    entries = [json.loads(line) for line in timeline.read_text(encoding="utf-8").splitlines()]
    detected = [e for e in entries if e.get("routine") == "call for help" and "alert_level" in e]
    assert detected and detected[0]["alert_level"] == "emergency" and detected[0]["detected"] == "template"
    radio = [e for e in entries if e.get("routine") == "radio" and "woke" in e]
    assert all(not e["woke"] and e["alerts"] == [] for e in radio)
    unanswered = [e for e in entries if e.get("routine") == "morning_call"]
    assert unanswered and all(e.get("heard") is None for e in unanswered if "heard" in e)
    assert any("이영희님이 지금 오고 계세요" in (e.get("said") or "") for e in entries)
