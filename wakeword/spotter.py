"""Spotting a phrase (the wake word, the calls for help) in speech.

Speech is decoded with a grammar of the phrases among the recogniser's
frequent filler words, and a phrase counts as spoken when its word pieces
come out in order. Fillers are what keep other speech from being forced onto
the phrase (the model has no `[unk]`).

It streams: the partial result is checked as audio arrives, so the speaker can
answer the wake word while the resident is still talking, well within the
half second older users expect. A partial result is a guess Vosk may take
back, so the phrase must stay in it for a moment (`steady_s`) before it
counts. The final result also tells where the phrase ended, so that
"안부야 지금 몇 시야" can be one turn.

How clearly a spotted phrase was heard (its strength, for the triage) is the
log-likelihood of the best reading of the segment that holds the phrase over
the best reading from the fillers alone: speech forced onto a phrase is
explained almost as well by fillers, a phrase really said is not. It is
computed only for segments where a phrase was spotted, so it costs nothing
on the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from speaker_app.audio import AudioClip
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
    # bench/reports/spotting.md: every second of waiting delays the chime as
    # much. False partials on espeak-ng speech mostly stood 0.18-0.24 s before
    # Vosk took them back: 0.24 s halved the false wakes but put the chime a
    # median 510 ms after a real wake word, past the ~400 ms older users
    # expect; 0.09 s (360 ms) only drops the one-frame flickers.
    STEADY_S = 0.09
    # A log-likelihood margin this large over the fillers alone counts as
    # fully clear (strength 1.0). bench/reports/spotting.md, real speech:
    # words truly said had a median margin of 16.9, false spots at most 8.3.
    CLEAR_MARGIN = 20.0

    def __init__(self, recogniser: VoskRecogniser, phrases: Sequence[str], filler_words: int = WAKE_FILLERS,
                 steady_s: float = STEADY_S):
        self.recogniser = recogniser
        self.phrases = tuple(phrases)
        self.filler_words = filler_words
        self.steady_s = steady_s
        _, self.spellings = self._grammar()

    def _grammar(self):
        return self.recogniser.grammar(self.phrases, self.filler_words, self.WEIGHT)

    def stream(self) -> "SpotStream":
        decoder, _ = self._grammar()
        return SpotStream(decoder, self.spellings, self.steady_s)

    def margin(self, segment: AudioClip) -> float:
        """Log-likelihood of the best reading with a phrase over the best from the fillers alone."""
        score = self.recogniser.path_score
        return (score(self.phrases, self.filler_words, self.WEIGHT, segment.pcm)
                - score((), self.filler_words, self.WEIGHT, segment.pcm))

    def strength(self, segment: AudioClip) -> float:
        """0..1: how clearly a phrase spotted in this segment was heard."""
        return min(1.0, max(0.0, self.margin(segment) / self.CLEAR_MARGIN))


class SpotStream:
    def __init__(self, decoder: Decoder, spellings: dict[str, str], steady_s: float):
        self.decoder = decoder
        self.spellings = spellings
        self.steady_s = steady_s
        self.heard = False
        self.found: Spot | None = None  # from an utterance Vosk ended at its own endpoint
        self.in_partial_since: float | None = None  # audio fed when the phrase came into the partial result

    def accept(self, pcm: bytes) -> bool:
        """Feed audio; True from the moment a phrase has been heard."""
        if self.decoder.accept(pcm):
            self.found = self.found or self._find(self.decoder.result()[1])
            self.heard = self.heard or self.found is not None
            self.in_partial_since = None
        elif not self.heard:
            partial = self.decoder.partial().split()
            if any(_find_pieces(partial, s.split()) is not None for s in self.spellings):
                if self.in_partial_since is None:
                    self.in_partial_since = self.decoder.fed_s
                self.heard = self.decoder.fed_s - self.in_partial_since >= self.steady_s - 1e-9
            else:
                self.in_partial_since = None
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
