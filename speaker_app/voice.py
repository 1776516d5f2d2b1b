"""Speaking Korean: espeak-ng's Korean voice, through pyttsx3's binding of it.

Slow by default: older listeners follow slower speech better. The text is
spoken sentence by sentence, so the first sentence can play while the
resident is still waiting for an answer, and a long reply never has to be
synthesised in full before anything is heard.

espeak-ng runs in its synchronous mode, called directly: pyttsx3's own
engine loop drives it asynchronously from a callback thread, and there the
voice, rate and volume set before an utterance were at times applied only
to a later one, so a reply came out in the English voice, at the default
rate, or empty (seen in one of five runs of tests/test_routine_voice.py
beside PortAudio, and under load). Synchronously, what is set holds.

"A little louder" (a morning call tried again, a dose asked again) is a gain
on the synthesised samples with a soft limiter (espeak-ng at full volume
already peaks near full scale), and a slightly slower rate.
"""
from __future__ import annotations

import ctypes
import re
import threading
from typing import Iterator

import numpy as np

from .audio import SAMPLE_RATE, AudioClip, AudioError, resample

LOUDER_STEP_DB = 4.0  # one step is clearly louder to an older ear, not yet a shout
MAX_LOUDER = 2  # +8 dB at most; past that the limiter only flattens the speech
LIMITER_KNEE = 0.5  # of full scale: below it samples pass unchanged, above it they bend towards full scale
SLOWER_PER_STEP = 0.9  # each louder step also speaks a tenth slower

_ESPEAK_LOCK = threading.Lock()  # one espeak-ng per process: every Voice takes turns with it
_espeak_rate_hz: int | None = None


def _espeak():
    """pyttsx3's ctypes binding of libespeak-ng, initialised once for the process."""
    global _espeak_rate_hz
    try:
        from pyttsx3.drivers import _espeak
    except (ImportError, OSError) as error:
        raise AudioError(f"cannot load espeak-ng for speech ({error}); install espeak-ng") from None
    if _espeak_rate_hz is None:
        rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0)
        if rate <= 0:
            raise AudioError("espeak-ng would not start; reinstall espeak-ng and espeak-ng-data")
        _espeak_rate_hz = rate
    return _espeak


class Voice:
    VOICE_ID = "ko"  # exactly: a loose match on "ko" also finds Konkani (inc/kok)

    def __init__(self, rate: int = 120, volume: float = 1.0):
        with _ESPEAK_LOCK:
            espeak = _espeak()
            voices = {v.identifier.decode("utf-8", "replace").lower() for v in espeak.ListVoices()}
        if self.VOICE_ID not in voices:
            raise AudioError("espeak-ng has no Korean voice 'ko'; install espeak-ng-data")
        self.rate, self.volume = rate, volume

    def synthesise(self, text: str, louder: int = 0) -> AudioClip:
        chunks: list[bytes] = []

        def collect(wav, samples, events) -> int:
            if samples > 0:
                chunks.append(ctypes.string_at(wav, samples * 2))
            return 0

        with _ESPEAK_LOCK:
            espeak = _espeak()
            espeak.SetSynthCallback(collect)
            espeak.SetVoiceByName(self.VOICE_ID.encode())
            steps = max(0, min(louder, MAX_LOUDER))
            espeak.SetParameter(espeak.RATE, round(self.rate * SLOWER_PER_STEP ** steps), 0)
            espeak.SetParameter(espeak.VOLUME, int(round(self.volume * 100)), 0)
            espeak.Synth(text, flags=espeak.CHARS_UTF8 | espeak.ENDPAUSE)  # returns when all of it is spoken
        samples = np.frombuffer(b"".join(chunks), dtype="<i2").astype(np.float64)
        clip = AudioClip.from_samples(np.round(resample(samples, _espeak_rate_hz, SAMPLE_RATE)))
        return made_louder(clip, louder)

    def sentences(self, text: str, louder: int = 0) -> Iterator[AudioClip]:
        for sentence in split_sentences(text):
            yield self.synthesise(sentence, louder)


def made_louder(clip: AudioClip, steps: int) -> AudioClip:
    """`steps` of LOUDER_STEP_DB (capped at MAX_LOUDER), with a soft limiter so the peaks never clip.

    espeak-ng at full volume already peaks near full scale; the limiter
    lets the quieter bulk of the speech rise while bending the peaks under it.
    """
    steps = max(0, min(steps, MAX_LOUDER))
    if steps == 0:
        return clip
    x = clip.samples().astype(np.float64) / 32767 * 10 ** (steps * LOUDER_STEP_DB / 20)
    over = np.abs(x) > LIMITER_KNEE
    bent = LIMITER_KNEE + (1 - LIMITER_KNEE) * np.tanh((np.abs(x) - LIMITER_KNEE) / (1 - LIMITER_KNEE))
    return AudioClip.from_samples(np.where(over, np.sign(x) * bent, x) * 32767)


def split_sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in re.split(r"(?<=[.?!。])\s+", text)) if s]
