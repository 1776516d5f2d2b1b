"""How well the speaker understands Korean as the recogniser writes it.

    python bench/intents.py [--tsv tests/data/intents_heldout.tsv] [--config OTHER.yml ...]

Every line of the held-out set (never trained on) goes through `speaker-app
nlu`, the decision path of the live loop: distress rules, then the Rasa
classifier, then the confidence cut-off. Printed: accuracy, per-intent
precision/recall/F1, the most confused pairs, the confusion of alert levels,
emergency and despair recall, false alarms, and the parse time of the Rasa
server alone. Written: bench/reports/intents.md.

By default the model is the cached one of dialogs/ (trained if missing). Each
`--config FILE` trains dialogs/ with that pipeline instead (from scratch, with
Rasa's training cache off, timed), so that pipelines can be compared on the
same lines; `--config dialogs/config.yml` times the current one.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emergency.levels import AlertLevel, alert_level  # noqa: E402
from speaker_app.dialogue_server import RasaProcess, free_port  # noqa: E402
from speaker_app import dialogue_setup  # noqa: E402

HELDOUT = ROOT / "tests" / "data" / "intents_heldout.tsv"
REPORT = ROOT / "bench" / "reports" / "intents.md"
LEVELS = [AlertLevel.NONE, AlertLevel.NOTICE, AlertLevel.URGENT, AlertLevel.EMERGENCY]
ALARMS = {AlertLevel.URGENT, AlertLevel.EMERGENCY}
MIN_CONFIDENCE = 0.5  # config/example.yaml's dialog.min_confidence


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def read_tsv(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["text"], row["intent"]) for row in csv.DictReader(f, delimiter="\t")]


# --- scoring (also used by tests/test_intents_heldout.py) ------------------------------------

@dataclass
class Scores:
    gold: list[str]
    predicted: list[str]
    decided_by: list[str]

    @property
    def n(self) -> int:
        return len(self.gold)

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.predicted)) / self.n

    def recall(self, intent: str) -> float:
        pairs = [(g, p) for g, p in zip(self.gold, self.predicted) if g == intent]
        return sum(g == p for g, p in pairs) / len(pairs) if pairs else float("nan")

    def precision(self, intent: str) -> float:
        pairs = [(g, p) for g, p in zip(self.gold, self.predicted) if p == intent]
        return sum(g == p for g, p in pairs) / len(pairs) if pairs else float("nan")

    def f1(self, intent: str) -> float:
        p, r = self.precision(intent), self.recall(intent)
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def levels(self) -> list[tuple[AlertLevel, AlertLevel]]:
        return [(alert_level(g), alert_level(p)) for g, p in zip(self.gold, self.predicted)]

    @property
    def emergency_false_alarms(self) -> float:
        """The share of lines that are not emergencies given the level `emergency` (the issue's measure)."""
        others = [p for g, p in self.levels() if g is not AlertLevel.EMERGENCY]
        return sum(p is AlertLevel.EMERGENCY for p in others) / len(others)

    @property
    def alarm_false_alarms(self) -> float:
        """The share of lines that need no alarm (level none or notice) given `emergency` or `urgent`."""
        calm = [p for g, p in self.levels() if g not in ALARMS]
        return sum(p in ALARMS for p in calm) / len(calm)

    @property
    def missed_alarms(self) -> list[int]:
        return [i for i, (g, p) in enumerate(self.levels()) if g in ALARMS and p.rank < g.rank]

    def confused_pairs(self, top: int = 12) -> list[tuple[tuple[str, str], int]]:
        return Counter((g, p) for g, p in zip(self.gold, self.predicted) if g != p).most_common(top)


def classify(url: str, tsv: Path, folder: Path) -> list[dict]:
    """`speaker-app nlu --tsv`, as a user runs it, against the server at `url`."""
    config = folder / "speaker.yaml"
    config.write_text(yaml.safe_dump({"dialog": {"url": url, "timeout_s": 10, "min_confidence": MIN_CONFIDENCE}}),
                      encoding="utf-8")
    exe = Path(sys.executable).parent / "speaker-app"
    result = subprocess.run([str(exe), "nlu", "--config", str(config), "--tsv", str(tsv)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"speaker-app nlu failed: {result.stderr.strip()}")
    return [json.loads(line) for line in result.stdout.splitlines()]


def parse_times_ms(url: str, texts: list[str]) -> list[float]:
    session = requests.Session()
    session.post(f"{url}/model/parse", json={"text": texts[0]}, timeout=10)  # warm-up
    times = []
    for text in texts:
        started = time.perf_counter()
        session.post(f"{url}/model/parse", json={"text": text}, timeout=10).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


# --- one model -------------------------------------------------------------------------------

@dataclass
class Run:
    name: str
    scores: Scores
    rows: list[dict]
    parse_ms: list[float]
    train_s: float | None


def measure(name: str, model: Path, venv: Path, tsv: Path, lines: list[tuple[str, str]], folder: Path,
            train_s: float | None) -> Run:
    port = free_port()
    with RasaProcess(venv, model, port=port, log=folder / f"rasa-{port}.log") as server:
        progress(f"{name}: classifying {len(lines)} lines through speaker-app nlu")
        rows = classify(server.url, tsv, folder)
        parse_ms = parse_times_ms(server.url, [text for text, _ in lines])
    if [r["text"] for r in rows] != [text for text, _ in lines]:
        raise SystemExit("speaker-app nlu did not answer line for line")
    scores = Scores([gold for _, gold in lines], [r["intent"] for r in rows], [r["decided_by"] for r in rows])
    return Run(name, scores, rows, parse_ms, train_s)


def train_with(config: Path, project: Path, venv: Path, out: Path, name: str) -> tuple[Path, float]:
    progress(f"training {project} with {config} (from scratch)")
    # An empty cache: the time is that of a first training on a device.
    with tempfile.TemporaryDirectory(prefix="anbu-rasa-cache-") as cache:
        started = time.monotonic()
        model = dialogue_setup.train(venv, out, name, config.resolve(), rasa_cache=Path(cache),
                                     project=project.resolve())
        return model, time.monotonic() - started


# --- output ----------------------------------------------------------------------------------

def pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}%"


def summary_rows(run: Run) -> list[tuple[str, str]]:
    s = run.scores
    by = Counter(s.decided_by[i] for i, g in enumerate(s.gold) if g == "emergency" and s.predicted[i] == "emergency")
    rows = [
        ("lines", str(s.n)),
        ("intent accuracy", pct(s.accuracy)),
        ("emergency recall", f"{pct(s.recall('emergency'))} (decided by: "
                             + ", ".join(f"{k} {v}" for k, v in sorted(by.items())) + ")"),
        ("despair recall", pct(s.recall("despair"))),
        ("emergency false alarms (non-emergency lines given `emergency`)", pct(s.emergency_false_alarms)),
        ("alarm false alarms (none/notice lines given `emergency` or `urgent`)", pct(s.alarm_false_alarms)),
        ("Rasa /model/parse median / p90", f"{statistics.median(run.parse_ms):.1f} / "
                                           f"{sorted(run.parse_ms)[int(0.9 * len(run.parse_ms))]:.1f} ms"),
    ]
    if run.train_s is not None:
        rows.append(("training time (cold cache)", f"{run.train_s:.0f} s"))
    return rows


def per_intent_table(s: Scores) -> list[str]:
    lines = ["| intent | n | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for intent in sorted(set(s.gold)):
        lines.append(f"| {intent} | {s.gold.count(intent)} | {pct(s.precision(intent))} | {pct(s.recall(intent))} "
                     f"| {s.f1(intent):.2f} |")
    return lines


def level_table(s: Scores) -> list[str]:
    counts = Counter(s.levels())
    lines = ["| gold \\ predicted | " + " | ".join(l.value for l in LEVELS) + " |",
             "|---|" + "---:|" * len(LEVELS)]
    for gold in LEVELS:
        lines.append(f"| {gold.value} | " + " | ".join(str(counts[(gold, p)]) for p in LEVELS) + " |")
    return lines


def errors_list(run: Run) -> list[str]:
    s = run.scores
    out = []
    for i, (g, p) in enumerate(zip(s.gold, s.predicted)):
        if g != p:
            r = run.rows[i]
            out.append(f"- `{r['text']}`: {g} -> {p} ({r['decided_by']}, {r['confidence']:.2f})")
    return out


def report(runs: list[Run], tsv: Path, started: float) -> str:
    main = runs[0]
    s = main.scores
    md = ["# Intent classification benchmark", "",
          f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC (run took {time.monotonic() - started:.0f} s)",
          f"- machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
          f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared)",
          f"- held-out lines: `{tsv.relative_to(ROOT) if tsv.is_relative_to(ROOT) else tsv}` ({s.n} lines, "
          f"{len(set(s.gold))} intents; never trained on)",
          *(["- caveat: this held-out set has been read while the training data and the distress rules were "
             "written (its errors guided one round of additions to both), so its figures are optimistic; a set "
             "written independently and never looked at is the real measure"] if tsv.resolve() == HELDOUT else []),
          "- decision path: `speaker-app nlu` (distress rules, then Rasa, then the cut-off "
          f"{MIN_CONFIDENCE}: below it the intent is `out_of_scope`)",
          "- command: `python bench/intents.py " + " ".join(sys.argv[1:]) + "`", ""]
    if len(runs) > 1:
        md += ["## Pipelines compared", "",
               "| measure | " + " | ".join(r.name for r in runs) + " |", "|---|" + "---:|" * len(runs)]
        table = [summary_rows(r) for r in runs]
        for i, (label, _) in enumerate(table[0]):
            md.append(f"| {label} | " + " | ".join(t[i][1] if i < len(t) else "" for t in table) + " |")
        md += ["", f"The rest of this report is for `{main.name}`.", ""]
    md += [f"## Summary: {main.name}", "", "| measure | value |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in summary_rows(main)]
    md += ["", "## Per intent", ""] + per_intent_table(s)
    md += ["", "## Alert levels (rows: gold, columns: decided)", ""] + level_table(s)
    md += ["", "## Most confused pairs (gold -> decided)", ""]
    md += [f"- {g} -> {p}: {n}" for (g, p), n in s.confused_pairs()] or ["- none"]
    md += ["", "## Every error", ""] + (errors_list(main) or ["- none"])
    return "\n".join(md) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=HELDOUT, help="columns text, intent")
    parser.add_argument("--config", type=Path, action="append", default=[],
                        help="train dialogs/ with this pipeline and measure it (repeatable)")
    parser.add_argument("--dialogs", type=Path, default=dialogue_setup.DIALOGS,
                        help="with --config: train this copy of the Rasa project (to compare training data)")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    started = time.monotonic()
    lines = read_tsv(args.tsv)
    venv = dialogue_setup.rasa_venv()
    runs = []
    with tempfile.TemporaryDirectory(prefix="anbu-bench-intents-") as tmp:
        folder = Path(tmp)
        if args.config:
            for i, config in enumerate(args.config):
                model, seconds = train_with(config, args.dialogs, venv, folder, f"model{i}")
                name = config.resolve().relative_to(ROOT) if config.resolve().is_relative_to(ROOT) else config
                runs.append(measure(str(name), model, venv, args.tsv, lines, folder, seconds))
        else:
            runs.append(measure("dialogs/config.yml", dialogue_setup.trained_model(venv), venv, args.tsv, lines,
                                folder, None))
    text = report(runs, args.tsv, started)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    for run in runs:
        print(f"\n== {run.name}")
        for label, value in summary_rows(run):
            print(f"{label:72s} {value}")
    main_scores = runs[0].scores
    print("\n" + "\n".join(per_intent_table(main_scores)))
    print("\nalert levels (rows gold, columns decided)\n" + "\n".join(level_table(main_scores)))
    print("\nmost confused: " + ", ".join(f"{g}->{p} {n}" for (g, p), n in main_scores.confused_pairs(8)))
    progress(f"report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
