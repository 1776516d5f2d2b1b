"""The text half of a turn, against a real Rasa server.

Inputs are written the way the recogniser writes Korean: no punctuation,
spaces where it puts them.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from conftest import free_port, recording, speaker_app
from emergency.levels import AlertLevel
from speaker_app.conversation import APOLOGY, HELP_WITHOUT_DIALOGUE, Conversation
from speaker_app.dialog import RasaDialog


def nlu(config_file, *texts) -> list[dict]:
    result = speaker_app("nlu", "--config", str(config_file), *texts)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_nlu_prints_one_json_object_per_text(config_file):
    rows = nlu(config_file, "안녕하세요", "잘 잤어요", "살려 주세요", "머리 가 아파요")
    assert [r["text"] for r in rows] == ["안녕하세요", "잘 잤어요", "살려 주세요", "머리 가 아파요"]
    assert all(set(r) >= {"text", "intent", "confidence", "alert_level"} for r in rows)
    by_text = {r["text"]: r for r in rows}
    assert by_text["안녕하세요"]["intent"] == "greet"
    assert by_text["잘 잤어요"]["intent"] == "sleep_good"
    assert by_text["살려 주세요"]["intent"] == "emergency"
    assert by_text["살려 주세요"]["alert_level"] == "emergency"
    assert by_text["머리 가 아파요"]["alert_level"] == "notice"


def test_nlu_reads_a_tsv(config_file, tmp_path):
    tsv = tmp_path / "texts.tsv"
    tsv.write_text("text\tintent\n네 먹었어요\tmeal_done\n불이야\temergency\n", encoding="utf-8")
    rows = nlu(config_file, "--tsv", str(tsv))
    assert [r["text"] for r in rows] == ["네 먹었어요", "불이야"]
    assert rows[1]["alert_level"] == "emergency"


@pytest.mark.parametrize("text", ["더워 죽겠네", "도와줘서 고마워", "티비 에서 살려 달라고 하더라", "불 좀 꺼 줘"])
def test_what_only_sounds_alarming_raises_no_alert(config_file, text):
    (row,) = nlu(config_file, text)
    assert row["alert_level"] == "none", row


def test_the_check_in_goes_question_by_question(rasa_url):
    alerts = []
    dialog = RasaDialog(rasa_url, f"test-{time.time_ns()}", timeout_s=10)
    conversation = Conversation(dialog, 0.5, on_alert=recording(alerts))
    greeting = conversation.respond("안녕하세요")
    assert greeting.error is None
    assert greeting.reply.expect == "sleep"
    assert any(text.endswith("?") for text in greeting.reply.texts)
    sleep = conversation.respond("잘 잤어요")
    assert sleep.understanding.intent == "sleep_good"
    assert sleep.reply.expect == "meal"
    assert alerts == []


def test_a_plea_is_escalated_and_answered_calmly(rasa_url):
    alerts = []
    conversation = Conversation(RasaDialog(rasa_url, f"test-{time.time_ns()}", 10), 0.5, on_alert=recording(alerts))
    exchange = conversation.respond("넘어졌 어 못 일어나 겠어")
    assert exchange.understanding.intent == "emergency"
    assert [a.alert_level for a in alerts] == [AlertLevel.EMERGENCY]
    assert exchange.reply.texts and exchange.error is None
    assert any(p.get("escalate", {}).get("level") == "emergency" for p in exchange.reply.payloads)


def test_a_dead_server_gets_an_apology_and_a_plea_still_gets_help():
    alerts = []
    dead = RasaDialog(f"http://127.0.0.1:{free_port()}", "test", timeout_s=2)
    conversation = Conversation(dead, 0.5, on_alert=recording(alerts))
    chat = conversation.respond("오늘 날씨 어때요")
    assert chat.reply.texts == (APOLOGY,)
    assert "not running" in chat.error
    plea = conversation.respond("살려 주세요")
    assert plea.reply.texts == (HELP_WITHOUT_DIALOGUE,)
    assert [a.intent for a in alerts] == ["emergency"]


def test_a_slow_server_is_given_up_on_in_time():
    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            time.sleep(3)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conversation = Conversation(RasaDialog(f"http://127.0.0.1:{server.server_port}", "t", 0.5), 0.5)
        started = time.monotonic()
        exchange = conversation.respond("안녕하세요")
        assert time.monotonic() - started < 2.5
        assert exchange.reply.texts == (APOLOGY,)
        assert "longer than" in exchange.error
    finally:
        server.shutdown()


def test_nlu_with_no_server_is_a_one_line_error(tmp_path):
    from conftest import write_config

    config = write_config(tmp_path, dialog={"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 2})
    result = speaker_app("nlu", "--config", str(config), "안녕하세요")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "not running" in result.stderr
