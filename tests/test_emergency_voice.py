"""The desk in the speaker's turns: the voice loop hands it the turn first, and a call for help cuts into a routine.

espeak-ng speech stands for the resident's voice so that the real VAD cuts
real segments; what the resident said is written by a scripted recogniser
(the text side), since no test may rest on recognising espeak-ng audio.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pytest

from conftest import espeak, free_port
from emergency.desk import ASK_FIRST, CALLING_HELP, CANCEL_NOTED, Desk
from hub_support import FakeClock
from scheduler.routines import MorningCall, RoutineContext, alert_from_understanding
from scheduler.store import Store
from speaker_app.audio import AudioClip, MicGate, SilentSink, chime, read_wav, split_frames
from speaker_app.config import EmergencyConfig, VadConfig, parse_config
from speaker_app.conversation import Conversation
from speaker_app.dialog import RasaDialog
from speaker_app.recogniser import Transcript
from speaker_app.voice_loop import Prompt, ReplySpeaker, VoiceLoop
from wakeword.detection import Detectors
from wakeword.spotter import Spot


silence = AudioClip.silence


@dataclass
class ScriptedStream:
    text: str

    def accept(self, pcm: bytes) -> str | None:
        return None

    def finish(self) -> Transcript:
        return Transcript(self.text)


class ScriptedRecogniser:
    """What the resident said in each segment, in order: the recogniser's half of a turn, as text."""

    def __init__(self, *texts: str):
        self.texts = list(texts)

    def stream(self, phrases=()) -> ScriptedStream:
        return ScriptedStream(self.texts.pop(0))


class NothingSpotted:
    """Detectors that hear no wake word and no plea: these turns reach the desk by their words alone."""

    def stream(self):
        return self

    def accept(self, pcm: bytes) -> bool:
        return False

    def finish(self):
        return None


class PleaSpotted(NothingSpotted):
    """A distress spotter that hears "살려 주세요" in every segment, at a given strength."""

    def __init__(self, strength: float):
        self.given = strength

    def finish(self):
        return Spot("살려 주세요", 0.0, 1.0)

    def strength(self, segment) -> float:
        return self.given


class Speaker:
    def __init__(self, dialogue_url: str, *texts: str, detectors: Detectors | None = None):
        self.clock = FakeClock(dt.datetime.now(dt.timezone.utc))
        self.sent: list[dict] = []
        self.said: list[str] = []
        self.desk = Desk(EmergencyConfig(), self.clock.now, self.sent.append, self.said.extend)
        dialog = RasaDialog(dialogue_url, f"desk-test-{time.time_ns()}", 10)
        self.conversation = Conversation(dialog, 0.5)
        self.conversation.on_alert = lambda u: self.desk.take(u, self.conversation.asked)
        self.loop = VoiceLoop(ScriptedRecogniser(*texts), detectors or Detectors(NothingSpotted()), self.conversation,
                              ReplySpeaker(None, SilentSink(), MicGate(), show=self.said.append), chime(),
                              VadConfig(no_answer_s=3.0), 30, desk=self.desk)


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice")
    return lambda text: read_wav(espeak(text, folder / f"{abs(hash(text))}.wav"))


def test_a_call_for_help_during_a_routine_question_is_the_desks_turn(voice):
    """A dose reminder is waiting for its answer; the resident calls for help instead."""
    speaker = Speaker(f"http://127.0.0.1:{free_port()}", "살려 주세요")  # no dialogue needed: the rules decide
    question = Prompt(("어르신, 혈압약 드셨어요?",), "yes_no", asks=True)
    speaker.loop.prompts.put(question)
    turns = list(speaker.loop.turns(split_frames(silence(0.5) + voice("살려 주세요") + silence(1.0), 30)))
    assert speaker.said == ["어르신, 혈압약 드셨어요?", CALLING_HELP]
    assert question.answer.result(timeout=0) is None  # the routine takes it as unanswered and comes back later
    (alert,) = speaker.sent
    assert alert["payload"]["level"] == "emergency" and alert["payload"]["transcript"] == "살려 주세요"
    assert [t.exchange.reply.texts for t in turns if t.exchange] == [(CALLING_HELP,)]


@pytest.mark.parametrize("strength, words, reply, decided_by", [
    (0.9, "서 옥스 여", CALLING_HELP, "spotter"),  # heard clearly: at once, whatever the words
    (0.3, "서 옥스 여", ASK_FIRST, None),  # heard weakly, and the words say nothing: ask first
    (0.3, "살려 주세요", CALLING_HELP, "rule+spotter"),  # heard weakly, but the words agree: at once
])
def test_a_detector_hit_is_triaged_by_its_strength_and_the_words(voice, strength, words, reply, decided_by):
    """The spotter's verdict is given; the voice is espeak-ng's, the words are the recogniser's (scripted)."""
    detectors = Detectors(NothingSpotted(), PleaSpotted(strength), strong_above={"spotter": 0.8})
    speaker = Speaker(f"http://127.0.0.1:{free_port()}", words, detectors=detectors)
    (turn,) = [t for t in speaker.loop.turns(split_frames(voice("살려 주세요") + silence(1.0), 30)) if t.exchange]
    assert speaker.said == [reply]
    if decided_by is None:
        assert speaker.sent == []
    else:
        assert turn.exchange.understanding.decided_by == decided_by
        assert [a["payload"]["level"] for a in speaker.sent] == ["emergency"]


def test_a_groan_without_the_wake_word_is_asked_about_and_a_yes_escalates(voice, rasa_url):
    speaker = Speaker(rasa_url, "아이고", "네")
    audio = voice("아이고") + silence(1.0) + voice("네") + silence(1.0)
    list(speaker.loop.turns(split_frames(audio, 30)))
    assert speaker.said == [ASK_FIRST, CALLING_HELP]
    (alert,) = speaker.sent
    assert alert["payload"]["transcript"] == "아이고 / 네" and alert["payload"]["context"]["asked"] is None


def test_with_the_dialogue_down_a_no_to_the_question_still_counts(voice):
    speaker = Speaker(f"http://127.0.0.1:{free_port()}", "아이고", "아니요 괜찮아요")
    audio = voice("아이고") + silence(1.0) + voice("아니요 괜찮아요") + silence(1.0)
    list(speaker.loop.turns(split_frames(audio, 30)))
    assert speaker.said[0] == ASK_FIRST
    assert [a["payload"]["level"] for a in speaker.sent] == ["notice"]


def test_after_a_plea_a_cancellation_is_heard_without_the_wake_word(voice):
    speaker = Speaker(f"http://127.0.0.1:{free_port()}", "살려 주세요", "괜찮아 잘못 말했어", "오늘 날씨 좋네")
    audio = (voice("살려 주세요") + silence(1.0) + voice("괜찮아 잘못 말했어") + silence(1.0)
             + voice("오늘 날씨 좋네") + silence(1.0))
    turns = list(speaker.loop.turns(split_frames(audio, 30)))
    assert speaker.said == [CALLING_HELP, CANCEL_NOTED]  # the third, everyday, segment wakes nothing
    plea, cancellation = speaker.sent
    assert cancellation["payload"]["cancels"] == plea["id"]
    assert not turns[-1].woke


# --- a routine on a real dialogue ----------------------------------------------------------------

class Resident:
    """The resident at a routine: answers in order, then silence; remembers what the speaker said."""

    def __init__(self, *answers: str):
        self.answers, self.heard, self.questions = list(answers), [], []

    def say(self, texts, louder: int = 0) -> None:
        self.heard.extend(texts)

    def ask(self, texts, expect, louder: int = 0):
        self.heard.extend(texts)
        self.questions.append(" ".join(texts))
        return self.answers.pop(0) if self.answers else None


def test_a_plea_as_the_answer_to_the_morning_call_ends_it_and_raises_the_alert(rasa_url, tmp_path):
    clock = FakeClock(dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    config = parse_config({"dialog": {"url": rasa_url}})
    conversation = Conversation(RasaDialog(rasa_url, f"desk-morning-{time.time_ns()}", 10), 0.5)
    resident, sent = Resident("넘어졌 어 못 일어나 겠어", "잘 잤어요"), []
    context = RoutineContext(config, clock, conversation, resident, Store(tmp_path / "speaker.db"), sent.append,
                             later=lambda at, job, run: None)
    conversation.on_alert = alert_from_understanding(context)
    MorningCall(context).run()
    assert resident.heard[-1] == CALLING_HELP
    assert len(resident.questions) == 1  # nothing more was asked after the plea
    (alert,) = [e["payload"] for e in sent if e["type"] == "alert"]
    assert alert["level"] == "emergency" and alert["transcript"] == "넘어졌 어 못 일어나 겠어"
    assert alert["context"]["asked"] == resident.questions[0]  # what the speaker had asked
    # The dialogue was told too: its check-in ends as interrupted by the call for help.
    (checkin,) = [e["payload"] for e in sent if e["type"] == "checkin"]
    assert checkin["dialogue"]["status"] == "interrupted"


def test_a_plea_as_the_answer_to_a_dose_reminder_ends_the_asking(rasa_url, tmp_path):
    from scheduler.routines import MedicationReminder

    clock = FakeClock(dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    config = parse_config({"dialog": {"url": rasa_url}, "medications": [{"name": "혈압약", "times": ["08:30"]}]})
    conversation = Conversation(RasaDialog(rasa_url, f"desk-dose-{time.time_ns()}", 10), 0.5)
    resident, sent, later = Resident("살려 주세요"), [], []
    context = RoutineContext(config, clock, conversation, resident, Store(tmp_path / "speaker.db"), sent.append,
                             later=lambda at, job, run: later.append(job))
    conversation.on_alert = alert_from_understanding(context)
    MedicationReminder(context, config.medications[0], clock.now()).start()
    assert resident.heard[-1] == CALLING_HELP and len(resident.questions) == 1
    assert [e["payload"]["level"] for e in sent if e["type"] == "alert"] == ["emergency"]
    assert [e["payload"]["status"] for e in sent if e["type"] == "medication"] == ["interrupted"]
    assert [job[0] for job in later] == ["dose_close"]  # not asked again; still missed at the window's end


def test_chat_goes_through_the_desk_and_the_outbox_to_the_hub(rasa_url, tmp_path):
    """`speaker-app chat` with a hub configured: a typed plea is answered by the desk and reaches the hub."""
    from conftest import speaker_app, write_config
    from hub_server import TOKEN, HubServer

    with HubServer() as hub:
        config = write_config(tmp_path, dialog={"url": rasa_url, "timeout_s": 10},
                              hub={"url": hub.url, "token": TOKEN, "outbox": str(tmp_path / "outbox.db")})
        result = speaker_app("chat", "--config", str(config), stdin="안녕하세요\n살려 주세요\n")
        assert result.returncode == 0, result.stderr
        assert f"안부: {CALLING_HELP}" in result.stdout
        (alert,) = [e for e in hub.store.events.values() if e["type"] == "alert"]
        assert alert["payload"]["level"] == "emergency" and alert["payload"]["transcript"] == "살려 주세요"
