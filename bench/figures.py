"""What each benchmark writes beside its Markdown report: its figures as JSON, and the machine.

bench/report.py reads these files, never the Markdown, so a bench can word its report as it
likes. Each file holds `bench`, `written` (UTC), `command`, `machine` (from /proc, where the
figures were measured) and `figures`, whose shape is the bench's own (report.py knows each).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    kib = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), 0)
    # The machine may be shared: how busy it was when the figures were written says how noisy they are.
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "ram_gb": round(kib / 1024 ** 2, 1),
            "arch": platform.machine(), "kernel": platform.release(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def write_figures(report: Path, figures: dict, command: str | None = None) -> Path:
    """`figures` as `<report>.json` beside the report; the command is the one that ran, unless given."""
    path = Path(report).with_suffix(".json")
    command = command or "python " + " ".join([os.path.relpath(sys.argv[0]), *sys.argv[1:]])
    data = {"bench": path.stem, "written": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command, "machine": machine(), "figures": figures}
    path.write_text(json.dumps(_plain(data), ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _plain(value):
    """numpy arrays and numbers as lists and numbers; NaN (nothing measured) as null."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value
