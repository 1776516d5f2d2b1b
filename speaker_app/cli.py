"""`speaker-app`: the device daemon's commands.

The output of `listen` and `nlu` (one JSON object per line on stdout) is a
contract that tests, benchmarks and later tools read; everything meant for
people goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable, Sequence

from emergency.distress_phrases import DISTRESS_PHRASES
from emergency.outbox import Event, Outbox, OutboxFull, outbox_report
from emergency.sender import Hub, Sender, SendLoop
from emergency.acknowledgement import HubAlerts
from emergency.desk import Desk
from emergency.levels import AlertLevel
from wakeword.detection import DISTRESS, SPOTTER, TEMPLATE, WAKE, Detectors
from wakeword.enrolment import EnrolmentError, EnrolmentStore, check_take, level_dbfs
from wakeword.selftest import report as selftest_report
from wakeword.selftest import selftest
from wakeword.spotter import PhraseSpotter

from .answers import EXPECTED_ANSWERS
from .audio import (AudioClip, AudioError, DeviceSink, DeviceSource, MicGate, SilentSink, WavFileSink,
                    WavFileSource, chime, play_and_record, read_wav)
from .config import Config, ConfigError, load_config
from .conversation import Conversation
from .dialog import DialogUnavailable, RasaDialog
from .dialogue_setup import SetupError
from .intent_eval import LabelledSetError
from .recogniser import VoskRecogniser, resolve_model_dir
from .service_manager import ServiceManager
from .vad import Segmenter, Silence, SpeechSegment
from .vocabulary import ModelError, SegmentationError
from .voice import Voice
from .voice_loop import ReplySpeaker, Turn, VoiceLoop

FAILURES = (ConfigError, AudioError, ModelError, SegmentationError, SetupError, DialogUnavailable, EnrolmentError,
            LabelledSetError)


def say_to_person(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def show_alert(envelope: dict) -> None:
    """A console's alert when no hub is configured: at least never silent."""
    payload = envelope["payload"]
    say_to_person(f"[alert:{payload['level']}] {payload['reason']}: {payload.get('transcript') or ''}")


class Speaker:
    """The parts of one speaker, built from its configuration."""

    def __init__(self, config: Config, sender: str | None = None, recogniser: VoskRecogniser | None = None):
        self.config = config
        self.dialog = RasaDialog(config.dialog.url, sender or config.resident.id, config.dialog.timeout_s,
                                 honorific=config.resident.honorific)
        self.conversation = Conversation(self.dialog, config.dialog.min_confidence,
                                         question_lasts_s=config.vad.answer_lasts_s,
                                         alert_from=config.dialog.alert_from)
        self._recogniser = recogniser  # loaded on first use: the typed console needs none

    @property
    def recogniser(self) -> VoskRecogniser:
        if self._recogniser is None:
            recogniser = VoskRecogniser(resolve_model_dir(self.config.recogniser.model),
                                        self.config.recogniser.filler_words)
            # Spelled now, so an answer the model cannot spell stops the speaker at start-up.
            for phrases in EXPECTED_ANSWERS.values():
                recogniser.grammar(phrases)
            self._recogniser = recogniser
        return self._recogniser

    def voice(self) -> Voice:
        return Voice(self.config.voice.rate, self.config.voice.volume)

    def detectors(self) -> Detectors:
        store = EnrolmentStore(Path(self.config.enrolment.folder))
        enrolment, emergency = self.config.enrolment, self.config.emergency
        templates, kinds = store.detector({WAKE: enrolment.wake_margin, DISTRESS: enrolment.distress_margin})
        return Detectors(PhraseSpotter(self.recogniser, [self.config.wake.phrase]),
                         PhraseSpotter(self.recogniser, DISTRESS_PHRASES, PhraseSpotter.DISTRESS_FILLERS),
                         templates, kinds, {SPOTTER: emergency.spotter_strong_above,
                                            TEMPLATE: emergency.template_strong_above},
                         distress_spot_floor=emergency.spotter_floor)

    def voice_loop(self, speaker: ReplySpeaker, voice: Voice, **hooks) -> VoiceLoop:
        acknowledgement = voice.synthesise("네") if self.config.wake.acknowledgement == "voice" else chime()
        return VoiceLoop(self.recogniser, self.detectors(), self.conversation, speaker, acknowledgement,
                         self.config.vad, self.config.audio.frame_ms, **hooks)


# --- commands -----------------------------------------------------------------

def cmd_run(args) -> int:
    import queue

    from scheduler.clock import SystemClock
    from scheduler.live import LiveResident, LiveRoutines
    from scheduler.routines import RoutineContext, alert_from_understanding
    from scheduler.store import Store

    config = load_config(args.config)
    speaker = Speaker(config)
    voice = speaker.voice()
    gate = MicGate()
    source = DeviceSource(config.audio.input_device, config.audio.frame_ms, gate=gate)
    replies = ReplySpeaker(voice, DeviceSink(config.audio.output_device), gate, show=lambda t: say_to_person(f"안부: {t}"))
    prompts: queue.Queue = queue.Queue()
    store_path = Path(config.routines.store).expanduser()
    clock = SystemClock(config.resident.timezone)
    outbox, sending = open_outbox(config, clock)
    context = RoutineContext(config, clock, speaker.conversation, LiveResident(prompts), Store(store_path),
                             send=lambda envelope: deliver(outbox, sending, envelope),
                             later=lambda at, job, run: None, timeline=lambda entry: None)
    context.started_at = context.clock.now()
    speaker.conversation.on_alert = alert_from_understanding(context)
    context.desk.acks = hub_alerts(config)
    # The desk hears every segment's words first, so a call for help cuts into a routine's question.
    loop = speaker.voice_loop(replies, voice, on_heard=lambda transcript: say_to_person(f"들음: {transcript.text}"),
                              prompts=prompts, desk=context.desk)
    watching = start_watch(context.desk)
    routines = LiveRoutines(context, store_path.parent / "jobs.db")
    routines.start()
    manager = ServiceManager()
    say_to_person(f"listening; say '{config.wake.phrase}' to wake the speaker (Ctrl-C stops)")
    manager.ready(f"listening for '{config.wake.phrase}'")
    try:
        for turn in loop.turns(manager.alive_while(source.frames())):
            context.heard(turn)
            if turn.no_answer:
                say_to_person("(no answer)")
            if turn.exchange is not None and turn.exchange.error:
                say_to_person(f"(dialogue: {turn.exchange.error})")
    finally:
        watching.set()
        routines.stop()
        if sending is not None:
            sending.stop()
    return 0


def start_watch(desk: Desk) -> threading.Event:
    """The desk's watch on a thread of its own: unanswered questions, acknowledgements, the 119 guidance."""
    stopping = threading.Event()
    threading.Thread(target=desk.watch, args=(stopping,), name="emergency-watch", daemon=True).start()
    return stopping


def hub_of(config: Config) -> Hub | None:
    return Hub(config.hub.url, config.hub.token, config.hub.timeout_s) if config.hub.url else None


def hub_alerts(config: Config) -> HubAlerts | None:
    """Where the desk asks whether someone has taken its alert in hand; None without a hub."""
    import requests

    hub = hub_of(config)
    return HubAlerts(hub, requests.Session()) if hub else None


def console_alerts(config: Config) -> tuple[Callable[[dict], None], Callable[[], None]]:
    """Where chat's and listen's alerts go: through the outbox when a hub is configured, else to stderr.

    Returns the poster and what to call at the end: a short wait for the outbox to drain (what
    is left waits on disk for the next run).
    """
    from scheduler.clock import SystemClock

    if not config.hub.url:
        return show_alert, lambda: None
    outbox, sending = open_outbox(config, SystemClock(config.resident.timezone))

    def done() -> None:
        drain(outbox, sending, config.hub.timeout_s)
        sending.stop()

    return (lambda envelope: deliver(outbox, sending, envelope)), done


def console_desk(config: Config, conversation: Conversation, post: Callable[[dict], None],
                 say: Callable[[str], None]) -> Desk:
    """The live speaker's triage for a console (chat, listen): the desk sees each turn first."""
    from scheduler.clock import SystemClock

    desk = Desk(config.emergency, SystemClock(config.resident.timezone).now, post,
                lambda texts: [say(text) for text in texts], acks=hub_alerts(config))
    conversation.on_alert = lambda u: desk.take(u, conversation.asked)
    return desk


def open_outbox(config: Config, clock) -> tuple[Outbox, SendLoop | None]:
    """The durable outbox, and a sender thread when a hub is configured."""
    import requests

    outbox = Outbox(Path(config.hub.outbox).expanduser(), clock.now)
    hub = hub_of(config)
    if hub is None:
        say_to_person(f"no hub configured (hub.url): events wait in {config.hub.outbox}")
        return outbox, None
    loop = SendLoop(Sender(outbox, hub, requests.Session()), clock.now)
    threading.Thread(target=loop.run, name="outbox-sender", daemon=True).start()
    return outbox, loop


def drain(outbox: Outbox, sending: SendLoop, limit_s: float) -> int:
    """Waits up to `limit_s` for the hub to have every waiting event; how many are still waiting."""
    deadline = time.monotonic() + limit_s
    while outbox.status().waiting_count and time.monotonic() < deadline:
        sending.wake()
        time.sleep(0.05)
    return outbox.status().waiting_count


def deliver(outbox: Outbox, sending: SendLoop | None, envelope: dict) -> None:
    """On disk first, then on its way; the stderr line is for the operator watching the speaker."""
    try:
        outbox.put(Event.from_envelope(envelope))
    except OutboxFull as full:
        say_to_person(f"[outbox full: this event is NOT kept] {full}")
    if sending is not None:
        sending.wake()
    say_to_person(f"[event:{envelope['type']}] {json.dumps(envelope['payload'], ensure_ascii=False)}")


def cmd_outbox(args) -> int:
    from scheduler.clock import SystemClock

    config = load_config(args.config)
    path = Path(config.hub.outbox).expanduser()
    if not path.exists():
        print(f"no outbox yet at {path}: nothing has been sent or is waiting")
        return 0
    with Outbox(path, SystemClock(config.resident.timezone).now) as outbox:
        print(outbox_report(outbox.status()))
    return 0


def cmd_doctor(args) -> int:
    from .doctor import device_checks, examine

    return examine(device_checks(load_config(args.config), record_s=args.seconds), print_flushed)


def print_flushed(line: str) -> None:
    print(line, flush=True)


def cmd_chat(args) -> int:
    config = load_config(args.config)
    speaker = Speaker(config)
    post, done = console_alerts(config)
    desk = console_desk(config, speaker.conversation, post, say=lambda text: print(f"안부: {text}"))
    watching = start_watch(desk)
    try:
        converse(speaker.conversation, _typed_lines(), show=print, voice=speaker.voice() if args.out else None,
                 out=args.out)
    finally:
        watching.set()
        done()
    return 0


def _typed_lines() -> Iterable[str]:
    while True:
        try:
            line = input("어르신> ")
        except EOFError:
            return
        if line.strip():
            yield line


def converse(conversation: Conversation, lines: Iterable[str], show: Callable[[str], None],
             voice: Voice | None = None, out: Path | None = None) -> None:
    """Typed lines through the dialogue; replies printed, and spoken to WAV files when `out` is given."""
    speaker = ReplySpeaker(voice, WavFileSink(out) if out else SilentSink(), MicGate(), show=lambda t: show(f"안부: {t}"))
    for line in lines:
        exchange = conversation.respond(line)
        if exchange.error:
            say_to_person(f"(dialogue: {exchange.error})")
        speaker.say(exchange.reply.texts)


def cmd_listen(args) -> int:
    config = load_config(args.config)
    for result in listen(config, args.files, args.require_wake, args.out):
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def listen(config: Config, files: Sequence[Path], require_wake: bool, out: Path | None = None) -> Iterable[dict]:
    base = Speaker(config)
    voice = base.voice()
    post, done = console_alerts(config)
    try:
        for path in files:
            source = WavFileSource(path, config.audio.frame_ms)
            # Each file is its own conversation (and its own desk), so results do not depend on the order of files.
            speaker = Speaker(config, f"{config.resident.id}:listen:{uuid.uuid4().hex[:8]}", base.recogniser)
            desk = console_desk(config, speaker.conversation, post, say_to_person)
            sink = WavFileSink(out, prefix=Path(path).stem) if out else SilentSink()
            loop = speaker.voice_loop(ReplySpeaker(voice, sink, MicGate()), voice, desk=desk)
            yield turn_record(path, list(loop.turns(source.frames(), awake=not require_wake)))
    finally:
        done()


def turn_record(path: Path, turns: list[Turn]) -> dict:
    """The file's first answered turn (or, if none, its first heard one), and all it heard."""
    heard = [t for t in turns if t.transcript is not None]
    turn = next((t for t in turns if t.exchange is not None), heard[0] if heard else None)
    exchange = turn.exchange if turn else None
    understanding = exchange.understanding if exchange else None
    # The wake phrase may have come in a segment of its own, before the turn.
    wake_ack = next(({"wake_ack_ms": t.timings_ms["wake_ack_ms"]} for t in turns if "wake_ack_ms" in t.timings_ms), {})
    return {
        "file": str(path),
        "wake": bool(turn and turn.woke),
        "transcript": turn.transcript.text if turn and turn.transcript else "",
        "heard": " ".join(t.transcript.text for t in heard if t.transcript.text),
        "answer": turn.transcript.answer if turn and turn.transcript else None,
        "partials": turn.transcript.partials if turn and turn.transcript else 0,
        "intent": understanding.intent if understanding else None,
        "confidence": round(understanding.confidence, 4) if understanding else None,
        "alert_level": (understanding.alert_level if understanding else AlertLevel.NONE).value,
        "decided_by": understanding.decided_by if understanding else None,
        "reply": " ".join(exchange.reply.texts) if exchange else "",
        "expect": exchange.reply.expect if exchange else None,
        "error": exchange.error if exchange else None,
        "timings_ms": {**wake_ack, **(turn.timings_ms if turn else {})},
    }


def cmd_nlu(args) -> int:
    config = load_config(args.config)
    understander = Speaker(config).conversation.understander
    texts = list(args.texts)
    if args.tsv:
        texts += _tsv_texts(args.tsv)
    if not texts:
        texts = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for text in texts:
        u = understander.understand(text)
        print(json.dumps({"text": text, "intent": u.intent, "confidence": round(u.confidence, 4),
                          "alert_level": u.alert_level.value, "decided_by": u.decided_by},
                         ensure_ascii=False), flush=True)
    return 0


def cmd_nlu_eval(args) -> int:
    import yaml

    from . import intent_eval
    from .dialogue_setup import DIALOGS

    config = load_config(args.config)
    intents = set(yaml.safe_load((DIALOGS / "domain.yml").read_text(encoding="utf-8"))["intents"])
    lines = intent_eval.read_labelled(args.file, intents)
    understander = Speaker(config).conversation.understander
    scores = intent_eval.Scores.of(lines, (understander.understand(text) for text, _ in lines))
    print(intent_eval.summary(scores))
    report = args.report or Path("build") / f"{args.file.stem}-eval.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(intent_eval.report(args.file, scores, config.dialog.min_confidence,
                                           config.dialog.alert_from), encoding="utf-8")
    say_to_person(f"report written to {report}")
    return 0


def _tsv_texts(path: Path) -> list[str]:
    """The first column of each row; a header row whose first cell is `text` is skipped."""
    try:
        rows = [line.split("\t")[0].strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    return [r for i, r in enumerate(rows) if r and not (i == 0 and r == "text")]


def cmd_enroll(args) -> int:
    config = load_config(args.config)
    store = EnrolmentStore(Path(config.enrolment.folder))
    kind = args.kind or (WAKE if args.phrase == config.wake.phrase else DISTRESS)
    if args.files:
        takes = [check_take(read_wav(path), str(path)) for path in args.files]
    else:
        takes = _record_takes(config, args.phrase, args.takes)
    entry = store.add(args.name, args.phrase, kind, takes)
    print(f"enrolled '{entry.phrase}' as {entry.name} ({entry.kind}): "
          + ", ".join(f"{t.seconds:.1f} s at {level_dbfs(t):.0f} dBFS" for t in takes))
    print(f"kept on this device in {store.folder}")
    return 0


def _record_takes(config: Config, phrase: str, count: int) -> list[AudioClip]:
    """Takes from the microphone, each after a tone, each checked before the next."""
    # A fresh input stream opens after each tone has played, so the tone is never taken for a take.
    source = DeviceSource(config.audio.input_device, config.audio.frame_ms)
    sink = DeviceSink(config.audio.output_device)
    takes: list[AudioClip] = []
    while len(takes) < count:
        say_to_person(f"take {len(takes) + 1} of {count}: after the tone, say: {phrase}")
        sink.play(chime())
        segment = _next_segment(source, config)
        if segment is None:
            say_to_person("nothing was heard; let us try that take again")
            continue
        try:
            takes.append(check_take(segment, f"take {len(takes) + 1}"))
        except EnrolmentError as problem:
            say_to_person(f"{problem}; let us try that take again")
    return takes


def _next_segment(source: DeviceSource, config: Config, wait_s: float = 6.0) -> AudioClip | None:
    for event in Segmenter(config.vad, config.audio.frame_ms).segments(source.frames()):
        if isinstance(event, SpeechSegment):
            return event.audio
        if isinstance(event, Silence) and event.at_s > wait_s:
            return None
    return None


def cmd_selftest(args) -> int:
    config = load_config(args.config)
    store = EnrolmentStore(Path(config.enrolment.folder))
    if not store.phrases():
        raise EnrolmentError(f"nothing is enrolled in {store.folder}; enrol the resident first with speaker-app enroll")
    speaker = Speaker(config)
    if args.wav_only:
        capture, path_name = (lambda clip: clip + AudioClip(bytes(32000))), "the WAV path (no devices)"
    else:
        source = DeviceSource(config.audio.input_device, config.audio.frame_ms)
        sink = DeviceSink(config.audio.output_device)
        capture, path_name = (lambda clip: play_and_record(clip, source, sink)), "the loudspeaker and microphone"
    rows = selftest(store, speaker.detectors(), capture, config.vad, config.audio.frame_ms)
    print(selftest_report(rows, path_name))
    return 0 if all(row.heard for row in rows) else 1


def cmd_simulate_day(args) -> int:
    import tempfile

    from scheduler.scenario import load_scenario
    from scheduler.simulation import simulate_day

    config = load_config(args.config)
    scenario = load_scenario(args.script, config.resident.timezone)
    speaker = Speaker(config, sender=f"{config.resident.id}:simulated:{uuid.uuid4().hex[:8]}")
    ears = None
    if scenario.has_recordings:  # the Vosk model and the detectors load only for a day that needs them
        from scheduler.recorded import VoicePath

        loop = speaker.voice_loop(ReplySpeaker(None, SilentSink(), MicGate()), speaker.voice())
        ears = VoicePath(loop, config.audio.frame_ms)
    with tempfile.TemporaryDirectory(prefix="anbu-day-") as folder:
        store = args.store or Path(folder) / "speaker.db"
        events = simulate_day(config, scenario, speaker.conversation, store, ears=ears)
    say_to_person(f"simulated {scenario.day}: {len(events)} events for the hub "
                  f"({', '.join(sorted({e['type'] for e in events}))})")
    return 0


def cmd_setup(args) -> int:
    from .dialogue_setup import rasa_venv, trained_model

    venv = rasa_venv()
    model = trained_model(venv)
    resolve_model_dir(load_config(args.config).recogniser.model)
    print(json.dumps({"rasa_venv": str(venv), "rasa_model": str(model)}))
    return 0


def cmd_dialogue(args) -> int:
    """The Rasa server in the foreground, set up first if needed."""
    from .dialogue_server import RasaProcess
    from .dialogue_setup import rasa_venv, trained_model

    config = load_config(args.config)
    venv = rasa_venv()
    with RasaProcess(venv, trained_model(venv), port=port_of(config.dialog.url)) as server:
        say_to_person(f"the dialogue answers on {server.url}; Ctrl-C stops it")
        try:
            server.process.wait()
        except KeyboardInterrupt:
            pass
    return 0


def port_of(url: str) -> int:
    from urllib.parse import urlparse

    return urlparse(url).port or 5005


def cmd_demo(args) -> int:
    from .demo import DAY_SCRIPT, run_demo

    wait = not args.no_wait and sys.stdin.isatty()
    return run_demo(load_config(args.config), args.out, args.speech, wait=wait, script=args.script or DAY_SCRIPT,
                    live=args.live)


def _exit_on_sigterm(signum, frame) -> None:
    # SIGTERM (kill, systemd) would end Python at once, leaving the Rasa servers a `with` started
    # running; as an exception it unwinds like Ctrl-C, and every `with` stops what it started.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="speaker-app", description="Anbu (안부): the on-device Korean voice speaker")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.add_argument("--config", type=Path, default=Path("config/example.yaml"), help="the device's YAML file")
        sub.set_defaults(handler=handler)
        return sub

    command("run", cmd_run, "the live voice loop on the configured audio devices")
    chat = command("chat", cmd_chat, "the same dialogue, typed")
    chat.add_argument("--out", type=Path, help="also speak the replies into WAV files in this folder")
    listen_cmd = command("listen", cmd_listen, "WAV files through the full voice path, one JSON line each")
    listen_cmd.add_argument("files", type=Path, nargs="+")
    listen_cmd.add_argument("--require-wake", action="store_true", help="the file must start with the wake phrase")
    listen_cmd.add_argument("--out", type=Path, help="write the spoken replies as WAV files here")
    nlu = command("nlu", cmd_nlu, "classify texts as the live loop does, one JSON line each")
    nlu.add_argument("texts", nargs="*")
    nlu.add_argument("--tsv", type=Path, help="a TSV file whose first column holds the texts")
    nlu_eval = command("nlu-eval", cmd_nlu_eval, "score the decisions on labelled lines: accuracy, per intent, "
                                                 "emergency recall, false alarms; and write a markdown report")
    nlu_eval.add_argument("file", type=Path, help="tab-separated, with a header row naming `text` and `intent`")
    nlu_eval.add_argument("--report", type=Path, help="the markdown report (default: build/FILE-eval.md)")
    enroll = command("enroll", cmd_enroll, "record the resident saying a phrase (or take WAV files), on the device only")
    enroll.add_argument("--name", required=True, help="a short name for the phrase, e.g. help1")
    enroll.add_argument("--phrase", required=True, help="the words, as the resident says them")
    enroll.add_argument("--kind", choices=[WAKE, DISTRESS],
                        help="default: wake if the phrase is the configured wake phrase, else distress")
    enroll.add_argument("--takes", type=int, default=3, help="how many takes to record from the microphone")
    enroll.add_argument("files", type=Path, nargs="*", help="WAV takes instead of the microphone")
    selftest_cmd = command("selftest", cmd_selftest, "play each enrolled take and report which detector hears it")
    selftest_cmd.add_argument("--wav-only", action="store_true", help="skip the audio devices: use the takes as they are")
    simulate = command("simulate-day", cmd_simulate_day, "a whole scripted day through the real routines, in seconds")
    simulate.add_argument("--script", type=Path, required=True, help="a scenario, e.g. config/scenarios/good-day.yaml")
    simulate.add_argument("--store", type=Path, help="keep the day's local store here (default: thrown away)")
    command("outbox", cmd_outbox, "what waits to be sent to the care hub, and what failed last and why")
    doctor = command("doctor", cmd_doctor, "check this speaker: audio, models, dialogue, hub, clock, disk; "
                     "one PASS/WARN/FAIL line each, exit 1 on a FAIL")
    doctor.add_argument("--seconds", type=float, default=1.0, help="how long to record the room for the input level")
    command("setup", cmd_setup, "make the Rasa venv and train the dialogue model (cached)")
    command("dialogue", cmd_dialogue, "run the Rasa server in the foreground")
    demo = command("demo", cmd_demo, "a whole simulated day with a care hub, the dialogue and the audio path")
    demo.add_argument("--out", type=Path, default=Path("build/demo"),
                      help="the day's hub database, outbox, store, timeline and spoken replies")
    demo.add_argument("--script", type=Path, help="the day's script of the resident's answers "
                                                  "(default config/scenarios/whole-day.yaml)")
    demo.add_argument("--live", action="store_true", help="the same day on the configured microphone and "
                                                          "loudspeaker: a person answers, the timeline says when")
    demo.add_argument("--no-wait", action="store_true", help="stop the hub at the end instead of serving the "
                                                             "dashboard until Ctrl-C (the default without a terminal)")
    demo.add_argument("--speech", type=Path, default=Path("../shared/speech"), help="real Korean recordings")

    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return args.handler(args)
    except FAILURES as error:
        print(f"speaker-app: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
