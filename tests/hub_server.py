"""A stand-in for the care hub's event API on 127.0.0.1 that fails on purpose.

It does what the hub promises a device (issue 7): POST /api/v1/events with a
bearer token stores each envelope once by its id and answers 201 the first
time and 200 (or 409) for an id it already holds. On top of that it can be
told to misbehave at random, with a seed:

- ``error``: answer 500, having stored the event or not (a hub that commits and then fails);
- ``stall``: answer only after the client has given up, having stored the event or not;
- ``reset``: close the connection with a TCP reset instead of answering, having stored the event or not.

GET /stats answers the counts as JSON, for a benchmark in another process.
Run as a script it serves until killed and prints its URL on the first line:

    python tests/hub_server.py [--port 0] [--token T]
"""
from __future__ import annotations

import argparse
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "test-device-token"


@dataclass(frozen=True)
class Faults:
    error: float = 0.0
    stall: float = 0.0
    reset: float = 0.0
    stall_s: float = 0.5      # longer than the client's timeout
    seed: int = 0


MAX_BODY = 64 * 1024  # the hub limits payload size; a larger event is refused with 413


class EventStore:
    """What the hub holds, and what it went through to get it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: dict[str, dict] = {}
        self.order: list[str] = []           # ids in the order first stored
        self.posts = 0
        self.duplicate_posts = 0             # posts of an id already stored
        self.faults: Counter[str] = Counter()

    def store(self, envelope: dict) -> bool:
        """True if the id is new."""
        with self.lock:
            if envelope["id"] in self.events:
                return False
            self.events[envelope["id"]] = envelope
            self.order.append(envelope["id"])
            return True

    def stats(self) -> dict:
        with self.lock:
            return {"stored": len(self.events), "posts": self.posts, "duplicate_posts": self.duplicate_posts,
                    "faults": dict(self.faults)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real hub behind a proxy would
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the second 40 ms
    server: "_Server"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/stats":
            self._answer(200, self.server.store.stats())
        else:
            self._answer(404, {"error": "no such page"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if len(body) > MAX_BODY:
            return self._answer(413, {"error": f"payload: at most {MAX_BODY} bytes"})
        if self.path != "/api/v1/events":
            return self._answer(404, {"error": f"no such endpoint {self.path}"})
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            return self._answer(401, {"error": "unknown device token"})
        try:
            envelope = json.loads(body)
            envelope["id"], envelope["type"], envelope["occurred_at"]
        except (ValueError, KeyError, TypeError) as error:
            return self._answer(422, {"error": f"bad envelope: {error}"})
        store, faults = self.server.store, self.server.faults
        with store.lock:
            store.posts += 1
            duplicate = envelope["id"] in store.events
            store.duplicate_posts += duplicate
            fault, store_first = self.server.draw()
            if fault:
                store.faults[fault] += 1
        if fault is None or store_first:
            store.store(envelope)
        if fault == "error":
            return self._answer(500, {"error": "injected failure"})
        if fault == "stall":
            time.sleep(faults.stall_s)
            # Too late either way: the client has given up and will send the event again.
            return self._answer(201 if store_first else 500, {"id": envelope["id"]})
        if fault == "reset":
            return self._reset()
        if duplicate:
            return self._answer(409 if self.server.draw_409() else 200, {"id": envelope["id"], "duplicate": True})
        self._answer(201, {"id": envelope["id"]})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up first (a stall), or was killed

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST: the client sees a reset, not an answer.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, token: str, faults: Faults, store: EventStore):
        super().__init__(address, _Handler)
        self.token = token
        self.faults = faults
        self.store = store
        self._rng = random.Random(faults.seed)
        self._rng_lock = threading.Lock()

    def draw(self) -> tuple[str | None, bool]:
        """Which fault this request gets, and whether the event is stored before it strikes."""
        with self._rng_lock:
            roll, store_first = self._rng.random(), self._rng.random() < 0.5
        for name in ("error", "stall", "reset"):
            chance = getattr(self.faults, name)
            if roll < chance:
                return name, store_first
            roll -= chance
        return None, True

    def draw_409(self) -> bool:
        with self._rng_lock:
            return self._rng.random() < 0.5

    def handle_error(self, request, client_address) -> None:
        pass  # a client killed mid-request is part of the test


class HubServer:
    """The stand-in hub in a thread of this process: ``with HubServer() as hub: hub.url``."""

    def __init__(self, faults: Faults = Faults(), token: str = TOKEN, port: int = 0):
        self.store = EventStore()
        self._server = _Server(("127.0.0.1", port), token, faults, self.store)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def set_faults(self, faults: Faults) -> None:
        self._server.faults = faults

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    server = _Server(("127.0.0.1", args.port), args.token, Faults(), EventStore())
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
