"""Whole days through the real routines, dialogue (a real Rasa server) and alerts, on a simulated clock."""
import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
import yaml

from carehub.events import parse_body
from conftest import ROOT, speaker_app


@pytest.fixture
def day_config(tmp_path, rasa_url):
    """The example device: a morning call at 08:00, 혈압약 at 08:30 and 20:00, quiet from 21:30."""
    config = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    config["dialog"]["url"] = rasa_url
    path = tmp_path / "speaker.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def simulate(config_file, scenario: str | Path) -> list[dict]:
    """A scenario of config/scenarios by name, or a script file."""
    script = scenario if isinstance(scenario, Path) else ROOT / "config" / "scenarios" / f"{scenario}.yaml"
    result = speaker_app("simulate-day", "--config", str(config_file), "--script", str(script), timeout=300)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def events(timeline: list[dict], kind: str) -> list[dict]:
    """The payloads of one kind, each checked against the care hub's own validation of envelopes."""
    payloads = [entry["payload"] for entry in timeline if entry.get("event") == kind]
    for payload in payloads:
        envelope = {"id": str(uuid.uuid4()), "type": kind, "occurred_at": "2026-11-25T10:00:00+09:00",
                    "payload": payload}
        parse_body(json.dumps(envelope).encode(), 1, 64_000, dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc))
    return payloads


def day_by_events(timeline: list[dict]) -> list[tuple[str, str, str]]:
    """The day event by event: (time HH:MM, type, what it says)."""
    said = {"checkin": lambda p: "complete" if p["complete"] else "partial",
            "medication": lambda p: f"{p['medicine']} {p['status']}",
            "alert": lambda p: f"{p['level']}: {p['reason']}",
            "summary": lambda p: p["date"]}
    return [(e["at"][11:16], e["event"], said[e["event"]](e["payload"])) for e in timeline if "event" in e]


def test_an_ordinary_good_day(day_config):
    timeline = simulate(day_config, "good-day")
    assert day_by_events(timeline) == [
        ("08:00", "checkin", "complete"),
        ("08:30", "medication", "혈압약 taken"),
        ("20:00", "medication", "혈압약 taken"),
        ("22:30", "summary", "2026-11-25"),
    ]
    (checkin,) = events(timeline, "checkin")
    assert checkin["attempt"] == 1 and checkin["mood"] == "good"
    assert {a["intent"] for a in checkin["answers"]} == {"sleep_good", "meal_done", "mood_good"}
    # Each dose was asked about by the dialogue, with the medicine's name.
    asked = [e["said"] for e in timeline if e.get("routine") == "medication" and "heard" in e]
    assert asked == ["어르신, 혈압약 드실 시간이에요. 드셨어요?"] * 2
    (summary,) = events(timeline, "summary")
    assert summary["data"]["doses_taken"] == ["혈압약", "혈압약"] and summary["data"]["doses_missed"] == []
    # The routines never overlap: every job starts after the one before it ended.
    times = [entry["at"] for entry in timeline]
    assert times == sorted(times)


def test_a_morning_call_nobody_answers(day_config):
    timeline = simulate(day_config, "no-answer-morning")
    assert day_by_events(timeline) == [
        ("08:20", "alert", "urgent: morning call unanswered after 3 tries"),
        ("10:30", "medication", "혈압약 missed"),
        ("10:30", "alert", "notice: dose missed: 혈압약 due 08:30"),
        ("14:00", "alert", "notice: no conversation for 14.0 hours (last: 11-25 00:00; "
                           "speech last heard 11-25 00:00)"),
        # Nothing was said at all, not even by a television: the silence is told apart.
        ("16:00", "alert", "notice: no speech heard at all for 16.0 hours: a silent house "
                           "(last conversation: 11-25 00:00)"),
        ("22:00", "medication", "혈압약 missed"),
        ("22:00", "alert", "notice: dose missed: 혈압약 due 20:00"),
        ("22:30", "summary", "2026-11-25"),
    ]
    calls = [e for e in timeline if e.get("routine") == "morning_call"]
    assert [(c["at"][11:16], c["heard"], c["louder"]) for c in calls] == \
        [("08:00", None, 0), ("08:10", None, 1), ("08:20", None, 2)]
    urgent = events(timeline, "alert")[0]
    assert urgent["transcript"] is None and urgent["context"]["at"].startswith("2026-")
    # Unanswered, each dose is asked again a little louder, up to the voice's cap.
    morning_dose = [e["louder"] for e in timeline if e.get("routine") == "medication" and e["at"] < "2026-11-25T11"]
    assert morning_dose[:3] == [0, 1, 2] and set(morning_dose[3:]) <= {2}


def test_a_missed_dose_and_a_health_complaint(day_config):
    timeline = simulate(day_config, "missed-dose-and-complaint")
    assert day_by_events(timeline) == [
        ("08:00", "checkin", "complete"),
        ("08:30", "medication", "혈압약 taken"),
        ("13:00", "alert", "notice: health_complaint"),
        ("20:00", "medication", "혈압약 not_yet"),
        ("22:00", "medication", "혈압약 missed"),
        ("22:00", "alert", "notice: dose missed: 혈압약 due 20:00"),
        ("22:30", "summary", "2026-11-25"),
    ]
    alerts = events(timeline, "alert")
    assert alerts[0]["transcript"] == "머리 가 좀 아파요"
    (summary,) = events(timeline, "summary")
    assert summary["data"]["health_complaints"] == ["머리 가 좀 아파요"]
    assert summary["data"]["doses_missed"] == ["혈압약 20:00"]  # the summary comes after the dose's window
    # After "not yet" the dose is asked again at the usual level; unanswered, louder; never in quiet hours.
    asks = [(e["at"][11:16], e["louder"]) for e in timeline if e.get("routine") == "medication" and "heard" in e]
    assert asks[1][1] == 0 and asks[2][1] == 0 and asks[3][1] == 1
    assert len(asks) > 2 and all(not ("21:30" <= at or at < "07:00") for at, _ in asks)


def test_a_dose_due_during_the_morning_call_waits_for_it_to_end(day_config, tmp_path):
    """The check-in at 08:29 runs past the 08:30 dose (its last question waits 40 s for an answer that does
    not come): the reminder starts only when the conversation is over."""
    config = yaml.safe_load(day_config.read_text(encoding="utf-8"))
    config["morning_call"]["time"] = "08:29"
    config["vad"]["no_answer_s"] = 40
    day_config.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    script = tmp_path / "late-call.yaml"
    script.write_text(yaml.safe_dump({"date": dt.date(2026, 11, 25), "resident": [
        {"at": "08:00", "answers": ["잘 잤어요", "네 먹었어요", "기분 좋아요", "아니 없어요"]}]},
        allow_unicode=True), encoding="utf-8")
    timeline = simulate(day_config, script)
    call = [e["at"] for e in timeline if e.get("routine") == "morning_call"]
    dose_job = next(e["at"] for e in timeline if e.get("job") == "dose 혈압약")
    first_ask = next(e["at"] for e in timeline if e.get("routine") == "medication")
    assert call[0] < "2026-11-25T08:30" < call[-1], "the check-in did not run past the dose's time"
    assert call[-1] <= dose_job <= first_ask
    assert [kind for _, kind, _ in day_by_events(timeline)][:1] == ["checkin"]


def test_real_recordings_as_replies_go_through_the_voice_path_and_raise_nothing(day_config, real_clips, tmp_path):
    """Real read speech (not a resident's answer) as a reply to the morning call, and said in the room
    unprompted: the voice path hears it, the dialogue asks again, and nothing is raised."""
    leopard = next(r["path"] for r in real_clips if "leopard" in r["file"])
    radio = next(r["path"] for r in real_clips if "out_of_context" in r["file"])
    script = tmp_path / "recorded.yaml"
    script.write_text(yaml.safe_dump({"date": dt.date(2026, 11, 25), "resident": [
        {"at": "07:50", "answers": [{"wav": str(leopard)}, "잘 잤어요", "네 먹었어요", "기분 좋아요", "아니 없어요"]},
        {"at": "08:25", "answers": ["네 먹었어요"]},
        {"at": "14:00", "says": {"wav": str(radio)}},
        {"at": "19:55", "answers": ["네 먹었어요"]}]}, allow_unicode=True), encoding="utf-8")
    timeline = simulate(day_config, script)
    first = next(e for e in timeline if e.get("routine") == "morning_call")
    assert isinstance(first["heard"], str) and first["heard"] not in ("잘 잤어요",)  # what the recogniser made of it
    second = [e for e in timeline if e.get("routine") == "morning_call"][1]
    assert second["said"].endswith("밤에 잘 주무셨어요?"), "the sleep question was not asked again"
    unprompted = next(e for e in timeline if e.get("routine") == "resident")
    assert unprompted["said"] is None, "speech without the wake word was answered"
    assert events(timeline, "alert") == []
    assert [e[1:] for e in day_by_events(timeline)][:1] == [("checkin", "complete")]


def test_a_missing_recording_is_named(day_config, tmp_path):
    script = tmp_path / "bad.yaml"
    script.write_text("date: 2026-11-25\nresident:\n  - at: \"08:00\"\n    answers: [{wav: nowhere.wav}]\n",
                      encoding="utf-8")
    result = speaker_app("simulate-day", "--config", str(day_config), "--script", str(script))
    assert result.returncode != 0 and result.stdout == ""
    assert "resident[0].answers" in result.stderr and "nowhere.wav" in result.stderr


def test_stop_ends_the_asking_but_the_dose_is_still_missed(day_config, tmp_path):
    """"그만" to the 08:30 reminder: the dialogue's payload says stopped, the speaker does not ask again,
    and the dose, never confirmed, is missed at the end of its window."""
    script = tmp_path / "stopped.yaml"
    script.write_text(yaml.safe_dump({"date": dt.date(2026, 11, 25), "resident": [
        {"at": "07:50", "answers": ["잘 잤어요", "네 먹었어요", "기분 좋아요", "아니 없어요"]},
        {"at": "08:25", "answers": ["그만"]},
        {"at": "19:55", "answers": ["네 먹었어요"]}]}, allow_unicode=True), encoding="utf-8")
    timeline = simulate(day_config, script)
    morning = [e for e in day_by_events(timeline) if e[1] == "medication" and e[0] < "12:00"]
    assert morning == [("08:30", "medication", "혈압약 stopped"), ("10:30", "medication", "혈압약 missed")]
    asks = [e["at"][11:16] for e in timeline if e.get("routine") == "medication" and "heard" in e]
    assert [at for at in asks if at < "12:00"] == ["08:30"]


def test_an_alert_names_the_question_only_while_its_answer_could_still_come(day_config, tmp_path):
    script = tmp_path / "plea.yaml"
    script.write_text(yaml.safe_dump({"date": dt.date(2026, 11, 25), "resident": [
        {"at": "13:00", "says": "머리 가 좀 아파요"},
        {"at": "13:00", "says": "살려 주세요"},
        {"at": "15:00", "says": "머리 가 좀 아파요"},
        {"at": "17:00", "says": "살려 주세요"},
    ]}, allow_unicode=True), encoding="utf-8")
    timeline = simulate(day_config, script)
    asked_after_headache = [e["said"] for e in timeline if e.get("heard") == "머리 가 좀 아파요"]
    assert len(asked_after_headache) == 2 and asked_after_headache[0].endswith("?")
    emergencies = [a for a in events(timeline, "alert") if a["level"] == "emergency"]
    assert [a["context"]["at"][11:16] for a in emergencies] == ["13:00", "17:00"]
    # Said at once after the speaker's question: the plea may answer it, so the hub is shown the question.
    assert emergencies[0]["context"]["asked"] == asked_after_headache[0]
    # Two hours after the question, it is no longer what the resident was answering.
    assert emergencies[1]["context"]["asked"] is None
