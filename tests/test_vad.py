"""Speech segmentation with webrtcvad: plumbing and timing only.

The speech here is espeak-ng Korean standing for a resident talking; what
was said in it is never checked (the recogniser cannot read espeak-ng).
"""
import numpy as np
import pytest

from conftest import espeak
from speaker_app.audio import AudioClip, read_wav, split_frames
from speaker_app.config import VadConfig
from speaker_app.vad import Segmenter, Silence, SpeechFrame, SpeechSegment, SpeechStarted


silence = AudioClip.silence


@pytest.fixture(scope="module")
def utterance(tmp_path_factory) -> AudioClip:
    return read_wav(espeak("밤에 잘 주무셨어요", tmp_path_factory.mktemp("vad") / "u.wav"))


def speech_span(clip: AudioClip) -> tuple[float, float]:
    """Where the samples are not silent, by amplitude: the reference the VAD is held to."""
    loud = np.flatnonzero(np.abs(clip.samples()) > 500)
    return loud[0] / 16000, loud[-1] / 16000


def segments_of(clip: AudioClip, config: VadConfig = VadConfig()) -> list:
    return list(Segmenter(config, 30).segments(split_frames(clip, 30)))


def test_one_utterance_between_silences_is_one_segment(utterance):
    stream = silence(1.0) + utterance + silence(1.5)
    events = segments_of(stream)
    segments = [e for e in events if isinstance(e, SpeechSegment)]
    assert len(segments) == 1
    start, end = speech_span(utterance)
    segment = segments[0]
    # Pre-roll: the segment begins before the detector was sure, so the first syllable is kept.
    assert segment.start_s <= 1.0 + start
    assert segment.start_s >= 1.0 + start - 0.3 - 0.06
    assert abs(segment.end_s - (1.0 + end)) < 0.25
    # The segment carries the hang-over after the speech, no more.
    assert abs(segment.start_s + segment.audio.seconds - segment.end_s - 0.5) < 0.1
    assert not segment.cut


def test_events_come_in_order_and_frames_cover_the_segment(utterance):
    events = segments_of(silence(0.6) + utterance + silence(1.0))
    kinds = [type(e) for e in events]
    first_start = kinds.index(SpeechStarted)
    segment_at = kinds.index(SpeechSegment)
    assert all(k is Silence for k in kinds[:first_start])
    assert all(k is SpeechFrame for k in kinds[first_start + 1:segment_at])
    frames = b"".join(e.frame.pcm for e in events[first_start + 1:segment_at])
    assert frames == events[segment_at].audio.pcm


def test_two_utterances_with_a_long_pause_are_two_segments(utterance):
    segments = [e for e in segments_of(utterance + silence(1.2) + utterance + silence(1.0))
                if isinstance(e, SpeechSegment)]
    assert len(segments) == 2
    assert segments[1].start_s > segments[0].end_s + 0.8


def test_a_turn_is_cut_at_its_maximum_length(utterance):
    long_talk = utterance + utterance + utterance + utterance
    config = VadConfig(max_turn_s=2.0, hang_over_ms=900)
    segments = [e for e in segments_of(long_talk + silence(1.0), config) if isinstance(e, SpeechSegment)]
    assert segments[0].cut
    assert segments[0].audio.seconds == pytest.approx(2.0, abs=0.05)


def test_silence_alone_makes_no_segment():
    events = segments_of(silence(3.0))
    assert events and all(isinstance(e, Silence) for e in events)
