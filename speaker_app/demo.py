"""The main job for now: a short check-in, typed, then real speech through the voice loop.

The resident's lines are typed (printed), the speaker's replies are printed
and spoken into WAV files. Then the real Korean recordings of
../shared/speech go through the full voice path; what the recogniser heard is
printed beside what was said, with the character error rate where a
transcript is known. None of them asks for help, so none may raise an alert.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .cli import Speaker, port_of, converse, listen, say_to_person
from .config import Config
from .dialogue_server import RasaProcess
from .dialogue_setup import rasa_venv, trained_model
from .transcripts import character_error_rate

CHECK_IN = ["안녕하세요", "잘 잤어요", "네 먹었어요", "기분 좋아요", "아니 없어요"]


def run_demo(config: Config, out: Path, speech: Path) -> int:
    venv = rasa_venv()
    model = trained_model(venv)

    with RasaProcess(venv, model, port=port_of(config.dialog.url)):
        speaker = Speaker(config, sender=f"{config.resident.id}:demo")
        spoken = out / "check-in"
        print("\n== 굿모닝 콜 (typed check-in; replies spoken to WAV files) ==")
        converse(speaker.conversation, _echoed(CHECK_IN), show=print, voice=speaker.voice(), out=spoken)
        print(f"(replies spoken to {spoken}/)")
        heard_alerts = _real_speech(config, speech, out)
    return 1 if heard_alerts else 0


def _echoed(lines: list[str]):
    for line in lines:
        print(f"어르신> {line}", flush=True)
        yield line


def _real_speech(config: Config, speech: Path, out: Path) -> int:
    clips = speech / "clips.tsv"
    if not clips.is_file():
        say_to_person(f"(no real recordings at {speech}; skipping that part)")
        return 0
    with clips.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    print("\n== real Korean recordings through the voice loop (Vosk, open vocabulary) ==")
    say_to_person("loading the Vosk model ...")
    alerts = 0
    files = [speech / row["file"] for row in rows]
    for row, result in zip(rows, listen(config, files, require_wake=False, out=out / "real-speech")):
        said = row.get("transcript", "").strip()
        score = f"  CER {character_error_rate(said, result['heard']):.2f}" if said else ""
        print(f"{row['file']}\n  heard:  {result['heard']}{score}")
        if said:
            print(f"  said:   {said}")
        print(f"  turn:   {result['transcript']}")
        print(f"  intent: {result['intent']} ({result['confidence']}), alert: {result['alert_level']}, "
              f"reply latency {result['timings_ms'].get('reply_latency_ms')} ms")
        alerts += result["alert_level"] != "none"
    print(f"\n{len(rows)} recordings, {alerts} raised an alert (expected: 0)")
    return alerts
