"""One report on what Anbu was measured to do, for a district deciding whether to use it.

    python bench/report.py [--reuse] [--reports bench/reports]

Without --reuse it runs every benchmark first (bench/voice.py, spotting.py, intents.py,
outbox.py, hub_load.py, escalation.py, and the outbox fault test), one after the other: about
40 minutes on 2 cores. With --reuse it takes the figures they last wrote. Either way it reads
only the JSON each bench writes beside its Markdown (bench/figures.py), and writes
REPORT.md with its plots (PNG) into the reports folder. A bench whose figures are missing is
named in the report as not measured, with the command that measures it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "bench" / "reports"

from figures import machine  # noqa: E402  (bench/, the script's own folder)
# The PNG canvas of the spotting bench (numpy + zlib): matplotlib is not in the project's venv.
from spotting import COLOURS, Canvas  # noqa: E402


@dataclass(frozen=True)
class Bench:
    name: str
    needs: str          # the file that must exist to run it
    command: list[str]  # after `python`, from the clone; {dir} is the reports folder
    env: str = ""       # what the command needs in its environment, as a person would type it

    def run(self, reports: Path) -> str:
        """One line on how the run went."""
        if not (ROOT / self.needs).is_file():
            return f"{self.needs} is not there: not run"
        command = [sys.executable] + [part.replace("{dir}", str(reports)) for part in self.command]
        say(f"running {' '.join(command[1:])}")
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "ANBU_FIGURES_DIR": str(reports)})
        return f"`python {' '.join(self.command)}`: exit {done.returncode}"


def bench(name: str, *options: str) -> Bench:
    return Bench(name, f"bench/{name}.py", [f"bench/{name}.py", *options])


BENCHES = [
    bench("voice", "--report", "{dir}/voice.md"),
    bench("spotting", "--out", "{dir}"),
    bench("intents", "--report", "{dir}/intents.md"),
    bench("escalation"),  # writes bench/reports/escalation.md, wherever --reports points
    bench("outbox", "--report", "{dir}/outbox.md"),
    bench("hub_load", "--report", "{dir}/hub_load.md"),
    # The fault test writes its figures where ANBU_FIGURES_DIR says.
    Bench("outbox_faults", "tests/test_outbox_faults.py",
          ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_outbox_faults.py"], "ANBU_FIGURES_DIR={dir} "),
]


def say(message: str) -> None:
    print(f"[report] {message}", file=sys.stderr, flush=True)


# --- the figures ---------------------------------------------------------------------------

class Source:
    """One bench's JSON: its figures, and where and how they were measured."""

    def __init__(self, name: str, reports: Path):
        self.name, self.path = name, reports / f"{name}.json"
        self.data = json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else None
        self.figures = self.data["figures"] if self.data else {}

    @property
    def found(self) -> bool:
        return self.data is not None

    def cite(self) -> str:
        if not self.found:
            missing = f"*No figures: `{self.path.name}` is missing. Measure with `{command_for(self.name)}`.*"
            markdown = self.path.with_suffix(".md")
            if markdown.is_file():  # a report from before the benches kept their figures as JSON: read, not parsed
                missing += (f" Its last report, written before its figures were kept as JSON, is "
                            f"[{markdown.name}]({markdown.name}).")
            return missing
        m = self.data["machine"]
        # The bench's own processes count in the load too; well above the cores, other work was competing.
        load = (f"; load average {', '.join(map(str, m['load_average']))} (1, 5, 15 min) when written, the bench's "
                f"own work included" if "load_average" in m else "; its load average was not kept with its figures")
        return (f"Source: `{self.path.name}`, written {self.data['written']} by `{self.data['command']}` on "
                f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM ({m['arch']}, kernel {m['kernel']}, "
                f"Python {m['python']}{load}).")


def command_for(name: str) -> str:
    bench = next(b for b in BENCHES if b.name == name)
    return (bench.env + "python " + " ".join(bench.command)).replace("{dir}", "bench/reports")


def row(voice: Source, name: str) -> dict | None:
    return next((r for r in voice.figures.get("rows", []) if r["name"] == name), None)


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


# --- the plots -----------------------------------------------------------------------------

def histogram(path: Path, title: str, series: list[tuple[str, list[float]]], marks: list[tuple[str, float]]) -> None:
    """Counts per bin of milliseconds, one colour per series, dashed lines at the marks."""
    canvas = Canvas(1100, 520)
    x0, y0, w, h = 110, 70, 900, 330
    values = [v for _, vs in series for v in vs] + [v for _, v in marks]
    top = float(np.ceil(max(values) / 100) * 100) if values else 1000.0
    bins = np.linspace(0, top, 41)
    counts = [np.histogram(vs, bins)[0] for _, vs in series]
    tallest = max([int(c.max()) for c in counts if len(c)] + [1])
    grey = (215, 215, 215)
    for tick in np.linspace(0, top, 6):
        x = x0 + tick / top * w
        canvas.line(x, y0, x, y0 + h, grey, 1)
        canvas.text(int(x) - 24, y0 + h + 10, f"{tick:.0f}")
    for tick in range(0, tallest + 1, max(1, tallest // 5)):
        y = y0 + h - tick / tallest * h
        canvas.line(x0, y, x0 + w, y, grey, 1)
        canvas.text(x0 - 14 * len(str(tick)) - 8, int(y) - 7, str(tick))
    width = w / (len(bins) - 1) / max(len(series), 1)
    for index, count in enumerate(counts):
        colour = COLOURS[index % len(COLOURS)]
        for b, n in enumerate(count):
            left = int(round(x0 + b * w / (len(bins) - 1) + index * width))
            canvas.pixels[int(round(y0 + h - n / tallest * h)):y0 + h, left:left + max(int(width) - 1, 1)] = colour
        canvas.line(20 + index * 360, 470, 50 + index * 360, 470, colour, 6)
        canvas.text(60 + index * 360, 463, series[index][0], colour)
    for index, (label, value) in enumerate(marks):
        x = x0 + value / top * w
        canvas.line(x, y0, x, y0 + h, (60, 60, 60), 2, dash=6)
        canvas.text(int(x) + 6, y0 + 6 + 18 * index, label, (60, 60, 60))
    canvas.line(x0, y0 + h, x0 + w, y0 + h, (0, 0, 0), 2)
    canvas.line(x0, y0, x0, y0 + h, (0, 0, 0), 2)
    canvas.text(x0 + w // 2 - 100, y0 + h + 34, "MILLISECONDS")
    canvas.text(x0 - 90, y0 + h // 2 + 36, "COUNT", vertical=True)
    canvas.text(x0, 30, title)
    canvas.save(path)


def load_plot(path: Path, steps: list[dict], goal_ms: float) -> None:
    """p99 latency against the number of speakers, one line per database, the goal dashed."""
    canvas = Canvas(1100, 520)
    x0, y0, w, h = 110, 70, 900, 330
    most = max(s["speakers"] for s in steps)
    top = max([s["p99_ms"] or 0 for s in steps] + [goal_ms * 1.5])
    grey = (215, 215, 215)
    for tick in np.linspace(0, most, 6):
        x = x0 + tick / most * w
        canvas.line(x, y0, x, y0 + h, grey, 1)
        canvas.text(int(x) - 30, y0 + h + 10, f"{tick:,.0f}")
    for tick in np.linspace(0, top, 6):
        y = y0 + h - tick / top * h
        canvas.line(x0, y, x0 + w, y, grey, 1)
        canvas.text(x0 - 70, int(y) - 7, f"{tick:.0f}")
    goal_y = y0 + h - goal_ms / top * h
    canvas.line(x0, goal_y, x0 + w, goal_y, (60, 60, 60), 2, dash=6)
    canvas.text(x0 + 8, int(goal_y) - 22, f"GOAL: P99 UNDER {goal_ms:.0f} MS", (60, 60, 60))
    for index, database in enumerate(sorted({s["database"] for s in steps})):
        colour = COLOURS[index % len(COLOURS)]
        mine = sorted((s for s in steps if s["database"] == database), key=lambda s: s["speakers"])
        xs = [x0 + s["speakers"] / most * w for s in mine]
        ys = [y0 + h - min(s["p99_ms"] or 0, top) / top * h for s in mine]
        canvas.polyline(xs, ys, colour, 3)
        for x, y in zip(xs, ys):
            canvas.dot(x, y, colour)
        workers = mine[0]["workers"]
        canvas.line(20 + index * 420, 470, 50 + index * 420, 470, colour, 6)
        canvas.text(60 + index * 420, 463, f"{database} ({workers} WORKER{'S' if workers > 1 else ''})", colour)
    canvas.line(x0, y0 + h, x0 + w, y0 + h, (0, 0, 0), 2)
    canvas.line(x0, y0, x0, y0 + h, (0, 0, 0), 2)
    canvas.text(x0 + w // 2 - 200, y0 + h + 34, "SIMULATED SPEAKERS ON ONE HUB")
    canvas.text(x0 - 96, y0 + h // 2 + 80, "P99 MS", vertical=True)
    canvas.text(x0, 30, "CARE HUB: 99TH PERCENTILE LATENCY OF A DEVICE POST")
    canvas.save(path)


# --- the sections --------------------------------------------------------------------------

def voice_section(voice: Source, reports: Path) -> list[str]:
    md = ["## Voice: how soon the speaker answers, and how fast it hears", ""]
    if voice.found:
        reply, acoustic = row(voice, "reply latency (loop's figure)"), row(voice, "reply latency from acoustic end")
        wake, rtf = row(voice, "wake word end -> chime starts"), row(voice, "CPU RTF (CPU s / audio s)")
        cer = [r for r in voice.figures["rows"] if r["name"].startswith("CER ")]
        md += [f"- **Reply latency**, from the end of speech as the VAD marks it to the first sample of the "
               f"reply: median {ms(reply and reply['median'])}, 90th percentile {ms(reply and reply['p90'])} "
               f"over {reply['n'] if reply else 0} answers (goal: median under {voice.figures['target_ms']:.0f} ms: "
               f"{'met' if reply and reply['median'] <= voice.figures['target_ms'] else 'not met'}). Counted from the "
               "acoustic end of speech: median "
               f"{ms(acoustic and acoustic['median'])}. Most of it is the 0.5 s of silence that tells the speaker "
               "a turn has ended.",
               f"- **Wake word to chime** on real speech: median {ms(wake and wake['median'])} (goal: under 500 ms).",
               f"- **Speech recognition speed** (Vosk, open vocabulary, one core): "
               f"{1 / rtf['median']:.0f}x faster than real time (CPU real-time factor {rtf['median']:.3f})."
               if rtf else "- Speech recognition speed: not in the figures.",
               "- **Character error rate** on real read Korean (not older speakers): "
               + ", ".join(f"{r['name'][4:]} {r['median']:.2f}" for r in cer) + "."]
        if reply:
            histogram(reports / "report-latency.png", "REPLY AFTER THE END OF SPEECH, CHIME AFTER THE WAKE WORD",
                      [("REPLY LATENCY", reply["values"])] + ([("WAKE WORD TO CHIME", wake["values"])] if wake else []),
                      [(f"GOAL {voice.figures['target_ms']:.0f} MS (MEDIAN)", voice.figures["target_ms"])])
            md += ["", "![Reply latency distribution](report-latency.png)"]
        md += ["", "How: espeak-ng Korean answers (timing only: the recogniser cannot read espeak-ng) through the "
               "speaker's own voice loop against a real Rasa server, on WAV files rather than a microphone, so the "
               "latency of a sound card's buffers (tens of ms) is not included. Recognition speed and error rate "
               "on the six real recordings of `../shared/speech`."]
    return md + ["", voice.cite(), ""]


def memory_section(voice: Source) -> list[str]:
    md = ["## Memory on the device", ""]
    if voice.found:
        rasa, listen = row(voice, "Rasa server peak RSS (VmHWM)"), row(voice, "speaker-app listen peak RSS")
        if rasa and listen:
            md += [f"- Rasa server: {rasa['median']:,.0f} MB at its peak; the speaker (`speaker-app listen`, the "
                   f"same voice path as `run`): {listen['median']:,.0f} MB; together about "
                   f"{(rasa['median'] + listen['median']) / 1024:.1f} GB, so a device needs 4 GB (deploy/README.md).",
                   "", "How: the peak resident set of each process (VmHWM in /proc, ru_maxrss); measured on x86, "
                   "where a Raspberry Pi's figures may differ a little."]
    return md + ["", voice.cite(), ""]


def spotting_section(spotting: Source, reports: Path) -> list[str]:
    md = ["## Hearing the wake word and calls for help", ""]
    if spotting.found:
        f = spotting.figures
        thresholds = np.array(f["thresholds"])
        md += ["The template detector (the resident's own voice, enrolled at installation; each phrase's threshold "
               "is set from the resident's takes plus the configured margin) at the configured margins:", "",
               "| phrases | margin | missed | false alarms per resident-hour | goal | met |", "|---|---:|---:|---:|---|---|"]
        for curve in f["curves"]:
            threshold = f["configured"][curve["kind"]]
            i = int(np.argmin(np.abs(thresholds - threshold)))
            goal = f["goals"][curve["kind"]]
            met = curve["miss"][i] <= goal["miss"] and curve["false_per_hour"][i] <= goal["false_per_hour"]
            md.append(f"| {curve['label'].lower()} | {threshold:.2f} | {pct(curve['miss'][i])} | "
                      f"{curve['false_per_hour'][i]:.2f} | miss ≤ {pct(goal['miss'])}, ≤ {goal['false_per_hour']:g}/h | "
                      f"{'yes' if met else '**no**'} |")
        md += ["", "The wake rows are the candidates the wake word was chosen from; `speaker-app` uses 안부 야 "
               "(`wake anbu-ya`) unless configured otherwise. A distress match below "
               "`emergency.template_strong_above` is not escalated at once: the speaker first asks \"괜찮으세요? 도움을 "
               "불러 드릴까요?\" (README, \"Calls for help\"), so a false alarm here is not always a call to a caregiver.",
               "", f"How: {f['positives']:,} test utterances of three espeak-ng voices (each standing for one "
               f"resident) saying the phrases at other speeds and pitches, clean and with room noise; false alarms "
               f"over {f['negative_hours']:.2f} h of other speech (espeak-ng reading news-like and conversational "
               "text, and the real clips). The phrase spotter over the recogniser runs beside it; its figures, and "
               "why espeak-ng cannot measure its misses, are in `spotting.md`."]
    if (reports / "spotting.png").is_file():
        md += ["", "![Miss rate against false alarms per hour (DET), and both against the threshold](spotting.png)"]
    return md + ["", spotting.cite(), ""]


def intents_section(intents: Source, reports: Path) -> list[str]:
    from intents import blind_table, decision_path  # bench/intents.py, beside this script

    md = ["## Understanding what is said, and not mistaking a plea", ""]
    if (reports / "intents_blind_first.md").is_file():  # the kept blind runs are beside the report
        md += ["**The honest figures are each blind set's runs before anything was tuned on it:**", ""]
        md += blind_table()[2:]
        md += ["The figures below were measured after tuning, so they flatter (each set's caveat says how).", ""]
    if intents.found:
        f = intents.figures
        md += ["| test set | lines | accuracy | emergency recall | despair recall | emergency false alarms "
               "| false alarms (urgent or emergency) |", "|---|---:|---:|---:|---:|---:|---:|"]
        md += [f"| `{s['tsv']}` | {s['lines']} | {pct(s['accuracy'])} | {pct(s['emergency_recall'])} | "
               f"{pct(s['despair_recall'])} | {pct(s['emergency_false_alarms'])} | {pct(s['alarm_false_alarms'])} |"
               for s in f["sets"]]
        md += [""] + [f"- `{s['tsv']}`: {s['caveat']}." for s in f["sets"] if s["caveat"]]
        md += [f"- Rasa's parse of one line: median {f['parse_ms']['median']:.1f} ms, 90th percentile "
               f"{f['parse_ms']['p90']:.1f} ms.",
               "", f"How: every line of each test set, written as the recogniser writes Korean, through the "
               f"speaker's own decision path ({decision_path(f['min_confidence'], f.get('alert_from'))}). "
               "Goals: accuracy ≥ 92 %, emergency recall ≥ 98 %, emergency false alarms "
               "≤ 1 %, despair recall ≥ 95 %."]
    return md + ["", intents.cite(), ""]


def escalation_section(escalation: Source, reports: Path) -> list[str]:
    md = ["## From a call for help to the care hub", ""]
    if escalation.found:
        runs = escalation.figures["runs"]
        at_once = [r["to_hub_ms"] for r in runs if r["to_hub_ms"] is not None and not r["asked_first"]]
        asked = sum(r["asked_first"] for r in runs)
        md += [f"- End of a spoken \"살려 주세요\" to the alert stored at a real hub: median {ms(statistics.median(at_once))}, "
               f"99th percentile {ms(float(np.percentile(at_once, 99, method='inverted_cdf')))} (nearest rank, as the bench "
               f"counts it) over {len(at_once)} runs escalated at once "
               f"(goal: median under 1 s; {asked} of {len(runs)} runs were asked \"are you all right?\" first). Half "
               "a second of it is the silence that ends a turn.",
               f"- The first run is the first speech the process decodes after it starts: {ms(at_once[0])}; after it, "
               f"median {ms(statistics.median(at_once[1:]))}." if len(at_once) > 1 else "",
               "", "How: the plea in an espeak-ng voice enrolled for the resident (the template detector compares "
               "sounds, so espeak-ng can stand in here), played in real time through the daemon's own parts (VAD, "
               "both detectors, the emergency desk, the outbox) to `carehub serve` on 127.0.0.1. Whether a real "
               "resident's plea is heard at all is the spotting section's question, not this one's."]
    return md + ["", escalation.cite(), ""]


def hub_section(hub: Source, reports: Path) -> list[str]:
    md = ["## How many speakers one hub serves", ""]
    if hub.found:
        steps = hub.figures["steps"]
        for database in sorted({s["database"] for s in steps}):
            held = [s for s in steps if s["database"] == database and s["holds"]]
            best = max(held, key=lambda s: s["speakers"], default=None)
            md.append(f"- {database}: {best['speakers']:,} speakers with a p99 of {best['p99_ms']:.0f} ms "
                      f"({best['workers']} worker(s), {best['served_rps']:.0f} requests/s)" if best else
                      f"- {database}: no step met the goal")
        md += ["", f"Goal: 10,000 speakers with a p99 under {hub.figures['goal_p99_ms']:.0f} ms.", "",
               "![p99 latency against speakers](report-hub-load.png)", "",
               "How: simulated speakers (a heartbeat a minute each, and everyday events) posting to a real "
               "`carehub serve` on 127.0.0.1, open-loop; the load generator shares the machine with the hub and "
               "its database, so a server of its own should do better."]
        load_plot(reports / "report-hub-load.png", steps, hub.figures["goal_p99_ms"])
    return md + ["", hub.cite(), ""]


def failures_section(faults: Source, outbox: Source) -> list[str]:
    md = ["## Failures survived: no event lost, none twice", ""]
    if faults.found:
        f = faults.figures
        md += [f"- {f['owed']} events (of them {f['alerts_stored']} alerts) reached the hub exactly once through "
               f"{sum(f['faults'].values())} injected hub failures (answers of 500, stalls past the "
               f"{f['client_timeout_s']} s timeout, connection resets: "
               + ", ".join(f"{k} {v}" for k, v in sorted(f["faults"].items()))
               + f") and {f['kills']} kills of the sending process (SIGKILL, {f['kills_mid_put']} of them while "
               f"writing an event): losses {f['losses']}, duplicates stored {f['duplicates_stored']}, "
               f"{f['duplicate_posts']} repeated posts absorbed by the hub's idempotency."]
    md += ["", faults.cite(), ""]
    if outbox.found:
        rows = {r["name"]: r for r in outbox.figures["rows"]}
        put, drain = rows.get("put() latency"), rows.get("backlog drain to the hub")
        md += [f"- After an outage, a backlog of {outbox.figures['events']:,} events drains at a median "
               f"{drain['median']:,.0f} events/s; writing an event to disk before any send takes a median "
               f"{put['median']:.3f} ms ({put['detail']})." if put and drain else "- (outbox rows missing)"]
    return md + ["", outbox.cite(), ""]


SYNTHETIC = """## What the synthetic speech stands for, and what to expect with real voices

No recording of an older person calling for help, or of a day in an older person's home, was
available. So:

- **espeak-ng Korean** stands for the resident in the latency and escalation figures (timing
  only: the recogniser cannot read it, and no figure here counts on it being understood), for
  three residents' voices in the template detector's misses, and for television and visitors
  in its false alarms. A real voice is more varied than espeak-ng at another speed and pitch:
  expect more misses from the template detector than measured, until the resident's takes are
  re-enrolled (`speaker-app selftest` shows it), and a different false-alarm rate in a real home.
- **Real recordings** (six clips of read Korean, none from an older speaker) measure recognition
  speed and error. Older speakers, dialect, slurred speech and distance from the microphone raise
  the error rate; the character error rate here (about 0.3) is a floor, not an estimate.
- **Text as the recogniser writes it** measures understanding; real transcripts of older
  residents will be noisier.

Before buying in, a pilot should record, with consent, a few residents saying the wake word and
the calls for help (for the misses), and a few days of their homes' sound (for false alarms).
"""


def machines_section(sources: list[Source]) -> list[str]:
    here = machine()
    md = ["## Where each figure was measured", "", "| figures | written | command | CPU | cores | RAM | load average |",
          "|---|---|---|---|---:|---:|---|"]
    for s in sources:
        if s.found:
            m = s.data["machine"]
            load = ", ".join(map(str, m.get("load_average", []))) or "not recorded"
            md.append(f"| `{s.path.name}` | {s.data['written']} | `{s.data['command']}` | {m['cpu']} | {m['cores']} "
                      f"| {m['ram_gb']} GB | {load} |")
        else:
            md.append(f"| `{s.path.name}` | not measured | `{command_for(s.name)}` | | | | |")
    md += ["", f"This report was put together on {here['cpu']}, {here['cores']} cores, {here['ram_gb']} GB RAM. "
           "The machine was shared with other work while the benches ran, which makes tail latencies worse than on "
           "a machine of one's own. Nothing here was measured on a Raspberry Pi, whose cores are slower than these: "
           "the CPU figures (recognition speed, latency, hub load) must be measured again on the device bought.", ""]
    return md


def report(reports: Path, runs: list[str]) -> str:
    sources = {name: Source(name, reports) for name in
               ("voice", "spotting", "intents", "escalation", "outbox", "outbox_faults", "hub_load")}
    md = ["# Anbu: what it was measured to do", "",
          f"Put together {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC by `python bench/report.py"
          f"{' --reuse' if not runs else ''}` from the figures the benchmarks wrote to "
          f"`{reports.relative_to(ROOT) if reports.is_relative_to(ROOT) else reports}/`. Each "
          "section says how its figures were measured, from which file, and on what machine.", ""]
    if runs:
        md += ["Benchmarks run for this report:", ""] + [f"- {line}" for line in runs] + [""]
    md += voice_section(sources["voice"], reports)
    md += spotting_section(sources["spotting"], reports)
    md += intents_section(sources["intents"], reports)
    md += escalation_section(sources["escalation"], reports)
    md += hub_section(sources["hub_load"], reports)
    md += memory_section(sources["voice"])
    md += failures_section(sources["outbox_faults"], sources["outbox"])
    md += [SYNTHETIC]
    md += machines_section(list(sources.values()))
    return "\n".join(md)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="do not run the benches: use the figures they last wrote")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="where the benches' figures are (and go)")
    args = parser.parse_args()
    if not args.reports.is_dir():
        print(f"report: no folder {args.reports}; give --reports the folder the benches write to", file=sys.stderr)
        return 2
    runs = [] if args.reuse else [bench.run(args.reports) for bench in BENCHES]
    path = args.reports / "REPORT.md"
    path.write_text(report(args.reports, runs), encoding="utf-8")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
