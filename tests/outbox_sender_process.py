"""The sending side of a speaker, as its own process, for tests that kill it with SIGKILL.

    python tests/outbox_sender_process.py OUTBOX HUB_URL --first N --last M [--run R]

Puts events numbered first..last-1 into the outbox, one before each sending
round, then sends until nothing is waiting. An event's id depends only on its
number and the run, as an application that puts again after a crash would
reuse its idempotency key. On stdout, flushed line by line so a kill loses
nothing already said:

    ready
    putting <id> <number>    before put()
    put <id> <number>        after put() returned: the event must reach the hub
    done                     nothing left to send
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from emergency.outbox import Backoff, Event, Outbox  # noqa: E402
from emergency.sender import Hub, Sender  # noqa: E402
from hub_server import TOKEN  # noqa: E402

KST = timezone(timedelta(hours=9))
KINDS = [("alert", "emergency"), ("alert", "urgent"), ("alert", "notice"), ("checkin", None),
         ("medication", None), ("summary", None), ("heartbeat", None), ("activity", None)]


def now() -> datetime:
    return datetime.now(KST)


def make_event(number: int, run: str) -> Event:
    rng = random.Random(f"{run}-{number}")
    event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    type_, level = rng.choice(KINDS)
    payload = {"number": number, **({"level": level, "heard": "살려 주세요"} if level else {})}
    return Event(event_id, type_, now(), payload)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("outbox", type=Path)
    parser.add_argument("hub_url")
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--last", type=int, required=True)
    parser.add_argument("--run", default="0")
    parser.add_argument("--timeout", type=float, default=0.2)
    args = parser.parse_args()

    outbox = Outbox(args.outbox, now, backoff=Backoff(base_s=0.01, cap_s=0.2))
    sender = Sender(outbox, Hub(args.hub_url, TOKEN, args.timeout), requests.Session(),
                    hub_backoff=Backoff(base_s=0.01, cap_s=0.1), round_limit=20)
    print("ready", flush=True)
    for number in range(args.first, args.last):
        event = make_event(number, args.run)
        print("putting", event.id, number, flush=True)
        outbox.put(event)
        print("put", event.id, number, flush=True)
        sender.send_due(now())
    while outbox.status().waiting_count:
        if not sender.send_due(now()).sent:
            time.sleep(0.005)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
