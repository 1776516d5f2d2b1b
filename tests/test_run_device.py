"""`speaker-app run`, the live loop as a resident meets it, on a real PortAudio device.

The resident's words are a real recording: Picovoice's Korean sample, which
opens with their wake word 코뿔소, so the speaker is configured with that
wake phrase here.
"""
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import write_config
from pulse import DEVICE, PulseAudioServer, refresh_portaudio
from speaker_app.audio import AudioError, DeviceSink, DeviceSource, read_wav

pytestmark = pytest.mark.device


def lines_of(stream) -> queue.Queue:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def wait_for(lines: queue.Queue, needle: str, timeout_s: float, seen: list) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return True
    return False


def test_run_wakes_on_a_real_wake_word_and_answers_aloud(pulse_server, rasa_url, real_clips, tmp_path):
    config = write_config(tmp_path, dialog={"url": rasa_url}, wake={"phrase": "코뿔소"},
                          audio={"input_device": DEVICE, "output_device": DEVICE},
                          routines={"store": str(tmp_path / "speaker.db")})
    exe = Path(sys.executable).parent / "speaker-app"
    process = subprocess.Popen([str(exe), "run", "--config", str(config)], stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        lines = lines_of(process.stderr)
        assert wait_for(lines, "listening", 60, seen), seen
        clip = read_wav(next(r["path"] for r in real_clips if "koppulso" in r["file"]))
        DeviceSink(DEVICE).play(clip)
        assert wait_for(lines, "안부:", 30, seen), seen
        heard = [line for line in seen if line.startswith("들음:")]
        # What follows the wake word was heard and answered; the words themselves are not
        # checked here (Vosk's result on this clip varies with what it decoded before).
        assert heard and heard[0].split(":", 1)[1].strip(), seen
        assert "코뿔소" not in heard[0], seen
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_sound_server_that_dies_mid_stream_is_an_error_not_a_hang(pulse_server, tmp_path):
    """A killed server does not make PortAudio raise: the stream just stops, so the source must notice."""
    doomed = PulseAudioServer(tmp_path / "doomed").start()
    try:
        refresh_portaudio()
        source = DeviceSource(DEVICE, 30, stall_s=2.0)
        frames = source.frames()
        next(frames)
        doomed.stop()
        started = time.monotonic()
        with pytest.raises(AudioError, match="stopped delivering"):
            for _ in frames:
                pass
        assert time.monotonic() - started < 10
    finally:
        doomed.stop()
        refresh_portaudio()


def test_enrolment_from_the_microphone_then_the_selftest_through_the_device(pulse_server, tmp_path):
    """The caregiver's installation session: prompts, three takes, then the playback check.

    The takes are espeak-ng Korean standing for the resident (the template
    detector compares sounds, so a synthetic voice can stand in for it here).
    """
    from conftest import espeak

    config = write_config(tmp_path, enrolment={"folder": str(tmp_path / "enrolment")},
                          audio={"input_device": DEVICE, "output_device": DEVICE})
    exe = Path(sys.executable).parent / "speaker-app"
    process = subprocess.Popen([str(exe), "enroll", "--config", str(config), "--name", "help1",
                                "--phrase", "살려 주세요"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        lines = lines_of(process.stderr)
        for take in (1, 2, 3):
            assert wait_for(lines, f"take {take} of 3", 60, seen), seen
            time.sleep(0.8)  # the tone plays, then the microphone opens
            DeviceSink(DEVICE).play(read_wav(espeak("살려 주세요", tmp_path / f"take{take}.wav", speed=120 + 10 * take)))
        assert process.wait(timeout=60) == 0, seen
    finally:
        if process.poll() is None:
            process.kill()
    assert "enrolled '살려 주세요' as help1 (distress)" in process.stdout.read()
    selftest = subprocess.run([str(exe), "selftest", "--config", str(config)], capture_output=True, text=True,
                              timeout=120)
    assert "loudspeaker and microphone" in selftest.stdout
    assert "3 of 3 takes heard" in selftest.stdout, selftest.stdout + selftest.stderr
    assert selftest.returncode == 0


def test_run_tells_systemd_it_listens_and_that_its_audio_flows(pulse_server, tmp_path):
    """As under the unit's Type=notify and WatchdogSec: READY once, then WATCHDOG while frames come."""
    import socket

    config = write_config(tmp_path, audio={"input_device": DEVICE, "output_device": DEVICE},
                          routines={"store": str(tmp_path / "speaker.db")})
    manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    manager.bind(str(tmp_path / "notify"))
    manager.settimeout(60)
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="2000000")
    exe = Path(sys.executable).parent / "speaker-app"
    process = subprocess.Popen([str(exe), "run", "--config", str(config)], stderr=subprocess.DEVNULL, env=env)
    try:
        assert manager.recv(256).decode().startswith("READY=1\nSTATUS=listening")
        manager.settimeout(5)
        pings = []
        while len(pings) < 3:
            assert manager.recv(256) == b"WATCHDOG=1"
            pings.append(time.monotonic())
        # Half the watchdog period apart (1 s here), not once per frame.
        assert all(b - a > 0.8 for a, b in zip(pings, pings[1:])), pings
    finally:
        process.terminate()
        process.wait(timeout=10)
        manager.close()
