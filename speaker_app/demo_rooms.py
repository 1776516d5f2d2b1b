"""The room of the demo day: where the resident and the speaker meet.

Two rooms, one day. In the simulated room the resident's answers are typed
at the recogniser's boundary and the day's sounds (the radio, her call for
help) are fed to the real voice loop as frames. In the live room
(`speaker-app demo --live`) the voice loop runs on the device's microphone
and loudspeaker: the person at the device answers, the radio is played
aloud for the microphone to hear, and the timeline tells them when to speak.
"""
from __future__ import annotations

import csv
import queue
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from emergency.levels import AlertLevel
from scheduler.clock import SimulatedClock
from scheduler.live import LiveResident
from scheduler.routines import RoutineContext
from scheduler.recorded import VoicePath
from scheduler.scenario import Scenario, ScriptedResident
from scheduler.simulation import speak_up
from wakeword.detection import DISTRESS
from wakeword.enrolment import EnrolmentStore, trim_to_speech

from .audio import AudioClip, DeviceSink, DeviceSource, Frame, MicGate, WavFileSink, read_wav
from .cli import Speaker
from .config import Config
from .voice import Voice
from .voice_loop import ReplySpeaker, Turn

CALL_FOR_HELP = "살려 주세요"
ENROL_RATE, CALL_RATE = 120, 140  # words per minute: the call comes faster than the calm takes
LIVE_WAIT_S = 60.0  # how long the live room waits for the person to say what the timeline asked


def alerts_of(turns: list[Turn]) -> list[str]:
    return [t.exchange.understanding.alert_level.value for t in turns
            if t.exchange and t.exchange.understanding and t.exchange.understanding.alert_level is not AlertLevel.NONE]


class Room:
    """What both rooms share: the day's script of when she speaks up, and the timeline of what was heard."""

    answers_are = "typed"

    def __init__(self, config: Config, speaker: Speaker, clock: SimulatedClock, scenario: Scenario, out: Path):
        self.config, self.speaker, self.out = config, speaker, out
        self.script = ScriptedResident(scenario, clock, config.vad.no_answer_s)
        self.context: RoutineContext | None = None

    def enter(self, context: RoutineContext) -> None:
        self.context = context

    def note(self, entry: dict) -> None:
        self.context.timeline({"at": self.context.clock.now().isoformat(), **entry})

    def resident_speaks_up(self, until: datetime) -> list[tuple[datetime, str]]:
        return self.script.speaking_up(until)

    def say(self, texts) -> None:
        """What the emergency desk tells the resident between turns (who is coming, how to reach 119)."""
        self.resident.say(texts)

    def radio(self, speech: Path) -> None:
        """The real recordings play in the room; the speaker must neither wake nor raise anything."""
        clips = speech / "clips.tsv"
        if not clips.is_file():
            self.note({"routine": "radio", "note": f"no real recordings at {speech}; skipped"})
            return
        with clips.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        for row in rows:
            turns = self.hear(read_wav(speech / row["file"]))
            self.note({"routine": "radio", "sound": f"real recording {row['file']}", "woke": any(t.woke for t in turns),
                       "alerts": alerts_of(turns), "heard": " / ".join(t.transcript.text for t in turns if t.transcript)})

    def call_for_help(self) -> None:
        for turn in self.call():
            if turn.exchange and turn.exchange.understanding:
                u = turn.exchange.understanding
                self.note({"routine": "call for help", "detected": u.decided_by, "intent": u.intent,
                           "alert_level": u.alert_level.value})

    def hear(self, clip: AudioClip) -> list[Turn]:
        raise NotImplementedError

    def call(self) -> list[Turn]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SimulatedRoom(Room):
    def __init__(self, config: Config, speaker: Speaker, clock: SimulatedClock, scenario: Scenario, out: Path):
        super().__init__(config, speaker, clock, scenario, out)
        self.resident = self.script

    def enter(self, context: RoutineContext) -> None:
        super().enter(context)
        replies = ReplySpeaker(self.speaker.voice(), WavFileSink(self.out / "spoken"), MicGate(),
                               show=lambda text: self.note({"routine": "voice", "said": text}))
        self.ears = VoicePath(self.speaker.voice_loop(replies, self.speaker.voice(), desk=context.desk),
                              self.config.audio.frame_ms)

    def say(self, texts) -> None:
        super().say(texts)  # the scripted resident hears it on the simulated clock; the timeline shows it
        for text in texts:
            self.note({"routine": "emergency", "said": text})

    def speak_up(self, text: str) -> None:
        """The resident starts a conversation; typed, like her answers."""
        self.note({"routine": "resident", "typed": True, "heard": text})
        exchange = speak_up(self.context, self.resident, text).exchange
        u = exchange.understanding
        self.note({"routine": "resident", "said": " ".join(exchange.reply.texts), "intent": u.intent if u else None})

    def hear(self, clip: AudioClip) -> list[Turn]:
        turns = self.ears.hear(AudioClip.silence(1.5) + clip)
        for turn in turns:
            self.context.heard(turn)
        self.context.clock.advance(timedelta(seconds=clip.seconds + 3))
        return turns

    def call(self) -> list[Turn]:
        clip = trim_to_speech(Voice(CALL_RATE, self.config.voice.volume).synthesise(CALL_FOR_HELP))
        self.note({"routine": "call for help",
                   "sound": f"'{CALL_FOR_HELP}' in espeak-ng's voice at {CALL_RATE} wpm, no wake word "
                            "(stands in for the resident; the template detector hears it)"})
        return self.hear(clip)


class LiveRoom(Room):
    """The voice loop on the device's microphone and loudspeaker, on a thread of its own, as `speaker-app run`."""

    answers_are = "heard"

    def __init__(self, config: Config, speaker: Speaker, clock: SimulatedClock, scenario: Scenario, out: Path):
        super().__init__(config, speaker, clock, scenario, out)
        self.prompts: queue.Queue = queue.Queue()
        # Routines wait for the loop to speak their prompt and hear the answer (or its no-answer timeout).
        self.resident = LiveResident(self.prompts)
        self.gate = MicGate()
        # Opened now: a missing device stops the demo before the day starts, with the device's name.
        self.source = DeviceSource(config.audio.input_device, config.audio.frame_ms, gate=self.gate)
        self.sink = DeviceSink(config.audio.output_device)
        self.turns: queue.Queue[Turn] = queue.Queue()
        self.stopping = threading.Event()

    def enter(self, context: RoutineContext) -> None:
        super().enter(context)
        voice = self.speaker.voice()
        replies = ReplySpeaker(voice, self.sink, self.gate, show=lambda text: self.note({"routine": "voice",
                                                                                           "said": text}))
        loop = self.speaker.voice_loop(replies, voice, prompts=self.prompts, desk=context.desk,
                                       on_heard=lambda t: self.note({"routine": "voice", "heard": t.text}))
        threading.Thread(target=self._listen, args=(loop,), name="demo-voice-loop", daemon=True).start()

    def _listen(self, loop) -> None:
        for turn in loop.turns(self._frames()):
            self.context.heard(turn)
            self.turns.put(turn)

    def _frames(self) -> Iterator[Frame]:
        for frame in self.source.frames():
            if self.stopping.is_set():
                return
            yield frame

    def _turns_until(self, done, wait_s: float) -> list[Turn]:
        """The loop's turns as they come, until one is `done` or `wait_s` passed."""
        heard, deadline = [], time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                turn = self.turns.get(timeout=0.2)
            except queue.Empty:
                continue
            heard.append(turn)
            if done(turn):
                break
        return heard

    def _cue(self, text: str) -> None:
        self.note({"routine": "cue", "note": text})

    def speak_up(self, text: str) -> None:
        self._cue(f"say now: '{self.config.wake.phrase}', then '{text}'")
        self._turns_until(lambda turn: turn.exchange is not None, LIVE_WAIT_S)

    def hear(self, clip: AudioClip) -> list[Turn]:
        self._drain_turns()
        self.sink.play(clip)  # not through the gate: the microphone must hear the radio
        return self._turns_until(lambda turn: False, 2.0)

    def call(self) -> list[Turn]:
        # Her own enrolled calls for help first: the ones the template detector knows in her voice.
        enrolled = [p.phrase for p in EnrolmentStore(Path(self.config.enrolment.folder).expanduser()).phrases()
                    if p.kind == DISTRESS]
        said = " / ".join(f"'{phrase}'" for phrase in enrolled or [CALL_FOR_HELP])
        self._cue(f"say now, without the wake word, a call for help: {said}")
        return self._turns_until(lambda turn: bool(alerts_of([turn])), LIVE_WAIT_S)

    def _drain_turns(self) -> None:
        while not self.turns.empty():
            self.turns.get_nowait()

    def close(self) -> None:
        self.stopping.set()
