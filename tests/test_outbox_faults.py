"""Every event reaches the hub exactly once, through a hub that fails on purpose and a sender killed with SIGKILL.

The hub stand-in (tests/hub_server.py) answers 500s, stalls past the
client's timeout and resets connections at random, each time having stored
the event or not. The sending process (tests/outbox_sender_process.py) puts
events and sends them; it is killed with SIGKILL at a random moment, many
times over, and started again on the same outbox file, putting again what it
had not been told was stored. At the end one last run drains the outbox.

An event counts as owed to the hub once put() has returned for it.
"""
from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from hub_server import Faults, HubServer

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str):
    """A module of bench/, a folder of scripts rather than a package."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


write_figures = _bench("figures").write_figures
PROCESS = ROOT / "tests" / "outbox_sender_process.py"

ROUNDS = 50
EVENTS_PER_ROUND = 15
SEED = 20260509
FAULTS = Faults(error=0.10, stall=0.04, reset=0.06, stall_s=0.4, seed=SEED)
CLIENT_TIMEOUT_S = 0.2


class SenderRun:
    """One life of the sending process, and what it said before it died."""

    def __init__(self, outbox: Path, hub_url: str, first: int, last: int, log: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(PROCESS), str(outbox), hub_url, "--first", str(first), "--last", str(last),
             "--run", str(SEED), "--timeout", str(CLIENT_TIMEOUT_S)],
            stdout=subprocess.PIPE, stderr=log.open("a"), text=True, cwd=ROOT)
        assert self.process.stdout.readline().strip() == "ready", f"the sender did not start; see {log}"

    def kill_after(self, seconds: float) -> bool:
        """True if the kill landed on a living process."""
        time.sleep(seconds)
        alive = self.process.poll() is None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        return alive

    def finish(self, timeout_s: float) -> None:
        self.process.wait(timeout=timeout_s)

    def said(self) -> list[list[str]]:
        # Only whole lines: a kill can cut the last one short (two CI runs failed on a line too short to parse).
        *whole, _cut = self.process.stdout.read().split("\n")
        return [line.split() for line in whole]


def test_every_event_reaches_the_hub_exactly_once_through_faults_and_kills(tmp_path):
    rng = random.Random(SEED)
    outbox, log = tmp_path / "outbox.db", tmp_path / "sender.log"
    attempted: dict[int, str] = {}   # number -> id, put() was called
    owed: dict[int, str] = {}        # number -> id, put() returned
    kills = kills_mid_put = 0
    started = time.monotonic()
    with HubServer(FAULTS) as hub:
        first = 0
        for round_ in range(ROUNDS + 1):
            last = min(round_ + 1, ROUNDS) * EVENTS_PER_ROUND
            run = SenderRun(outbox, hub.url, first, last, log)
            if round_ < ROUNDS:
                kills += run.kill_after(rng.uniform(0.0, 0.3))
            else:
                run.finish(timeout_s=40)
                assert run.process.returncode == 0, f"the last run failed; see {log}"
            said = run.said()
            kills_mid_put += bool(said) and said[-1][0] == "putting"
            for words in said:
                if words[0] in ("putting", "put"):
                    assert attempted.setdefault(int(words[2]), words[1]) == words[1]
                if words[0] == "put":
                    owed[int(words[2])] = words[1]
            # The next life puts again everything it was not told was stored.
            first = min([n for n in range(first, last) if n not in owed], default=last)
        assert said[-1] == ["done"]
        stats = hub.store.stats()
        stored = dict(hub.store.events)
    elapsed = time.monotonic() - started

    numbers_stored = Counter(envelope["payload"]["number"] for envelope in stored.values())
    losses = [n for n, event_id in owed.items() if event_id not in stored]
    invented = [event_id for event_id in stored if event_id not in set(attempted.values())]
    duplicates = sum(count - 1 for count in numbers_stored.values())
    alerts_stored = sum(envelope["type"] == "alert" for envelope in stored.values())
    print(f"\noutbox fault test ({elapsed:.1f} s, seed {SEED}): {len(owed)} events owed, {stats['stored']} stored at "
          f"the hub ({alerts_stored} alerts), {stats['posts']} POSTs; faults injected: "
          f"{sum(stats['faults'].values())} ({', '.join(f'{k} {v}' for k, v in sorted(stats['faults'].items()))}), "
          f"{kills} SIGKILLs of the sender in {ROUNDS} rounds ({kills_mid_put} between putting and put); duplicate POSTs {stats['duplicate_posts']}, "
          f"duplicates stored {duplicates}, losses {len(losses)}, stored but never put {len(invented)}")

    if os.environ.get("ANBU_FIGURES_DIR"):  # bench/report.py asks for the figures
        write_figures(Path(os.environ["ANBU_FIGURES_DIR"]) / "outbox_faults.json", {
            "seconds": elapsed, "seed": SEED, "rounds": ROUNDS, "owed": len(owed), "stored": stats["stored"],
            "alerts_stored": alerts_stored, "posts": stats["posts"], "faults": stats["faults"], "kills": kills,
            "kills_mid_put": kills_mid_put, "duplicate_posts": stats["duplicate_posts"], "duplicates_stored": duplicates,
            "losses": len(losses), "invented": len(invented), "client_timeout_s": CLIENT_TIMEOUT_S,
            "fault_rates": {"error": FAULTS.error, "stall": FAULTS.stall, "reset": FAULTS.reset}},
            command="pytest tests/test_outbox_faults.py")
    assert len(owed) == ROUNDS * EVENTS_PER_ROUND
    assert losses == [] and invented == [] and duplicates == 0
    assert stats["stored"] == len(owed)
    # The faults and kills really happened, or the test proves nothing.
    assert kills >= ROUNDS // 2 and all(stats["faults"].get(k, 0) > 5 for k in ("error", "stall", "reset"))
    assert stats["duplicate_posts"] > 0
