"""Benchmark: from the end of a spoken "살려 주세요" to the alert stored at a real care hub.

    python bench/escalation.py [--runs 36]

The resident's voice is espeak-ng Korean: the phrase is enrolled from three
takes (speaker-app enroll's store, wakeword/enrolment.py), and each run says
it once more at another speed and pitch. espeak-ng speech is not recognisable
by Vosk (SPEECH.md), so what this measures is the path and its timing: the
template detector (which compares sounds with sounds) hears the plea, the
phrase spotter runs on the same audio as it does in the daemon.

Each run plays its audio in real time, frame by frame, as a microphone
delivers it, into the daemon's own parts: the VAD (webrtcvad), both
detectors, the voice loop, the emergency desk, the durable outbox and its
sender thread, and a real `carehub serve` on SQLite in a temporary folder on
127.0.0.1 (set up with carehub's own commands). The alert counts as stored
when the hub's device API answers for it (GET /api/v1/alerts/{id}, asked
every 5 ms from the moment the alert entered the outbox; so a stored time is
late by at most one poll).

A table goes to stdout, progress to stderr, and a report to bench/reports/escalation.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emergency.desk import Desk  # noqa: E402
from scheduler.clock import SystemClock  # noqa: E402
from speaker_app.audio import AudioClip, Frame, MicGate, SilentSink, read_wav, split_frames  # noqa: E402
from speaker_app.cli import Speaker, deliver, open_outbox  # noqa: E402
from speaker_app.config import parse_config  # noqa: E402
from speaker_app.voice_loop import ReplySpeaker  # noqa: E402
from wakeword.detection import DISTRESS  # noqa: E402
from figures import write_figures  # noqa: E402  (bench/, the script's own folder)
from wakeword.enrolment import EnrolmentStore, check_take, trim_to_speech  # noqa: E402

PLEA = "살려 주세요"
ENROLLED = [(130, 40), (130, 50), (130, 60)]  # speed, pitch of the three takes
BIN = Path(sys.executable).parent
STARTED = time.monotonic()
LEAD_S, TAIL_S = 0.6, 2.0


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def espeak(text: str, path: Path, speed: int, pitch: int) -> AudioClip:
    subprocess.run(["espeak-ng", "-v", "ko", "-s", str(speed), "-p", str(pitch), "-w", str(path), text], check=True)
    return read_wav(path)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class CareHubProcess:
    """`carehub serve` on SQLite in a folder of its own, with one resident, a caregiver and a speaker."""

    def __init__(self, folder: Path):
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'carehub.db'}", "CAREHUB_PASSWORD": "bench-pass-123"}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def _carehub(self, *args: str) -> str:
        return subprocess.run([str(BIN / "carehub"), *args], env=self.env, check=True, capture_output=True,
                              text=True).stdout.strip()

    def __enter__(self) -> "CareHubProcess":
        self._carehub("add-user", "kim", "--name", "김복지")
        resident = self._carehub("add-resident", "이순자", "--honorific", "할머니").split()[-1]
        self._carehub("assign", "--user", "kim", "--resident", resident, "--relation", "복지담당")
        self.token = self._carehub("add-device", "--resident", resident).splitlines()[-1]
        self.process = subprocess.Popen([str(BIN / "carehub"), "serve", "--port", str(self.port)], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/v1/device", headers=self.headers, timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("carehub serve did not answer within 30 s")

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Run:
    variant: str
    detector: str | None
    strength: float | None
    asked_first: bool
    hang_over_ms: float  # end of speech -> the VAD closed the segment (the audio clock)
    asr_final_ms: float  # the recogniser's final result, once the segment closed
    detect_ms: float  # both detectors' verdicts on the segment, after that
    to_desk_ms: float | None  # end of speech -> the desk had the plea
    to_outbox_ms: float | None  # -> the alert on disk in the outbox
    to_hub_ms: float | None  # -> stored at the hub


def paced(frames, started: float):
    """Frames as a microphone delivers them: each once its last sample has been captured."""
    for frame in frames:
        frame: Frame
        delay = started + frame.start_s + len(frame.pcm) / 32000 - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield frame


def one_run(speaker: Speaker, config, hub: CareHubProcess, outbox, sending, clip: AudioClip, variant: str) -> Run:
    speech = trim_to_speech(clip)
    audio = AudioClip.silence(LEAD_S) + speech + AudioClip.silence(TAIL_S)
    speech_end_s = LEAD_S + speech.seconds
    marks: dict[str, float] = {}
    stored = threading.Event()
    heard: list = []

    def send(envelope: dict) -> None:
        deliver(outbox, sending, envelope)
        marks["outbox"] = time.perf_counter()
        threading.Thread(target=wait_stored, args=(envelope["id"],), daemon=True).start()

    def wait_stored(event_id: str) -> None:
        session = requests.Session()
        while not stored.is_set():
            if session.get(f"{hub.url}/api/v1/alerts/{event_id}", headers=hub.headers, timeout=5).status_code == 200:
                marks["hub"] = time.perf_counter()
                stored.set()
                return
            time.sleep(0.005)

    desk = Desk(config.emergency, SystemClock(config.resident.timezone).now, send, lambda texts: None)

    def take(u):
        marks.setdefault("desk", time.perf_counter())
        heard.append(u)
        return desk.take(u, speaker.conversation.asked)

    speaker.conversation.on_alert = take
    loop = speaker.voice_loop(ReplySpeaker(None, SilentSink(), MicGate()), speaker.voice(), desk=desk)
    started = time.perf_counter()
    turns = list(loop.turns(paced(split_frames(audio, config.audio.frame_ms), started)))
    stored.wait(10)
    end = started + speech_end_s
    hit = next((u for u in heard if u.decided_by in ("spotter", "template") or "+" in u.decided_by), None)
    closed = next((t for t in turns if t.transcript is not None), None)
    timings = closed.timings_ms if closed else {}

    def since(mark: str) -> float | None:
        return round((marks[mark] - end) * 1000, 1) if mark in marks else None

    return Run(variant, hit.decided_by if hit else None, round(hit.confidence, 3) if hit else None,
               desk.question is not None,
               timings.get("hang_over_ms", float("nan")), timings.get("asr_final_ms", float("nan")),
               timings.get("detect_ms", float("nan")), since("desk"), since("outbox"), since("hub"))


def outbox_figures() -> str:
    """The outbox bench's own figures, as it last wrote them (bench/outbox.py)."""
    path = ROOT / "bench" / "reports" / "outbox.json"
    if not path.is_file():
        return "The outbox's own figures: run `python bench/outbox.py` (bench/reports/outbox.md)."
    rows = {row["name"]: row for row in json.loads(path.read_text(encoding="utf-8"))["figures"]["rows"]}
    put, drain = rows["put() latency"], rows["backlog drain to the hub"]
    return (f"The outbox's own figures are in bench/reports/outbox.md (put() median {put['median']:.3f} ms; a backlog "
            f"drained at a median {drain['median']:.0f} events/s, alerts first, against the hub stand-in).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=36)
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="anbu-escalation-") as folder_name:
        folder = Path(folder_name)
        takes = [check_take(espeak(PLEA, folder / f"take-{p}.wav", s, p), f"take {p}") for s, p in ENROLLED]
        EnrolmentStore(folder / "enrolment").add("help", PLEA, DISTRESS, takes)
        variants = [(speed, pitch) for speed in (115, 125, 140, 150, 160, 170) for pitch in (38, 45, 52, 58, 65, 70)]
        variants = (variants * (args.runs // len(variants) + 1))[:args.runs]
        with CareHubProcess(folder) as hub:
            config = parse_config({
                "enrolment": {"folder": str(folder / "enrolment")},
                "dialog": {"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 1},  # no dialogue: a plea needs none
                "hub": {"url": hub.url, "token": hub.token, "outbox": str(folder / "outbox.db")},
            })
            progress("loading the recogniser and the detectors")
            speaker = Speaker(config)
            speaker.recogniser
            outbox, sending = open_outbox(config, SystemClock(config.resident.timezone))
            runs = []
            try:
                for number, (speed, pitch) in enumerate(variants, 1):
                    clip = espeak(PLEA, folder / "said.wav", speed, pitch)
                    run = one_run(speaker, config, hub, outbox, sending, clip, f"speed {speed}, pitch {pitch}")
                    runs.append(run)
                    progress(f"run {number}/{len(variants)} {run.variant}: {run.detector} {run.strength} "
                             f"desk {run.to_desk_ms} ms, hub {run.to_hub_ms} ms")
            finally:
                sending.stop()
    report(runs, args, load_start, os.getloadavg())


def report(runs: list[Run], args, load_start, load_end) -> None:
    at_once = [r for r in runs if r.to_hub_ms is not None and not r.asked_first]
    rows = []
    for name, values in (("end of speech -> segment closed (VAD hang-over)", [r.hang_over_ms for r in at_once]),
                         ("  then the recogniser's final result", [r.asr_final_ms for r in at_once]),
                         ("  then both detectors' verdicts", [r.detect_ms for r in at_once]),
                         ("end of speech -> the desk has the plea", [r.to_desk_ms for r in at_once]),
                         ("end of speech -> the alert on disk in the outbox", [r.to_outbox_ms for r in at_once]),
                         ("end of speech -> the alert stored at the hub", [r.to_hub_ms for r in at_once]),
                         ("  the same, after the first run", [r.to_hub_ms for r in at_once[1:]])):
        values = [v for v in values if v is not None]
        if values:
            rows.append((name, statistics.median(values), percentile(values, 99), max(values), len(values)))
    heard_by = {}
    for r in runs:
        heard_by[r.detector or "not heard"] = heard_by.get(r.detector or "not heard", 0) + 1
    asked = sum(r.asked_first for r in runs)
    table = ["| measurement | median ms | p99 ms | max ms | n |", "|---|---:|---:|---:|---:|"]
    table += [f"| {name} | {median:.0f} | {p99:.0f} | {top:.0f} | {n} |" for name, median, p99, top, n in rows]
    strengths = [r.strength for r in runs if r.strength is not None]
    lines = [
        "# Escalation benchmark: end of a spoken plea to the alert stored at the hub",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())} (run took {time.monotonic() - STARTED:.0f} s)",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, kernel {platform.release()}",
        f"- load average at start / end: {' '.join(f'{x:.2f}' for x in load_start)} / "
        f"{' '.join(f'{x:.2f}' for x in load_end)} (the machine is shared: figures are noisy)",
        f"- command: `python bench/escalation.py --runs {args.runs}`",
        f"- runs: {len(runs)}; the plea was heard by: "
        + ", ".join(f"{k} {v}" for k, v in sorted(heard_by.items()))
        + f"; escalated at once: {len(at_once)}; asked first (a weak hit): {asked}",
        f"- hit strengths: median {statistics.median(strengths):.2f}, min {min(strengths):.2f}" if strengths else
        "- hit strengths: none",
        "",
        "## Measurements",
        "",
        *table,
        "",
        "The voice is espeak-ng Korean: \"살려 주세요\" enrolled from three takes (speed 130, pitch 40/50/60) and said "
        "once per run at another speed (115-170) and pitch (38-70), played frame by frame in real time. Every run "
        "goes through the daemon's own parts (webrtcvad, the phrase spotter and the template detector, the voice "
        "loop, the emergency desk, the durable outbox with its sender thread) to `carehub serve` on SQLite on "
        "127.0.0.1. The VAD's hang-over (vad.hang_over_ms, 500 ms by default) is the silence that ends a turn: most "
        "of the time before the speaker can know the plea is over. The stored time is when the hub's device API "
        "first answered for the alert (polled every 5 ms). The first run is the first speech the process decodes: "
        "the recogniser is slow until its model is warm (a warm-up on silence or other speech at start-up did not "
        "remove it when tried), so the first call for help after the speaker starts takes seconds longer; the "
        "last row leaves that run out.",
        "",
        outbox_figures(),
        "",
        "## Runs",
        "",
        "| variant | detector | strength | asked first | desk ms | outbox ms | hub ms |",
        "|---|---|---:|---|---:|---:|---:|",
        *[f"| {r.variant} | {r.detector} | {r.strength} | {'yes' if r.asked_first else 'no'} | {r.to_desk_ms} | "
          f"{r.to_outbox_ms} | {r.to_hub_ms} |" for r in runs],
    ]
    text = "\n".join(lines) + "\n"
    print("\n".join(table))
    out = ROOT / "bench" / "reports" / "escalation.md"
    out.write_text(text, encoding="utf-8")
    write_figures(out, {"runs": [vars(r) for r in runs]})
    progress(f"report written to {out}")


if __name__ == "__main__":
    main()
