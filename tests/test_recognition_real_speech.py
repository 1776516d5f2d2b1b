"""Recognition, measured on real human Korean speech (../shared/speech).

These are the only tests that assert what the recogniser heard, because
these are the only real recordings we have: read speech, not older speakers.
"""
import pytest

from speaker_app.audio import read_wav
from speaker_app.recogniser import transcribe
from speaker_app.transcripts import character_error_rate
from wakeword.spotter import PhraseSpotter

# Measured when this was written: 0.37 (leopard) and 0.34 (FLEURS) open vocabulary.
MAX_CER = 0.5


def test_open_vocabulary_recognises_the_transcribed_clips(recogniser, real_clips):
    scored = [row for row in real_clips if row["transcript"]]
    assert scored, "clips.tsv lists no transcript"
    for row in scored:
        heard = transcribe(recogniser, read_wav(row["path"]).pcm).text
        cer = character_error_rate(row["transcript"], heard)
        print(f"{row['file']}: CER {cer:.2f}: {heard}")
        assert cer <= MAX_CER, f"{row['file']}: CER {cer:.2f}, heard {heard!r}"


def test_a_narrowed_grammar_hears_an_expected_phrase(recogniser, real_clips):
    """The clip's own sentence among other answers and the fillers: the grammar picks it."""
    row = next(r for r in real_clips if r["file"] == "ko_pv_leopard_test.wav")
    expected = ["네", "아니요", "잘 잤어요", row["transcript"], "먹었어요"]
    transcript = transcribe(recogniser, read_wav(row["path"]).pcm, expected)
    assert transcript.answer == row["transcript"]
    assert transcript.text == row["transcript"]


@pytest.mark.parametrize("kind", ["yes_no", "sleep", "meal", "mood", "pain"])
def test_speech_outside_the_grammar_falls_back_to_open_vocabulary(recogniser, real_clips, kind):
    """None of the recordings is a short answer: each must be rejected, not mapped onto one."""
    from speaker_app.answers import expected_phrases

    for row in real_clips:
        transcript = transcribe(recogniser, read_wav(row["path"]).pcm, expected_phrases(kind))
        assert transcript.answer is None, f"{row['file']} was taken for {transcript.answer!r}"
        assert transcript.text  # the open-vocabulary transcript is used instead


def _spots(recogniser, phrase, path) -> bool:
    stream = PhraseSpotter(recogniser, [phrase]).stream()
    pcm = read_wav(path).pcm
    heard = False
    for offset in range(0, len(pcm), 960):
        heard = stream.accept(pcm[offset:offset + 960]) or heard
    return heard or stream.finish() is not None


def test_a_wake_word_is_spotted_in_real_speech(recogniser, real_clips):
    """Picovoice's clip opens with their wake word 코뿔소, said by a real speaker."""
    row = next(r for r in real_clips if r["file"] == "ko_pv_picovoice_koppulso.wav")
    assert _spots(recogniser, "코뿔소", row["path"])


def test_no_real_recording_wakes_the_speaker_on_its_own_wake_phrase(recogniser, real_clips):
    for row in real_clips:
        assert not _spots(recogniser, "안부 야", row["path"]), row["file"]


def test_a_wake_word_is_not_spotted_where_it_is_not_said(recogniser, real_clips):
    for row in real_clips:
        if "koppulso" in row["file"] or "porcupine" in row["file"]:
            continue  # these two do say 코뿔소
        assert not _spots(recogniser, "코뿔소", row["path"]), row["file"]


def test_the_grammar_answer_survives_a_pause_that_ends_vosks_utterance(recogniser, real_clips):
    """Vosk closes an utterance after a second of silence; the answer must not be lost there."""
    row = next(r for r in real_clips if r["file"] == "ko_pv_leopard_test.wav")
    pause = bytes(2 * 16000 * 2)
    transcript = transcribe(recogniser, read_wav(row["path"]).pcm + pause, ["네", "아니요", row["transcript"]])
    assert transcript.answer == row["transcript"]


def test_no_real_recording_is_taken_for_a_call_for_help(recogniser, real_clips):
    """46 distress phrases in one grammar: real everyday speech must not be forced onto any of them."""
    from emergency.distress_phrases import DISTRESS_PHRASES

    spotter = PhraseSpotter(recogniser, DISTRESS_PHRASES, PhraseSpotter.DISTRESS_FILLERS)
    for row in real_clips:
        stream = spotter.stream()
        pcm = read_wav(row["path"]).pcm
        for offset in range(0, len(pcm), 960):
            stream.accept(pcm[offset:offset + 960])
        assert stream.finish() is None, row["file"]


def _heard_at(spotter: PhraseSpotter, path) -> float | None:
    """Audio fed, in seconds, when the stream first said it heard the phrase."""
    stream = spotter.stream()
    pcm = read_wav(path).pcm
    heard_at = None
    for offset in range(0, len(pcm), 960):
        if stream.accept(pcm[offset:offset + 960]) and heard_at is None:
            heard_at = (offset + 960) / 32000
    stream.finish()  # the grammar's recogniser is shared: it must end the utterance, as the voice loop does
    return heard_at


def test_the_wake_word_must_stay_in_the_partial_result_before_it_counts(recogniser, real_clips):
    """A partial result is a guess Vosk may take back: the chime waits until the phrase has stood in it."""
    row = next(r for r in real_clips if r["file"] == "ko_pv_picovoice_koppulso.wav")
    eager = _heard_at(PhraseSpotter(recogniser, ["코뿔소"], steady_s=0.0), row["path"])
    steady = _heard_at(PhraseSpotter(recogniser, ["코뿔소"], steady_s=0.3), row["path"])
    assert eager is not None and steady is not None
    assert steady >= eager + 0.3 - 0.03  # one 30 ms frame of slack: the partial is read once a frame


def test_a_phrase_really_said_is_heard_more_clearly_than_speech_forced_onto_one(recogniser, real_clips):
    """The FLEURS sentence says 아프리카 and not 커피; with only 50 fillers to compete, a grammar of 커피
    forces it onto the same stretch of speech anyway. The strength is what tells the two apart."""
    row = next(r for r in real_clips if r["file"] == "ko_fleurs_test16.wav")
    clip = read_wav(row["path"])
    said = PhraseSpotter(recogniser, ["아프리카"])
    forced = PhraseSpotter(recogniser, ["커피"], filler_words=50)
    assert _spots(recogniser, "아프리카", row["path"])
    stream = forced.stream()
    for offset in range(0, len(clip.pcm), 960):
        stream.accept(clip.pcm[offset:offset + 960])
    assert stream.finish() is not None, "the forced spot this test relies on did not happen"
    assert forced.strength(clip) < 0.6 <= said.strength(clip)
