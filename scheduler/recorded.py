"""A scenario's recorded replies through the live speaker's voice path.

The loop behind it is the one `speaker-app run` uses (VAD, the wake and
distress detectors, the Vosk recogniser, the dialogue), fed from a WAV file
instead of the microphone. Its replies are not played: the scripted day
counts their time on its own clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from speaker_app.audio import AudioClip, read_wav, split_frames
from speaker_app.conversation import Exchange
from speaker_app.voice_loop import Prompt, Turn, VoiceLoop

# The loop speaks a routine's question in a pause, so the answer follows a little silence;
# after it, silence longer than the VAD's hang-over ends the turn.
LEAD_S, TRAIL_S = 0.5, 1.5


@dataclass(frozen=True)
class Recording:
    """A WAV file the resident says instead of a line of text."""

    path: Path

    @property
    def seconds(self) -> float:
        return read_wav(self.path).seconds


@dataclass(frozen=True)
class SpokenUp:
    """What the loop made of a recording the resident said unprompted."""

    heard: str  # every transcript in it, joined
    exchange: Exchange | None  # None when the speaker was not addressed (no wake word, no plea)


class VoicePath:
    def __init__(self, loop: VoiceLoop, frame_ms: int):
        self.loop, self.frame_ms = loop, frame_ms

    def answer(self, recording: Recording, texts: Sequence[str], expect: str | None) -> str | None:
        """The transcript a routine's question gets back, as on the live speaker; None when no speech was heard."""
        prompt = Prompt(tuple(texts), expect, asks=True)
        self.loop.prompts.put(prompt)
        clip = AudioClip.silence(LEAD_S) + read_wav(recording.path) + AudioClip.silence(TRAIL_S)
        for _ in self.loop.turns(split_frames(clip, self.frame_ms)):
            pass
        return prompt.answer.result() if prompt.answer.done() else None

    def hear(self, clip: AudioClip) -> list[Turn]:
        """Every turn of a clip said to a speaker that is not waiting for anyone: only the wake word or a plea
        wakes it."""
        return list(self.loop.turns(split_frames(clip + AudioClip.silence(TRAIL_S), self.frame_ms)))

    def speak_up(self, recording: Recording) -> SpokenUp:
        """The recording said unprompted: what was heard, and the exchange if the speaker was addressed."""
        turns = self.hear(read_wav(recording.path))
        heard = " ".join(t.transcript.text for t in turns if t.transcript is not None and t.transcript.text)
        return SpokenUp(heard, next((t.exchange for t in turns if t.exchange is not None), None))
