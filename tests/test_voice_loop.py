"""The voice loop on frames from files: turn-taking, the no-answer timeout, the typed console."""
import time

from conftest import espeak, free_port, speaker_app
from speaker_app.audio import AudioClip, MicGate, SilentSink, read_wav, split_frames
from speaker_app.cli import Speaker
from speaker_app.config import parse_config
from speaker_app.conversation import APOLOGY
from speaker_app.voice_loop import ReplySpeaker


silence = AudioClip.silence


def loop_for(config, recogniser, said: list):
    speaker = Speaker(config, sender=f"loop-test-{time.time_ns()}", recogniser=recogniser)
    voice = speaker.voice()
    return speaker.voice_loop(ReplySpeaker(voice, SilentSink(), MicGate(), show=said.append), voice)


def test_an_unanswered_question_times_out(recogniser):
    config = parse_config({"vad": {"no_answer_s": 2.0}})
    loop = loop_for(config, recogniser, [])
    turns = list(loop.turns(split_frames(silence(5.0), 30), awake=True))
    assert len(turns) == 1 and turns[0].no_answer


def test_asleep_the_speaker_ignores_everyday_speech(recogniser, real_clips, tmp_path):
    """Real speech without the wake word and without a plea: no turn is answered."""
    config = parse_config({"dialog": {"url": f"http://127.0.0.1:{free_port()}"}})
    said = []
    loop = loop_for(config, recogniser, said)
    clip = read_wav(next(r["path"] for r in real_clips if "leopard" in r["file"]))
    turns = list(loop.turns(split_frames(clip + silence(1.0), 30)))
    assert turns and all(not t.woke and t.exchange is None for t in turns)
    assert said == []


def test_with_the_dialogue_down_the_resident_hears_an_apology(recogniser, tmp_path):
    # espeak-ng speech stands for the resident: the reply does not depend on what was heard.
    config = parse_config({"dialog": {"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 1}})
    said = []
    loop = loop_for(config, recogniser, said)
    resident = read_wav(espeak("오늘 날씨 어때요", tmp_path / "r.wav"))
    turns = list(loop.turns(split_frames(resident + silence(1.0), 30), awake=True))
    answered = [t for t in turns if t.exchange is not None]
    assert len(answered) == 1 and answered[0].exchange.error
    assert said == [APOLOGY]


def test_chat_holds_the_check_in(config_file):
    lines = "안녕하세요\n잘 잤어요\n네 먹었어요\n"
    result = speaker_app("chat", "--config", str(config_file), stdin=lines)
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if "안부:" in line]
    assert any("주무셨어요?" in line for line in replies)
    assert any("진지는 드셨어요?" in line for line in replies)
    assert any("기분은 어떠세요?" in line for line in replies)


def test_a_routine_prompt_is_spoken_between_turns_and_the_answer_handed_back(recogniser, tmp_path):
    """A routine asks through the loop; the loop does not answer the resident itself."""
    from speaker_app.voice_loop import Prompt

    config = parse_config({"dialog": {"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 1}})
    said = []
    loop = loop_for(config, recogniser, said)
    question = Prompt(("어르신, 혈압약 드셨어요?",), "yes_no", asks=True)
    loop.prompts.put(question)
    # espeak-ng speech stands for the resident's answer: only the hand-over is checked, not the words.
    answer = read_wav(espeak("네 먹었어요", tmp_path / "answer.wav"))
    turns = list(loop.turns(split_frames(silence(0.5) + answer + silence(1.0), 30)))
    assert said == ["어르신, 혈압약 드셨어요?"]
    assert question.answer.done() and isinstance(question.answer.result(), str)
    assert [t.exchange for t in turns] == [None]


def test_an_unanswered_routine_prompt_gets_none(recogniser):
    from speaker_app.voice_loop import Prompt

    config = parse_config({"vad": {"no_answer_s": 1.5}})
    loop = loop_for(config, recogniser, [])
    question = Prompt(("진지는 드셨어요?",), "meal", asks=True)
    loop.prompts.put(question)
    list(loop.turns(split_frames(silence(4.0), 30)))
    assert question.answer.result(timeout=0) is None
