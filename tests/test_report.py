"""bench/report.py --reuse on a copy of bench/reports: every section, and the source of every figure.

The figures are the ones the benchmarks last wrote (JSON beside each Markdown report); the
report must name, for each, the file, when and by which command it was written, and the
machine. A bench without figures must be named as such, with the command that measures it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "bench" / "reports"
SECTIONS = ["## Voice: how soon the speaker answers, and how fast it hears",
            "## Hearing the wake word and calls for help",
            "## Understanding what is said, and not mistaking a plea",
            "## From a call for help to the care hub",
            "## How many speakers one hub serves",
            "## Memory on the device",
            "## Failures survived: no event lost, none twice",
            "## What the synthetic speech stands for, and what to expect with real voices",
            "## Where each figure was measured"]
BENCHES = ["voice", "spotting", "intents", "escalation", "outbox", "outbox_faults", "hub_load"]


@pytest.fixture
def reports(tmp_path) -> Path:
    """A copy of bench/reports: what the report reads, and where it writes."""
    copy = tmp_path / "reports"
    shutil.copytree(REPORTS, copy)
    return copy


def make_report(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "report.py"), "--reuse", "--reports", str(folder)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_report_names_each_section_and_where_each_figure_comes_from(reports):
    done = make_report(reports)
    assert done.returncode == 0, done.stderr
    text = (reports / "REPORT.md").read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if line.startswith("## ")] == SECTIONS
    measured = [name for name in BENCHES if (reports / f"{name}.json").is_file()]
    # The figures committed with the benches: the report must rest on them, not on nothing.
    assert {"voice", "intents", "outbox_faults"} <= set(measured), measured
    for name in BENCHES:
        if name in measured:
            data = json.loads((reports / f"{name}.json").read_text(encoding="utf-8"))
            m = data["machine"]
            assert (f"Source: `{name}.json`, written {data['written']} by `{data['command']}` on {m['cpu']}, "
                    f"{m['cores']} cores, {m['ram_gb']} GB RAM") in text, name
            assert f"| `{name}.json` | {data['written']} | `{data['command']}` | {m['cpu']} | {m['cores']} |" in text
        else:
            assert f"*No figures: `{name}.json` is missing. Measure with `" in text, name
            if (reports / f"{name}.md").is_file():
                assert f"Its last report, written before its figures were kept as JSON, is [{name}.md]({name}.md)" \
                    in text, name

    voice = json.loads((reports / "voice.json").read_text(encoding="utf-8"))["figures"]
    reply = next(r for r in voice["rows"] if r["name"] == "reply latency (loop's figure)")
    assert f"median {reply['median']:,.0f} ms, 90th percentile {reply['p90']:,.0f} ms over {reply['n']} answers" in text
    faults = json.loads((reports / "outbox_faults.json").read_text(encoding="utf-8"))["figures"]
    assert f"losses {faults['losses']}, duplicates stored {faults['duplicates_stored']}" in text
    intents = json.loads((reports / "intents.json").read_text(encoding="utf-8"))["figures"]
    for measured_set in intents["sets"]:
        assert f"| `{measured_set['tsv']}` | {measured_set['lines']} | {100 * measured_set['accuracy']:.1f} % |" in text
    assert "](report-latency.png)" in text
    assert (reports / "report-latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hub_load_figures_become_a_plot_and_the_largest_load_held(reports):
    """On figures of a small real run of bench/hub_load.py (a few hundred speakers for 2 s)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "hub_load.py"), "--pg-devices", "200,400",
                           "--sqlite-devices", "200", "--seconds", "2", "--report", str(reports / "hub_load.md")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert make_report(reports).returncode == 0
    text = (reports / "REPORT.md").read_text(encoding="utf-8")
    steps = json.loads((reports / "hub_load.json").read_text(encoding="utf-8"))["figures"]["steps"]
    for database in ("postgresql", "sqlite"):
        held = [s for s in steps if s["database"] == database and s["holds"]]
        best = max(held, key=lambda s: s["speakers"])
        assert f"- {database}: {best['speakers']:,} speakers with a p99 of {best['p99_ms']:.0f} ms" in text
    assert "](report-hub-load.png)" in text
    assert (reports / "report-hub-load.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bench_without_figures_is_named_with_the_command_that_measures_it(reports):
    (reports / "voice.json").unlink()
    (reports / "voice.md").unlink()
    (reports / "report-latency.png").unlink(missing_ok=True)
    assert make_report(reports).returncode == 0
    text = (reports / "REPORT.md").read_text(encoding="utf-8")
    assert "*No figures: `voice.json` is missing. Measure with `python bench/voice.py --report bench/reports/voice.md`.*" \
        in text
    assert "| `voice.json` | not measured |" in text
    assert not (reports / "report-latency.png").exists()


def test_a_reports_folder_that_is_not_there_is_one_line(tmp_path):
    done = make_report(tmp_path / "nowhere")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"report: no folder {tmp_path / 'nowhere'}; give --reports the folder the benches "
                                   "write to")
