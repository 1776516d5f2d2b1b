"""The voice loop: frames in, spoken replies out, one turn at a time.

    frames -> Segmenter (webrtcvad) -> wake spotting + streaming ASR
           -> Conversation (distress rules, Rasa) -> ReplySpeaker -> sink

It does not know whether the frames come from a microphone or a WAV file,
nor whether replies go to a loudspeaker, a folder of WAV files or nowhere.

Asleep, every speech segment is checked for the wake phrase (the speaker
answers it at once with a chime) and its open-vocabulary transcript for a call
for help, which is answered without the wake word. Awake, the next segment is
the resident's turn; when the speaker has asked a question it stays awake for
the answer, with a narrowed grammar for the kind of answer asked for, until
the no-answer timeout.
"""
from __future__ import annotations

import dataclasses
import queue
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from emergency import distress_rules
from emergency.levels import AlertLevel
from wakeword.detection import Detection, Detectors, DetectionStream

if TYPE_CHECKING:
    from emergency.desk import Desk

from .answers import expected_phrases
from .audio import AudioClip, AudioSink, Frame, MicGate
from .config import VadConfig
from .conversation import Conversation, Exchange
from .dialog import DialogUnavailable
from .recogniser import RecognitionStream, Recogniser, Transcript
from .understanding import Understanding
from .vad import Segmenter, Silence, SpeechFrame, SpeechSegment, SpeechStarted
from .voice import Voice


@dataclass(frozen=True)
class Prompt:
    """Something a routine wants said (a morning greeting, a dose reminder) and, if it asks, the answer.

    Routines run on the scheduler's thread; the loop speaks a prompt only
    between turns, so a routine never talks over the resident, and hands the
    next turn's words back instead of answering them itself.
    """

    texts: tuple[str, ...]
    expect: str | None
    asks: bool
    answer: Future = field(default_factory=Future)  # the transcript, or None for no answer
    louder: int = 0  # steps above the usual level: a routine trying again after no answer


@dataclass(frozen=True)
class WakeAcknowledged:
    heard_at_s: float  # stream time of the frame that completed the phrase
    processing_ms: float  # decoding that frame, until the acknowledgement started


@dataclass(frozen=True)
class Turn:
    """What one speech segment (or one silence) came to."""

    woke: bool  # the wake phrase was heard, or the speaker was already awake
    transcript: Transcript | None
    exchange: Exchange | None  # None when the speaker did not answer
    no_answer: bool = False  # a question went unanswered past the timeout
    timings_ms: dict[str, float] = field(default_factory=dict)


class ReplySpeaker:
    """Says replies sentence by sentence and reports when the first sample left."""

    def __init__(self, voice: Voice | None, sink: AudioSink, gate: MicGate,
                 show: Callable[[str], None] = lambda text: None, clock: Callable[[], float] = time.perf_counter):
        self.voice, self.sink, self.gate, self.show, self.clock = voice, sink, gate, show, clock

    def say(self, texts: Sequence[str], louder: int = 0) -> tuple[float | None, float]:
        """Returns the clock time the first sample went to the sink (None if silent) and its synthesis in ms."""
        first_sample, synth_ms = None, 0.0
        for text in texts:
            self.show(text)
            if self.voice is None:
                continue
            started = self.clock()
            for clip in self.voice.sentences(text, louder):
                if first_sample is None:
                    first_sample = self.clock()
                    synth_ms = (first_sample - started) * 1000
                self.play(clip)
        return first_sample, synth_ms

    def play(self, clip: AudioClip) -> None:
        self.gate.closed = True
        try:
            self.sink.play(clip)
        finally:
            self.gate.closed = False


class VoiceLoop:
    def __init__(self, recogniser: Recogniser, detectors: Detectors, conversation: Conversation,
                 speaker: ReplySpeaker, acknowledgement: AudioClip, vad: VadConfig, frame_ms: int,
                 clock: Callable[[], float] = time.perf_counter,
                 on_heard: Callable[[Transcript], None] = lambda transcript: None,
                 prompts: "queue.Queue[Prompt] | None" = None, desk: "Desk | None" = None):
        self.recogniser, self.detectors, self.conversation = recogniser, detectors, conversation
        # Words the emergency desk wants though nobody woke the speaker (a groan, "잘못 말했어" after an alert).
        self.desk = desk
        self.on_heard = on_heard  # told of a turn before it is answered, which can take seconds
        self.prompts = prompts if prompts is not None else queue.Queue()
        self.speaker, self.acknowledgement = speaker, acknowledgement
        self.vad, self.frame_ms, self.clock = vad, frame_ms, clock

    def turns(self, frames: Iterable[Frame], awake: bool = False) -> Iterator[Turn]:
        """Every segment's outcome, in order; `awake` skips the wake word for the first turn."""
        expect: str | None = None
        awake_since = 0.0 if awake else None  # stream time the speaker began waiting for a turn
        asr: RecognitionStream | None = None
        detection: DetectionStream | None = None
        acked_at = None
        prompt: Prompt | None = None  # a routine's question waiting for the resident's answer
        for event in Segmenter(self.vad, self.frame_ms).segments(frames):
            if isinstance(event, Silence):
                if awake_since is not None and event.at_s - awake_since > self.vad.no_answer_s:
                    yield Turn(True, None, None, no_answer=True)
                    if prompt is not None:
                        prompt.answer.set_result(None)
                    awake_since, expect, prompt = None, None, None
                elif awake_since is None and not self.prompts.empty():
                    prompt = self._speak(self.prompts.get_nowait())
                    if prompt is not None:
                        awake_since, expect = event.at_s, prompt.expect
            elif isinstance(event, SpeechStarted):
                asleep = awake_since is None
                asr = self.recogniser.stream(() if asleep else expected_phrases(expect))
                detection = self.detectors.stream() if asleep else None
                acked_at = None
            elif isinstance(event, SpeechFrame):
                asr.accept(event.frame.pcm)
                if detection is not None:
                    started = self.clock()
                    if detection.accept(event.frame.pcm) and acked_at is None:
                        acked_at = self._acknowledge(event.frame.start_s + self.frame_ms / 1000, started)
            elif isinstance(event, SpeechSegment) and prompt is not None:
                transcript = asr.finish()
                self.on_heard(transcript)
                if distress_rules.check(transcript.text) is None:
                    prompt.answer.set_result(transcript.text)
                    yield Turn(True, transcript, None)
                    awake_since, expect, prompt = None, None, None
                    continue
                # A call for help in the middle of a routine is the desk's turn, answered now; the
                # routine takes its question as unanswered and comes back at its next retry or snooze.
                prompt.answer.set_result(None)
                prompt = None
                exchange = self.conversation.respond(transcript.text)
                self.speaker.say(exchange.reply.texts)
                yield Turn(True, transcript, exchange)
                expect = exchange.reply.expect
                awake_since = event.start_s + event.audio.seconds if exchange.reply.asks else None
            elif isinstance(event, SpeechSegment):
                turn = self._finish_segment(event, asr, detection, acked_at)
                yield turn
                if turn.exchange is not None:
                    expect = turn.exchange.reply.expect
                    awake_since = event.start_s + event.audio.seconds if turn.exchange.reply.asks else None
                elif turn.woke:  # the wake phrase alone: wait for the request
                    awake_since, expect = event.start_s + event.audio.seconds, None

    def _speak(self, prompt: Prompt) -> Prompt | None:
        """Says a routine's prompt; returns it when it waits for an answer."""
        self.speaker.say(prompt.texts, prompt.louder)
        if prompt.asks:
            return prompt
        prompt.answer.set_result(None)
        return None

    def _acknowledge(self, heard_at_s: float, started: float) -> "WakeAcknowledged":
        """Plays the acknowledgement; not gated, as it is short and the resident may go on talking."""
        processing_ms = (self.clock() - started) * 1000
        self.speaker.sink.play(self.acknowledgement)
        return WakeAcknowledged(heard_at_s, processing_ms)

    def _finish_segment(self, segment: SpeechSegment, asr: RecognitionStream,
                        detection: DetectionStream | None, acked_at: "WakeAcknowledged | None") -> Turn:
        segment_done = self.clock()
        transcript: Transcript = asr.finish()
        timings = {
            "speech_ms": round((segment.end_s - segment.start_s) * 1000),
            "hang_over_ms": round((segment.start_s + segment.audio.seconds - segment.end_s) * 1000),
            "asr_final_ms": round(transcript.finish_ms, 1),
        }
        text, decided = transcript.text, None
        if detection is not None:  # the speaker was asleep: only the wake word or a call for help wakes it
            found: Detection = detection.finish(segment.audio)
            timings["detect_ms"] = round((self.clock() - segment_done) * 1000, 1)
            if found.distress is not None:
                decided = self._plea(text, found)
            elif found.wake is None:
                if not self._for_the_desk(text):
                    return Turn(False, transcript, None, timings_ms=timings)
            else:
                if acked_at is None:  # heard only once the segment was over
                    acked_at = self._acknowledge(segment.start_s + segment.audio.seconds, segment_done)
                wake_end = found.wake.end_s
                if wake_end is not None:
                    # From the end of the wake phrase: the audio still to come, then the decoding.
                    waited_s = acked_at.heard_at_s - (segment.start_s + wake_end)
                    timings["wake_ack_ms"] = round(waited_s * 1000 + acked_at.processing_ms, 1)
                transcript = _after(transcript, wake_end)
                if not transcript.text:
                    return Turn(True, transcript, None, timings_ms=timings)
                text = transcript.text
        self.on_heard(transcript)
        exchange = self.conversation.respond(text, decided)
        timings.update(exchange.timings_ms)
        first_sample, synth_ms = self.speaker.say(exchange.reply.texts)
        timings["tts_ms"] = round(synth_ms, 1)
        if first_sample is not None:
            timings["reply_latency_ms"] = round(timings["hang_over_ms"] + (first_sample - segment_done) * 1000, 1)
        return Turn(True, transcript, exchange, timings_ms=timings)


    def _for_the_desk(self, text: str) -> bool:
        """A plea in the words, or words the emergency desk is waiting for: no wake word needed."""
        return distress_rules.check(text) is not None or (self.desk is not None and self.desk.wants(text))

    def _plea(self, text: str, found: Detection) -> Understanding:
        """A call for help heard in the audio: an emergency, whatever the transcript says.

        A weak hit is checked against the words: when they say so too (the distress rules, or
        the classifier), both are named ("rule+spotter") and the desk acts at once on a hit it
        would otherwise ask about. A strong hit is not: the dialogue would only delay the alert.
        """
        hit = found.distress
        heard = None
        if text.strip() and not self.detectors.strong(hit):
            try:
                heard = self.conversation.understander.understand(text)
            except DialogUnavailable:
                pass
        if heard is not None and heard.alert_level is AlertLevel.EMERGENCY:
            return dataclasses.replace(heard, decided_by=f"{heard.decided_by}+{hit.detector}")
        return Understanding(text or hit.phrase, "emergency", hit.strength, AlertLevel.EMERGENCY, hit.detector)


def _after(transcript: Transcript, end_s: float | None) -> Transcript:
    """The words said after the wake phrase, by their times in the segment."""
    words = tuple(w for w in transcript.words if end_s is not None and w.start_s >= end_s - 0.05)
    return dataclasses.replace(transcript, text=" ".join(w.text for w in words), words=words)
