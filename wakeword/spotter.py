"""Spotting a phrase (the wake word, later the calls for help) in speech.

First version: speech is decoded with a grammar of the phrases among the
recogniser's frequent filler words, and a phrase counts as spoken when its
word pieces come out in order. Fillers are what keep other speech from being
forced onto the phrase (the model has no `[unk]`).

It streams: the partial result is checked as audio arrives, so the speaker can
answer the wake word while the resident is still talking, well within the
half second older users expect. The final result also tells where the phrase
ended, so that "안부야 지금 몇 시야" can be one turn.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from speaker_app.recogniser import Decoder, VoskRecogniser, Word


@dataclass(frozen=True)
class Spot:
    phrase: str
    start_s: float  # from the start of the audio given to the stream
    end_s: float


class PhraseSpotter:
    # Measured on the real recordings (../shared/speech): with 1,500 fillers
    # and no weight a real speaker's wake word 코뿔소 was missed; with 200
    # fillers and the phrase counted three times it was heard in both clips
    # that say it and in none of the four that do not. Many phrases need more
    # competition: bench/spotting.py found the distress grammar with 200
    # fillers hearing "살려줘" in a real read sentence, and none with 500+.
    WAKE_FILLERS = 200
    DISTRESS_FILLERS = 1500
    WEIGHT = 3

    def __init__(self, recogniser: VoskRecogniser, phrases: Sequence[str], filler_words: int = WAKE_FILLERS):
        self.recogniser = recogniser
        self.phrases = tuple(phrases)
        self.filler_words = filler_words
        _, self.spellings = self._grammar()

    def _grammar(self):
        return self.recogniser.grammar(self.phrases, self.filler_words, self.WEIGHT)

    def stream(self) -> "SpotStream":
        decoder, _ = self._grammar()
        return SpotStream(decoder, self.spellings)


class SpotStream:
    def __init__(self, decoder: Decoder, spellings: dict[str, str]):
        self.decoder = decoder
        self.spellings = spellings
        self.heard = False
        self.found: Spot | None = None  # from an utterance Vosk ended at its own endpoint

    def accept(self, pcm: bytes) -> bool:
        """Feed audio; True from the moment a phrase has been heard."""
        if self.decoder.accept(pcm):
            self.found = self.found or self._find(self.decoder.result()[1])
            self.heard = self.heard or self.found is not None
        elif not self.heard:
            partial = self.decoder.partial().split()
            self.heard = any(_find_pieces(partial, s.split()) is not None for s in self.spellings)
        return self.heard

    def finish(self) -> Spot | None:
        final = self._find(self.decoder.final()[1])
        return self.found or final

    def _find(self, words: tuple[Word, ...]) -> Spot | None:
        heard = [w.text for w in words]
        for spelling, phrase in self.spellings.items():
            pieces = spelling.split()
            i = _find_pieces(heard, pieces)
            if i is not None:
                return Spot(phrase, words[i].start_s, words[i + len(pieces) - 1].end_s)
        return None


def _find_pieces(words: list[str], pieces: list[str]) -> int | None:
    for i in range(len(words) - len(pieces) + 1):
        if words[i:i + len(pieces)] == pieces:
            return i
    return None
