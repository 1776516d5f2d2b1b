"""Whole days through the real routines, dialogue (a real Rasa server) and alerts, on a simulated clock."""
import datetime as dt
import json
import uuid

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


def simulate(config_file, scenario: str) -> list[dict]:
    result = speaker_app("simulate-day", "--config", str(config_file), "--script",
                         str(ROOT / "config" / "scenarios" / f"{scenario}.yaml"), timeout=300)
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


def test_an_ordinary_good_day(day_config):
    timeline = simulate(day_config, "good-day")
    (checkin,) = events(timeline, "checkin")
    assert checkin["complete"] and checkin["attempt"] == 1
    assert {a["intent"] for a in checkin["answers"]} == {"sleep_good", "meal_done", "mood_good"}
    assert checkin["mood"] == "good"
    doses = events(timeline, "medication")
    assert [d["status"] for d in doses] == ["taken", "taken"]
    assert events(timeline, "alert") == []
    (summary,) = events(timeline, "summary")
    assert summary["data"]["doses_taken"] == ["혈압약", "혈압약"] and summary["data"]["doses_missed"] == []
    # The routines never overlap: every job starts after the one before it ended.
    times = [entry["at"] for entry in timeline]
    assert times == sorted(times)


def test_a_morning_call_nobody_answers(day_config):
    timeline = simulate(day_config, "no-answer-morning")
    calls = [e for e in timeline if e.get("routine") == "morning_call"]
    assert len(calls) == 3 and all(c["heard"] is None for c in calls)
    assert calls[1]["at"] > calls[0]["at"]
    alerts = events(timeline, "alert")
    assert {k: alerts[0][k] for k in ("level", "reason", "transcript")} == \
        {"level": "urgent", "reason": "morning call unanswered after 3 tries", "transcript": None}
    assert alerts[0]["context"]["at"].startswith("2026-")  # when the desk raised it, in the alert itself
    assert events(timeline, "checkin") == []
    assert any(a["level"] == "notice" and a["reason"].startswith("no conversation") for a in alerts)


def test_a_missed_dose_and_a_health_complaint(day_config):
    timeline = simulate(day_config, "missed-dose-and-complaint")
    doses = events(timeline, "medication")
    assert [d["status"] for d in doses] == ["taken", "missed"]
    alerts = events(timeline, "alert")
    assert any((a["level"], a["reason"], a["transcript"]) == ("notice", "dose missed: 혈압약 due 20:00", None)
               for a in alerts)
    assert any(a["transcript"] == "머리 가 좀 아파요" and a["level"] == "notice" for a in alerts)
    (summary,) = events(timeline, "summary")
    assert summary["data"]["health_complaints"] == ["머리 가 좀 아파요"]
    assert summary["data"]["doses_missed"] == ["혈압약 20:00"]  # the summary comes after the dose's window
    # Asked again after "not yet", but never in quiet hours (from 21:30).
    asks = [e["at"][11:16] for e in timeline if e.get("routine") == "medication"]
    assert len(asks) > 2 and all(not ("21:30" <= at or at < "07:00") for at in asks)
