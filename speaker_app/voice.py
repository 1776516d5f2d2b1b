"""Speaking Korean: pyttsx3 on espeak-ng's Korean voice.

Slow by default: older listeners follow slower speech better. The text is
spoken sentence by sentence, so the first sentence can play while the
resident is still waiting for an answer, and a long reply never has to be
synthesised in full before anything is heard.

"A little louder" (a morning call tried again, a dose asked again) is a gain
on the synthesised samples, not espeak-ng's own volume or rate: changed
between utterances, espeak-ng (through pyttsx3) sometimes applies them only
one or more utterances later (measured: of seven rate changes in a row, two
took effect), while the configured volume, set once, always holds.
"""
from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np

from .audio import AudioClip, AudioError, read_wav


LOUDER_STEP_DB = 4.0  # one step is clearly louder to an older ear, not yet a shout
MAX_LOUDER = 2  # +8 dB at most; past that the limiter only flattens the speech
LIMITER_KNEE = 0.5  # of full scale: below it samples pass unchanged, above it they bend towards full scale


class Voice:
    VOICE_ID = "ko"  # exactly: a loose match on "ko" also finds Konkani (inc/kok)

    def __init__(self, rate: int = 120, volume: float = 1.0):
        import pyttsx3

        try:
            self.engine = pyttsx3.init("espeak")
        except Exception as error:  # pyttsx3 raises whatever its driver raised
            raise AudioError(f"cannot start espeak-ng for speech ({error}); install espeak-ng") from None
        if not any(v.id == self.VOICE_ID for v in self.engine.getProperty("voices")):
            raise AudioError("espeak-ng has no Korean voice 'ko'; install espeak-ng-data")
        self.engine.setProperty("voice", self.VOICE_ID)
        self.engine.setProperty("rate", rate)
        self.engine.setProperty("volume", volume)
        self._folder = tempfile.TemporaryDirectory(prefix="anbu-voice-")

    def synthesise(self, text: str, louder: int = 0) -> AudioClip:
        path = Path(self._folder.name) / "utterance.wav"
        # pyttsx3 announces every saved file on stdout, which carries our JSON lines.
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
        return made_louder(read_wav(path), louder)

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
