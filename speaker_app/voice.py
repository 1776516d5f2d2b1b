"""Speaking Korean: pyttsx3 on espeak-ng's Korean voice.

Slow by default: older listeners follow slower speech better. The text is
spoken sentence by sentence, so the first sentence can play while the
resident is still waiting for an answer, and a long reply never has to be
synthesised in full before anything is heard.
"""
from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path
from typing import Iterator

from .audio import AudioClip, AudioError, read_wav


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

    def synthesise(self, text: str) -> AudioClip:
        path = Path(self._folder.name) / "utterance.wav"
        # pyttsx3 announces every saved file on stdout, which carries our JSON lines.
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
        return read_wav(path)

    def sentences(self, text: str) -> Iterator[AudioClip]:
        for sentence in split_sentences(text):
            yield self.synthesise(sentence)


def split_sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in re.split(r"(?<=[.?!。])\s+", text)) if s]
