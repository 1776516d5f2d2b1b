"""The live voice loop on a real PortAudio device (a PulseAudio null sink).

The resident is played into the sink from another thread; the speaker's
microphone is the sink's monitor, and its loudspeaker is the same sink, so
the speaker would hear its own replies if the microphone were not gated
while it talks.
"""
import threading
import time

import pytest

from conftest import espeak
from pulse import DEVICE
from speaker_app.audio import AudioClip, DeviceSink, DeviceSource, MicGate, read_wav
from speaker_app.cli import Speaker
from speaker_app.config import parse_config
from speaker_app.transcripts import character_error_rate
from speaker_app.voice_loop import ReplySpeaker

pytestmark = pytest.mark.device


def until(deadline_s: float, frames):
    """Frames from a live device, for a limited time."""
    end = time.monotonic() + deadline_s
    for frame in frames:
        if time.monotonic() > end:
            return
        yield frame


def run_loop(rasa_url, recogniser, resident: AudioClip, listen_s: float):
    config = parse_config({"dialog": {"url": rasa_url, "timeout_s": 10},
                           "audio": {"input_device": DEVICE, "output_device": DEVICE}})
    speaker = Speaker(config, sender=f"device-test-{time.time_ns()}", recogniser=recogniser)
    gate = MicGate()
    voice = speaker.voice()
    said = []
    replies = ReplySpeaker(voice, DeviceSink(DEVICE), gate, show=said.append)
    loop = speaker.voice_loop(replies, voice)
    source = DeviceSource(DEVICE, config.audio.frame_ms, gate=gate)
    # The resident starts talking a moment after the microphone is open.
    threading.Timer(0.5, lambda: DeviceSink(DEVICE).play(resident)).start()
    turns = list(loop.turns(until(listen_s, source.frames()), awake=True))
    return turns, said


def test_a_turn_through_the_device_gets_a_spoken_reply_and_the_speaker_does_not_hear_itself(
        pulse_server, rasa_url, recogniser, tmp_path):
    # espeak-ng Korean stands for the resident here: this proves the device
    # path and timing, not recognition, so the transcript is not checked.
    resident = read_wav(espeak("밤에 잘 잤어요", tmp_path / "resident.wav"))
    turns, said = run_loop(rasa_url, recogniser, resident, listen_s=12)
    answered = [t for t in turns if t.exchange is not None]
    assert len(answered) == 1, turns
    turn = answered[0]
    assert abs(turn.timings_ms["speech_ms"] / 1000 - resident.seconds) < 0.6
    assert turn.timings_ms["reply_latency_ms"] > turn.timings_ms["hang_over_ms"]
    assert said == list(turn.exchange.reply.texts) and said
    # Whatever followed was silence or the resident's own silence, never the speaker's reply.
    later = [t for t in turns[turns.index(turn) + 1:] if t.transcript is not None]
    assert later == [], [t.transcript.text for t in later]


def test_real_speech_through_the_device_is_recognised(pulse_server, rasa_url, recogniser, real_clips):
    row = next(r for r in real_clips if r["file"] == "ko_pv_leopard_test.wav")
    turns, _ = run_loop(rasa_url, recogniser, read_wav(row["path"]), listen_s=8)
    heard = next(t for t in turns if t.transcript is not None).transcript.text
    assert character_error_rate(row["transcript"], heard) <= 0.5, heard
