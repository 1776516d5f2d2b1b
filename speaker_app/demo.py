"""The main job (`make demo`): one whole day of a resident's life, on real components, in a few minutes.

Real: the care hub (`carehub serve` on SQLite on 127.0.0.1, with a caregiver,
a resident and this speaker, set up by its own commands), the Rasa server and
its action server, the speaker's routines, dialogue, emergency module and
durable outbox posting over HTTP, and the audio path (VAD, both detectors,
the Vosk recogniser) for everything the day plays as sound.

Not real, and the timeline says so where it happens:
- the clock: simulated, stepped from one moment of the day to the next;
- the resident's answers: typed at the recogniser's boundary (there is no
  recognisable Korean test voice here, ../shared/design/SPEECH.md);
- the resident's voice calling for help: espeak-ng's, enrolled as her three
  takes of the phrase, then heard at another speed through the audio path.
  It proves the path, the template detector and the timing, not recognition.

The real recordings of ../shared/speech play in the room in the morning
(a radio, as far as the speaker knows): they must wake and raise nothing.

`--live` runs the same day on the device's microphone and loudspeaker
(speaker_app/demo_rooms.py): a person answers, and says the complaint and
the call for help when the timeline asks; the clock stays simulated between
the day's moments.
"""
from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.clock import SimulatedClock
from scheduler.day import Day
from scheduler.routines import RoutineContext, alert_from_understanding
from scheduler.scenario import load_scenario
from scheduler.store import Store
from wakeword.detection import DISTRESS
from wakeword.enrolment import EnrolmentStore, trim_to_speech

from .audio import find_device
from .cli import Speaker, deliver, drain, hub_alerts, open_outbox, port_of, say_to_person
from .config import Config
from .demo_hub import CAREGIVER, Caregiver, LocalHub
from .demo_rooms import CALL_FOR_HELP, ENROL_RATE, LiveRoom, SimulatedRoom
from .dialogue_server import RasaProcess
from .dialogue_setup import rasa_venv, trained_model
from .voice import Voice

DAY_SCRIPT = Path(__file__).resolve().parent.parent / "config" / "scenarios" / "whole-day.yaml"
STEPS = 5


def step(n: int, text: str) -> None:
    say_to_person(f"[{n}/{STEPS}] {text}")


@dataclass
class DayRecord:
    """What the speaker sent for the hub during the day, for the checks at the end."""

    sent: list[dict] = field(default_factory=list)


def run_demo(config: Config, out: Path, speech: Path, wait: bool = True, script: Path = DAY_SCRIPT,
             live: bool = False) -> int:
    _fresh(out)
    if live:  # a missing device stops the demo before the slow set-up, naming the device
        find_device(config.audio.input_device, "input")
        find_device(config.audio.output_device, "output")
    step(1, "the dialogue: Rasa venv and trained model (cached after the first run)")
    venv = rasa_venv()
    model = trained_model(venv)

    step(2, "the care hub: a caregiver, a resident and this speaker, on SQLite on 127.0.0.1")
    hub = LocalHub(out / "hub", config.resident.name or "김순자", config.resident.honorific)
    hub.set_up()
    config = _for_the_day(config, out, hub, live)

    if live:
        step(3, f"the resident's own enrolled takes from {config.enrolment.folder} (speaker-app enroll)")
    else:
        step(3, f"enrolling the resident's call for help '{CALL_FOR_HELP}': three takes in espeak-ng's voice")
        _enrol(config, Voice(ENROL_RATE, config.voice.volume))

    with hub, RasaProcess(venv, model, port=port_of(config.dialog.url), log=out / "rasa.log"):
        step(4, f"the day, on a simulated clock (hub {hub.url})")
        record = run_day(config, out, speech, hub, script, live)
        step(5, "what the care hub holds now")
        failures = check_hub(hub, record)
        print(f"\ntimeline: {out / 'timeline.jsonl'}; the speaker's spoken replies: {out / 'spoken'}/")
        print(f"dashboard: {hub.url}/   login: {CAREGIVER.username} / {CAREGIVER.password} ({CAREGIVER.name}, "
              f"{CAREGIVER.relation})")
        for failure in failures:
            say_to_person(f"CHECK FAILED: {failure}")
        if wait and not failures:
            print("the hub keeps running for the dashboard; Ctrl-C stops it", flush=True)
            _wait_for_ctrl_c()
    return 1 if failures else 0


def _fresh(out: Path) -> None:
    """Each day starts from nothing: yesterday's store would count its remarks in this week's trend."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("outbox.db*", "speaker.db*", "timeline.jsonl", "spoken/*.wav"):
        for old in out.glob(name):
            old.unlink()


def _for_the_day(config: Config, out: Path, hub: LocalHub, live: bool) -> Config:
    """The configuration, with the day's files under `out` and the hub just made; the simulated resident's
    enrolment too (a live one keeps her own)."""
    return replace(
        config,
        hub=replace(config.hub, url=hub.url, token=hub.token, outbox=str(out / "outbox.db")),
        routines=replace(config.routines, store=str(out / "speaker.db")),
        enrolment=config.enrolment if live else replace(config.enrolment, folder=str(out / "enrolment")),
    )


def _enrol(config: Config, voice: Voice) -> None:
    folder = Path(config.enrolment.folder)
    for old in folder.glob("*"):
        if old.is_file():
            old.unlink()
    takes = [trim_to_speech(voice.synthesise(CALL_FOR_HELP)) for _ in range(3)]
    EnrolmentStore(folder).add("call-for-help", CALL_FOR_HELP, DISTRESS, takes)


def run_day(config: Config, out: Path, speech: Path, hub: LocalHub, script: Path, live: bool = False) -> DayRecord:
    """Runs the day; what it sent for the hub."""
    scenario = load_scenario(script, config.resident.timezone)
    zone = ZoneInfo(config.resident.timezone)
    today = datetime.now(zone).date()
    scenario = _moved_to(scenario, today)
    start = datetime.combine(today, datetime.min.time(), zone).replace(hour=6)
    end = start.replace(hour=23)
    clock = SimulatedClock(start)
    record = DayRecord()
    room_kind = LiveRoom if live else SimulatedRoom
    timeline = Timeline(out / "timeline.jsonl", room_kind.answers_are)

    speaker = Speaker(config, sender=f"{config.resident.id}:demo-{int(time.time())}")
    outbox, sending = open_outbox(config, clock)

    def send(envelope: dict) -> None:
        deliver(outbox, sending, envelope)
        record.sent.append(envelope)

    room = room_kind(config, speaker, clock, scenario, out)
    context = RoutineContext(config, clock, speaker.conversation, room.resident, Store(Path(config.routines.store)),
                             send, later=lambda at, job, run: None, timeline=timeline.show, started_at=start)
    speaker.conversation.on_alert = alert_from_understanding(context)
    speaker.conversation.now = clock.now
    context.desk.acks = hub_alerts(config)
    context.desk.say = room.say
    room.enter(context)
    day = Day(context, clock)
    day.plan(start, end)
    day.later(start.replace(hour=10), ("radio",), lambda: room.radio(speech))
    day.later(start.replace(hour=15), ("call_for_help",), room.call_for_help)
    day.later(start.replace(hour=15, minute=1), ("caregiver",),
              lambda: _caregiver_acknowledges(hub, context, outbox, sending))

    def resident_speaks_up(until: datetime) -> None:
        for at, text in room.resident_speaks_up(until):
            clock.set(max(at, clock.now()))
            room.speak_up(text)

    try:
        day.run_until(end, before_each=resident_speaks_up)
        _drain(outbox, sending)
    finally:
        room.close()
        if sending is not None:
            sending.stop()
        outbox.close()
    return record


def _caregiver_acknowledges(hub: LocalHub, context: RoutineContext, outbox, sending) -> None:
    """The caregiver sees the call for help on the dashboard and takes it in hand; the speaker hears of it."""
    _drain(outbox, sending)
    caregiver = Caregiver(hub.url)
    emergencies = caregiver.open_alerts("emergency")
    for alert_id in emergencies:
        caregiver.acknowledge(alert_id, plan="visiting")
    context.timeline({"at": context.clock.now().isoformat(), "routine": "caregiver",
                      "note": f"{CAREGIVER.relation} {CAREGIVER.name} acknowledged {len(emergencies)} emergency "
                              "alert(s) on the dashboard: visiting"})
    # What the desk's watch thread does every few seconds on a device, once, on the simulated clock.
    context.desk.check()


def _moved_to(scenario, day: date):
    shift = day - scenario.day
    scenario.day = day
    scenario.answers = [(at + shift, answers) for at, answers in scenario.answers]
    scenario.sayings = [(at + shift, text) for at, text in scenario.sayings]
    return scenario


def _drain(outbox, sending, limit_s: float = 30.0) -> None:
    """Waits until the hub has every event of the day, or says what is still waiting."""
    waiting = drain(outbox, sending, limit_s) if sending is not None else 0
    if waiting:
        say_to_person(f"{waiting} event(s) still in the outbox after {limit_s:.0f} s; `speaker-app outbox` shows why")


class Timeline:
    """Prints each step for people and keeps it as JSON lines."""

    def __init__(self, path: Path, answers_are: str):
        self.file = path.open("w", encoding="utf-8")
        self.answers_are = answers_are

    def show(self, entry: dict) -> None:
        self.file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.file.flush()
        line = render(entry, self.answers_are)
        if line:
            print(line, flush=True)


def render(entry: dict, answers_are: str = "typed") -> str | None:
    """One timeline entry for people; `answers_are` says how the answers to routines came: typed or heard."""
    at = entry.get("at", "")[11:16]
    if "job" in entry:
        kind, *args = entry["job"].split()
        # A routine's own arguments name a medicine first, then times and counts the reader need not see.
        return f"\n{at}  ── {JOB_NAMES.get(kind, kind)} {args[0] if args else ''}".rstrip()
    if "event" in entry:
        payload = entry["payload"]
        what = payload.get("level") or payload.get("status") or ""
        detail = payload.get("reason") or payload.get("medicine") or payload.get("text", "")[:60]
        return f"{at}     → hub: {entry['event']} {what} {detail}".rstrip()
    if "sound" in entry:
        suffix = ""
        if "woke" in entry:
            suffix = f"  woke: {'yes' if entry['woke'] else 'no'}, alerts: {entry['alerts'] or 'none'}"
        return f"{at}     (sound) {entry['sound']}{suffix}"
    lines = []
    if entry.get("said"):
        lines.append(f"{at}     안부: {entry['said']}")
    if "heard" in entry and entry.get("routine") != "radio":
        heard = entry["heard"]
        label = ("typed" if entry.get("typed") else
                 "heard" if entry.get("routine") in ("voice", "call for help") else answers_are)
        lines.append(f"{at}     어르신 ({label}): {heard if heard is not None else '(no answer)'}")
    if "alert_level" in entry:
        lines.append(f"{at}     detected by {entry['detected']}: {entry['intent']} → alert {entry['alert_level']}")
    if "note" in entry:
        lines.append(f"{at}     ({entry['note']})")
    return "\n".join(lines) or None


JOB_NAMES = {"morning_call": "굿모닝 콜", "dose": "복약 알림", "dose_ask": "복약 다시 묻기",
             "dose_close": "복약 확인 마감", "summary": "저녁 요약", "radio": "라디오 (실제 녹음)",
             "call_for_help": "도움 요청", "caregiver": "담당자"}


def check_hub(hub: LocalHub, record: DayRecord) -> list[str]:
    """The day's facts, checked at the hub itself."""
    failures = []
    alerts = hub.device_alerts()
    for alert in alerts:
        print(f"  alert {alert['level']:9} {alert['status']:12} {alert.get('say') or ''}")
    # A repeat or a cancellation request joins the alert it names at the hub instead of opening one.
    sent_alerts = [e for e in record.sent if e["type"] == "alert"
                   and not {"repeats", "cancels"} & e["payload"].keys()]
    if len({a["id"] for a in alerts}) != len(alerts):
        failures.append("an alert is stored twice at the hub")
    if {a["id"] for a in alerts} != {e["id"] for e in sent_alerts}:
        failures.append(f"the speaker sent {len(sent_alerts)} alert(s), the hub holds {len(alerts)}")
    if not any(a["level"] == "emergency" for a in alerts):
        failures.append("no emergency alert reached the hub")
    return failures


def _wait_for_ctrl_c() -> None:
    try:
        signal.pause()
    except KeyboardInterrupt:
        print()
