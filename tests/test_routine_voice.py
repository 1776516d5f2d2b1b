"""Routines speak through the real voice path: a morning call tried again is louder in the audio itself.

espeak-ng speaks the prompts here; that is plumbing and level only, nothing
is recognised in it. The resident is silence: nobody answers.
"""
import queue
import threading
import time

import numpy as np

from scheduler.clock import SystemClock
from scheduler.live import LiveResident
from scheduler.routines import MorningCall, RoutineContext
from scheduler.store import Store
from speaker_app.audio import SAMPLE_RATE, Frame, MicGate, WavFileSink, read_wav
from speaker_app.cli import Speaker
from speaker_app.config import parse_config
from speaker_app.voice import MAX_LOUDER, made_louder
from speaker_app.voice_loop import ReplySpeaker


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def silence_until(done: threading.Event, frame_ms: int = 30):
    """A quiet room, about ten times faster than real time, until the routine is over."""
    size = SAMPLE_RATE * frame_ms // 1000
    at = 0.0
    while not done.is_set():
        yield Frame(bytes(2 * size), at)
        at += frame_ms / 1000
        time.sleep(0.003)


def test_each_unanswered_try_of_the_morning_call_is_louder(rasa_url, recogniser, tmp_path):
    config = parse_config({"dialog": {"url": rasa_url, "timeout_s": 10}, "vad": {"no_answer_s": 1.0},
                           "morning_call": {"tries": 3}})
    speaker = Speaker(config, sender=f"louder-{time.time_ns()}", recogniser=recogniser)
    voice = speaker.voice()
    sink = WavFileSink(tmp_path / "said")
    prompts: queue.Queue = queue.Queue()
    shown = []
    loop = speaker.voice_loop(ReplySpeaker(voice, sink, MicGate(), show=shown.append), voice, prompts=prompts)
    tries = []
    context = RoutineContext(config, SystemClock(), speaker.conversation, LiveResident(prompts, wait_s=60),
                             Store(tmp_path / "speaker.db"), lambda envelope: None,
                             # the retry comes at once instead of after retry_after_min
                             later=lambda at, job, run: (tries.append(job), run()))
    done = threading.Event()
    routine = threading.Thread(target=lambda: (MorningCall(context).run(), done.set()))
    routine.start()
    turns = list(loop.turns(silence_until(done)))
    routine.join(timeout=5)

    assert tries == [("morning_call", "2"), ("morning_call", "3")]
    assert sum(t.no_answer for t in turns) == 3
    assert shown[:2] == shown[2:4] == shown[4:6] == ["안녕하세요 어르신. 좋은 아침이에요.", "밤에 잘 주무셨어요?"], shown
    # Each try says the same three sentences (안녕하세요 어르신. 좋은 아침이에요. 밤에 잘 주무셨어요?):
    # compared as a whole, as espeak-ng renders them a little differently from run to run (under pytest
    # it has even rendered a sentence empty); what follows the last try (the alert) is not compared.
    clips = [read_wav(path).samples() for path in sink.written]
    assert len(clips) >= 9
    first, second, third = (np.concatenate(clips[n * 3:n * 3 + 3]) for n in range(3))
    assert rms(second) > 1.3 * rms(first)
    assert rms(third) > 1.2 * rms(second)
    assert np.abs(third).max() < 32767, "made louder by clipping"


def test_louder_stops_at_its_cap_and_never_clips(tmp_path):
    # espeak-ng at full volume: the level the resident hears at first (plumbing, not recognition).
    from conftest import espeak

    clip = read_wav(espeak("안녕하세요 어르신. 좋은 아침이에요.", tmp_path / "greeting.wav"))
    levels = [rms(made_louder(clip, steps).samples()) for steps in range(MAX_LOUDER + 2)]
    assert levels == sorted(levels) and levels[MAX_LOUDER] > 1.5 * levels[0]
    assert levels[MAX_LOUDER + 1] == levels[MAX_LOUDER]
    assert np.abs(made_louder(clip, MAX_LOUDER).samples()).max() < 32767


def test_louder_reaches_the_loudspeaker(pulse_server):
    """The same prompt at the usual level, then two steps louder, played through PortAudio into a PulseAudio
    null sink and recorded from its monitor: what leaves the speaker is louder, not just the file.
    espeak-ng speaks (plumbing and level only). One clip, so one output stream: a second stream opened
    while the monitor records has at times delivered nothing."""
    from pulse import DEVICE
    from speaker_app.audio import AudioClip, DeviceSink, DeviceSource, play_and_record
    from speaker_app.voice import Voice

    voice, gap = Voice(), AudioClip(bytes(SAMPLE_RATE * 2))  # one second of silence between the two
    usual = voice.synthesise("어르신, 혈압약 드실 시간이에요.", 0)
    louder = voice.synthesise("어르신, 혈압약 드실 시간이에요.", MAX_LOUDER)
    assert 1 < usual.seconds < louder.seconds, "louder is also a little slower"
    heard = play_and_record(gap + usual + gap + louder + gap, DeviceSource(DEVICE, 30), DeviceSink(DEVICE)).samples()
    # Split at the middle of the silence between them (the sink's latency is tens of milliseconds).
    boundary = int((0.3 + 1.0 + usual.seconds + 0.5) * SAMPLE_RATE)
    speech = [part[np.abs(part) > 200] for part in (heard[:boundary], heard[boundary:])]
    assert all(len(part) > SAMPLE_RATE // 2 for part in speech), [len(part) for part in speech]
    assert rms(speech[1]) > 1.5 * rms(speech[0]), (rms(speech[0]), rms(speech[1]))
