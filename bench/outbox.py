"""Benchmark of the device outbox on this machine.

    python bench/outbox.py [--events 100000] [--runs 3]

1. put() latency: the backlog is built with put(), one durable commit
   (WAL, synchronous=FULL) per event, each one timed.
2. Draining the backlog to a real HTTP server on 127.0.0.1 (the hub
   stand-in of tests/hub_server.py, in its own process): events per second
   from the first send to an empty outbox, one POST per event over a
   keep-alive connection, each marked sent only after the hub's answer. Every
   run starts from a copy of the same backlog, on a fresh server, and checks
   that the server holds every event.
3. The outbox's own bookkeeping (due, mark_sent) with no HTTP, to show how
   much of the drain is the network and the hub.

A table goes to stdout, progress to stderr, and a Markdown report to
bench/reports/outbox.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emergency.outbox import Event, Outbox  # noqa: E402
from emergency.sender import Hub, Sender  # noqa: E402
from figures import write_figures  # noqa: E402  (bench/, the script's own folder)

HUB_SERVER = ROOT / "tests" / "hub_server.py"
TOKEN = "bench-device-token"
KST = timezone(timedelta(hours=9))
# A backlog after a long outage: mostly heartbeats and activity, a few check-ins and doses, rare alerts.
MIX = [("heartbeat", None, 60), ("activity", None, 20), ("checkin", None, 8), ("medication", None, 8),
       ("summary", None, 1), ("alert", "notice", 2), ("alert", "urgent", 0.7), ("alert", "emergency", 0.3)]
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def wall() -> datetime:
    return datetime.now(KST)


def backlog(count: int, seed: int = 1) -> list[Event]:
    rng = random.Random(seed)
    kinds = rng.choices([(t, level) for t, level, _ in MIX], weights=[w for *_, w in MIX], k=count)
    start = datetime(2026, 5, 6, 7, 0, tzinfo=KST)
    events = []
    for i, (type_, level) in enumerate(kinds):
        payload = {"level": level, "heard": "살려 주세요"} if level else {"seq": i, "source": "speaker"}
        events.append(Event.new(type_, payload, start + timedelta(seconds=3 * i)))
    return events


@dataclass(frozen=True)
class Row:
    name: str
    median: float
    detail: str
    unit: str


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build_backlog(path: Path, events: list[Event]) -> list[float]:
    latencies = []
    with Outbox(path, wall) as box:
        for n, event in enumerate(events, 1):
            started = time.perf_counter()
            box.put(event)
            latencies.append(time.perf_counter() - started)
            if n % 20000 == 0:
                progress(f"put {n} events")
    return latencies


class HubProcess:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(HUB_SERVER), "--token", TOKEN],
                                        stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def stats(self) -> dict:
        return requests.get(self.url + "/stats", timeout=10).json()

    def __enter__(self) -> HubProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def drain_to_hub(path: Path, count: int) -> float:
    with Outbox(path, wall) as box, HubProcess() as hub:
        sender = Sender(box, Hub(hub.url, TOKEN, timeout_s=10.0), requests.Session())
        started = time.perf_counter()
        sent = 0
        while True:
            report = sender.send_due(wall())
            sent += report.sent
            if report.hub_away or report.failed or report.rejected:
                raise RuntimeError(f"the drain met a failure: {report}")
            if not report.more:
                break
        elapsed = time.perf_counter() - started
        stored = hub.stats()["stored"]
    if sent != count or stored != count or box_waiting(path):
        raise RuntimeError(f"sent {sent}, the hub holds {stored}, of {count}")
    return count / elapsed


def drain_bookkeeping_only(path: Path, count: int) -> float:
    with Outbox(path, wall) as box:
        started = time.perf_counter()
        done = 0
        while batch := box.due(wall(), limit=100):
            for event in batch:
                box.mark_sent(event.id, wall())
            done += len(batch)
        elapsed = time.perf_counter() - started
    assert done == count
    return count / elapsed


def box_waiting(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM events").fetchone()[0]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    return (f"{len(os.sched_getaffinity(0))} CPUs available ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, requests {requests.__version__}, kernel {platform.release()}")


def text_table(rows: list[Row]) -> str:
    width = max(len(r.name) for r in rows)
    lines = [f"{'measurement':<{width}}  {'median':>10}  unit      detail"]
    lines += [f"{r.name:<{width}}  {r.median:>10.{3 if r.median < 10 else 0}f}  {r.unit:<8}  {r.detail}" for r in rows]
    return "\n".join(lines)


def markdown(rows: list[Row], args, elapsed: float, load: tuple[str, str]) -> str:
    table = ["| measurement | median | unit | detail |", "|---|---:|---|---|"]
    table += [f"| {r.name} | {r.median:.{3 if r.median < 10 else 0}f} | {r.unit} | {r.detail} |" for r in rows]
    mix = ", ".join(f"{t}/{level} {weight:g}%" if level else f"{t} {weight:g}%" for t, level, weight in MIX)
    return "\n".join([
        "# Outbox benchmark",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC (run took {elapsed:.0f} s)",
        f"- machine: {machine()}",
        f"- load average at start / end: {load[0]} / {load[1]} (the machine is shared: figures are noisy)",
        f"- backlog: {args.events} events ({mix}), drained {args.runs} times from copies of the same file",
        f"- command: `python bench/outbox.py --events {args.events} --runs {args.runs}`",
        "",
        "## Measurements",
        "",
        *table,
        "",
        "put() commits each event with synchronous=FULL (an fsync of the WAL) before it returns. A drain sends one"
        " POST per event over one keep-alive connection to the hub stand-in (Python http.server, in its own process,"
        " storing in memory) and marks each event sent (a commit with synchronous=NORMAL) only after the answer; a"
        " real hub that writes to a database will answer more slowly. The last row is the outbox alone: the share of"
        " a drain that is not HTTP.",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "reports" / "outbox.md")
    args = parser.parse_args()
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())

    with tempfile.TemporaryDirectory(prefix="anbu-bench-outbox-") as folder:
        filled = Path(folder) / "backlog.db"
        progress(f"building a backlog of {args.events} events with put()")
        latencies = build_backlog(filled, backlog(args.events))
        rates, bookkeeping = [], []
        for run in range(1, args.runs + 1):
            copy = Path(folder) / f"run-{run}.db"
            shutil.copy(filled, copy)
            rates.append(drain_to_hub(copy, args.events))
            progress(f"drain {run}/{args.runs}: {rates[-1]:.0f} events/s")
            shutil.copy(filled, copy)
            bookkeeping.append(drain_bookkeeping_only(copy, args.events))

    ms = [x * 1000 for x in latencies]
    rows = [
        Row("put() latency", statistics.median(ms),
            f"p99 {percentile(ms, 0.99):.3f} ms, max {max(ms):.1f} ms, n = {len(ms)}", "ms"),
        Row("backlog drain to the hub", statistics.median(rates),
            f"runs: {', '.join(f'{r:.0f}' for r in rates)}; {args.events} events each", "events/s"),
        Row("time to drain the backlog", args.events / statistics.median(rates), "at the median rate", "s"),
        Row("outbox bookkeeping alone (no HTTP)", statistics.median(bookkeeping),
            f"runs: {', '.join(f'{r:.0f}' for r in bookkeeping)}; due() + mark_sent()", "events/s"),
    ]
    elapsed = time.monotonic() - STARTED
    print(text_table(rows))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(markdown(rows, args, elapsed, (load_start, " ".join(f"{x:.2f}" for x in os.getloadavg()))),
                           encoding="utf-8")
    write_figures(args.report, {"events": args.events, "runs": args.runs,
                                "rows": [{"name": r.name, "median": r.median, "unit": r.unit, "detail": r.detail}
                                         for r in rows]})
    progress(f"report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
