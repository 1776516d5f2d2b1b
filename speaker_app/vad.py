"""Cutting a stream of frames into speech segments with webrtcvad.

Speech starts when most of the last few frames are voiced; the frames kept
from before that moment (the pre-roll) carry the first syllable, which the
detector only notices once it is under way. Speech ends after a run of
unvoiced frames (the hang-over) or when the turn grows past its maximum.
Times are stream times from the frames themselves, so a WAV file and a live
microphone segment alike.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Iterable, Iterator

import webrtcvad

from .audio import AudioClip, Frame
from .config import VadConfig


@dataclass(frozen=True)
class SpeechStarted:
    at_s: float


@dataclass(frozen=True)
class SpeechFrame:
    """A frame inside a segment, passed on so a recogniser can stream it."""

    frame: Frame


@dataclass(frozen=True)
class SpeechSegment:
    audio: AudioClip
    start_s: float
    end_s: float  # where the speech itself ended, before the hang-over
    cut: bool  # True when the maximum turn length ended it, not silence


@dataclass(frozen=True)
class Silence:
    """One frame of no speech, so a caller can time a silence."""

    at_s: float


SegmentEvent = SpeechStarted | SpeechFrame | SpeechSegment | Silence


class Segmenter:
    START_RATIO = 0.6  # share of voiced frames in the window that starts speech

    def __init__(self, config: VadConfig, frame_ms: int):
        self.vad = webrtcvad.Vad(config.aggressiveness)
        self.frame_ms = frame_ms
        self.window = max(1, config.pre_roll_ms // frame_ms)
        self.hang_over_frames = max(1, config.hang_over_ms // frame_ms)
        self.max_frames = int(config.max_turn_s * 1000 // frame_ms)

    def segments(self, frames: Iterable[Frame]) -> Iterator[SegmentEvent]:
        pre_roll: collections.deque[tuple[Frame, bool]] = collections.deque(maxlen=self.window)
        inside: list[Frame] = []
        unvoiced_run = 0
        for frame in frames:
            voiced = self.vad.is_speech(frame.pcm, 16000)
            if not inside:
                pre_roll.append((frame, voiced))
                if sum(v for _, v in pre_roll) >= self.START_RATIO * self.window:
                    inside = [f for f, _ in pre_roll]
                    pre_roll.clear()
                    unvoiced_run = 0
                    yield SpeechStarted(inside[0].start_s)
                    for kept in inside:
                        yield SpeechFrame(kept)
                else:
                    yield Silence(frame.start_s)
                continue
            inside.append(frame)
            yield SpeechFrame(frame)
            unvoiced_run = 0 if voiced else unvoiced_run + 1
            cut = len(inside) >= self.max_frames
            if unvoiced_run >= self.hang_over_frames or cut:
                yield self._segment(inside, unvoiced_run, cut)
                inside = []
        if inside:  # the stream ended while someone was talking
            yield self._segment(inside, unvoiced_run, cut=False)

    def _segment(self, frames: list[Frame], trailing_unvoiced: int, cut: bool) -> SpeechSegment:
        speech_end = frames[len(frames) - trailing_unvoiced - 1] if trailing_unvoiced < len(frames) else frames[0]
        return SpeechSegment(
            audio=AudioClip(b"".join(f.pcm for f in frames)),
            start_s=frames[0].start_s,
            end_s=speech_end.start_s + self.frame_ms / 1000,
            cut=cut,
        )
