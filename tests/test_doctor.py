"""`speaker-app doctor` against real parts: a PulseAudio null sink for the audio, the real Rasa
server, a real care hub on 127.0.0.1 (valid and unknown tokens), and ports nothing listens on.

The null sink's monitor is the microphone: what the test plays into the sink is what the
doctor hears. A steady tone stands for the sound of a room (the level check measures level
and clipping, not speech); with nothing playing the monitor gives zeros, like a muted microphone.
"""
from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest

from carehub.app import create_app
from conftest import free_port, speaker_app, write_config
from hub_support import ServerThread, World, fresh_sqlite, make_hub
from speaker_app.audio import AudioClip, DeviceSource
from speaker_app.doctor import FAIL, PASS, WARN, Actions, ClockSync, Dialogue, DiskSpace, InputLevel, record_from


@pytest.fixture
def hub(tmp_path):
    world = World(make_hub(fresh_sqlite(tmp_path)))
    with ServerThread(create_app(world.hub)) as server:
        yield server.url, world.speaker_token


class Tone:
    """A sine (or a full-scale square) played into the null sink until stopped."""

    def __init__(self, dbfs: float = -20.0, square: bool = False):
        t = np.arange(16000) / 16000
        wave = np.sign(np.sin(2 * np.pi * 440 * t)) if square else np.sin(2 * np.pi * 440 * t)
        self.clip = AudioClip.from_samples(np.clip(wave * 32767 * 10 ** (dbfs / 20), -32767, 32767))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, daemon=True)

    def _play(self) -> None:
        import sounddevice as sd

        with sd.RawOutputStream(samplerate=16000, channels=1, dtype="int16") as stream:
            while not self._stop.is_set():
                stream.write(self.clip.pcm[:3200])  # 0.1 s at a time, so a stop is heard at once

    def __enter__(self) -> "Tone":
        self._thread.start()
        time.sleep(0.3)  # the monitor carries it before anything is recorded
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def assert_room_level(line: str) -> None:
    """A sine at -20 dBFS peak has an RMS of -23 dBFS; a gap in the tone (a busy machine) lowers the RMS a little."""
    level = re.search(r"RMS (-\d+) dBFS, peak (-\d+) dBFS, 0.0 % clipped", line)
    assert level and -27 <= int(level.group(1)) <= -23 and level.group(2) == "-20", line


def lines_by_check(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        status, rest = line.split("  ", 1)
        assert status in (PASS, WARN, FAIL), line
        found[rest.split(":", 1)[0]] = line
    return found


@pytest.mark.device
def test_a_ready_speaker_passes_every_check(pulse_server, rasa_url, hub, tmp_path):
    hub_url, token = hub
    config = write_config(tmp_path, dialog={"url": rasa_url, "timeout_s": 10},
                          hub={"url": hub_url, "token": token, "outbox": str(tmp_path / "outbox.db")},
                          routines={"store": str(tmp_path / "store" / "speaker.db")})
    with Tone(-20.0):
        done = speaker_app("doctor", "--config", str(config), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    found = lines_by_check(done.stdout)
    assert list(found) == ["audio input", "audio output", "input level", "speech model", "dialogue (Rasa)",
                           "action server", "care hub", "clock", "disk for the outbox", "disk for the local store"]
    assert all(line.startswith(PASS) for line in found.values()), done.stdout
    assert_room_level(found["input level"])
    assert "이순자 할머니" in found["care hub"] and "speaker (거실)" in found["care hub"]
    assert "action_tell_time ran through" in found["action server"]
    # No systemd in this container: the hub's Date header is the reference.
    assert found["clock"].startswith("PASS  clock: timedatectl cannot tell; ") and "the hub's clock" in found["clock"]


@pytest.mark.device
def test_what_is_wrong_is_named_with_what_to_do_and_the_exit_status_is_1(pulse_server, hub, tmp_path):
    hub_url, _ = hub
    dead = f"http://127.0.0.1:{free_port()}"
    config = write_config(tmp_path, audio={"input_device": "no-such-microphone"},
                          recogniser={"model": str(tmp_path / "no-model")},
                          dialog={"url": dead, "timeout_s": 2},
                          hub={"url": hub_url, "token": "not-a-token-the-hub-gave", "outbox": str(tmp_path / "o.db")},
                          routines={"store": str(tmp_path / "s.db")})
    done = speaker_app("doctor", "--config", str(config), timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    found = lines_by_check(done.stdout)
    assert "input level" not in found  # nothing to record from; the device's own line says why
    assert found["audio input"].startswith("FAIL  audio input: no input audio device 'no-such-microphone'")
    assert "set audio.input_device" in found["audio input"]
    assert found["audio output"].startswith(PASS)
    assert found["speech model"].startswith("FAIL") and "no am/final.mdl" in found["speech model"]
    assert found["dialogue (Rasa)"] == (f"FAIL  dialogue (Rasa): nothing answers at {dead}/status -> "
                                        "see `systemctl status anbu-rasa` and `journalctl -u anbu-rasa`")
    assert found["action server"].startswith(f"FAIL  action server: cannot ask the Rasa server at {dead}")
    assert found["care hub"].startswith(f"FAIL  care hub: {hub_url} does not know this speaker's token")
    assert "carehub add-device" in found["care hub"]
    assert found["disk for the outbox"].startswith(PASS)


@pytest.mark.device
def test_a_hub_that_does_not_answer_fails_and_no_hub_at_all_is_a_warning(pulse_server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    config = write_config(tmp_path, dialog={"url": dead}, hub={"url": dead, "token": "t"})
    done = speaker_app("doctor", "--config", str(config), timeout=120)
    found = lines_by_check(done.stdout)
    assert found["care hub"].startswith(f"FAIL  care hub: nothing answers at {dead}/api/v1/device")
    assert found["clock"].startswith("WARN  clock: timedatectl cannot tell, and the hub's clock cannot be read")
    assert done.returncode == 1

    config = write_config(tmp_path, dialog={"url": dead}, hub={})
    found = lines_by_check(speaker_app("doctor", "--config", str(config), timeout=120).stdout)
    assert found["care hub"].startswith("WARN  care hub: no hub configured")


@pytest.mark.device
def test_input_level_tells_silence_a_room_and_clipping_apart(pulse_server):
    level = InputLevel(record_from(DeviceSource("default", 30)), seconds=1.0)
    silent = level.run()
    assert silent.status == FAIL and "digital silence" in silent.detail and "alsamixer" in silent.advice
    with Tone(-20.0):
        room = level.run()
    assert room.status == PASS, room.line()
    assert_room_level(room.line())
    with Tone(0.0, square=True):
        loud = level.run()
    assert loud.status == WARN and "too loud" in loud.advice, loud.line()
    # A full-scale square wave is all clipped samples, but for any gap the busy machine leaves in the tone.
    assert float(re.search(r"([\d.]+) % clipped", loud.detail).group(1)) > 50, loud.line()


def seconds_in(detail: str, words: str) -> int:
    match = re.search(rf"(\d+) s {words}", detail)
    assert match, detail
    return int(match.group(1))


def test_the_clock_is_compared_with_the_hubs_when_ntp_cannot_say(hub):
    hub_url, _ = hub
    import requests

    session = requests.Session()
    right = ClockSync(lambda: None, hub_url, session, 5).run()
    assert right.status == PASS and right.detail.endswith(" the hub's clock"), right.line()
    # A device clock ten minutes fast: the morning call would ring at 07:50.
    fast = ClockSync(lambda: "no", hub_url, session, 5, now=lambda: time.time() + 600).run()
    assert fast.status == FAIL and fast.detail.startswith("NTP not synchronised; "), fast.line()
    # The Date header has whole seconds: the offset is known to about a second.
    assert abs(seconds_in(fast.detail, "ahead of the hub's clock") - 600) <= 2, fast.line()
    slow = ClockSync(lambda: None, hub_url, session, 5, now=lambda: time.time() - 30).run()
    assert slow.status == WARN and abs(seconds_in(slow.detail, "behind the hub's clock") - 30) <= 2, slow.line()
    assert ClockSync(lambda: "yes", "", session, 5).run().status == PASS


def test_disk_space_is_measured_where_the_file_will_be(tmp_path):
    target = tmp_path / "not" / "yet" / "outbox.db"
    assert DiskSpace("outbox", str(target)).run().status == PASS
    # Thresholds above what this disk has free: the same real measurement, judged short.
    short = DiskSpace("outbox", str(target), warn_mb=10 ** 12, fail_mb=10 ** 11).run()
    assert short.status == FAIL and f"at {tmp_path}" in short.detail and "at least" in short.advice
    low = DiskSpace("outbox", str(target), warn_mb=10 ** 12, fail_mb=1).run()
    assert low.status == WARN


def test_a_rasa_server_without_its_action_server_is_named(tmp_path):
    """Rasa started without an endpoints file, as a unit missing /etc/anbu/endpoints.yml would run it."""
    import requests

    from speaker_app.dialogue_server import RasaServer
    from speaker_app.dialogue_setup import rasa_venv, trained_model

    venv = rasa_venv()
    server = RasaServer(venv, free_port(), tmp_path / "rasa.log", trained_model(venv), endpoints=None)
    server.start(timeout_s=240)
    try:
        session = requests.Session()
        assert Dialogue(server.url, session, 10).run().status == PASS
        actions = Actions(server.url, session, 10).run()
    finally:
        server.stop()
    assert actions.status == FAIL, actions.line()
    assert "Rasa could not run action_tell_time (answer 200, nothing said)" in actions.detail
    assert actions.advice == "see `systemctl status anbu-actions` and `journalctl -u anbu-actions`"
