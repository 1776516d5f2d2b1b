"""Running the dialogue as child processes on 127.0.0.1.

The Rasa server, and beside it the action server (`rasa run actions`) for the
custom actions of dialogs/actions/. The action server starts first and the
Rasa server is pointed at its port with an endpoints file written for this
run, so that both ports can be chosen freely (tests run on free ports).

The children never outlive the speaker: each runs in its own process group,
which stop() ends as a whole, and the kernel sends it SIGTERM should the
process that started it die without stopping it (SIGKILL, a crash). The
speaker's commands turn SIGTERM into an orderly exit (cli.py), so `with
RasaProcess(...)` stops both servers whichever way the speaker is ended.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from .dialogue_setup import DIALOGS, SetupError, progress, rasa_env

ACTIONS = DIALOGS / "actions"
# How long a stopping server may take to finish before it is killed.
STOP_GRACE_S = 15
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: a forked child should not load libraries


def _die_with_parent() -> None:
    """Runs in the forked child before exec: SIGTERM to it when the thread that started it ends."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class _Child:
    """One server process, started from dialogs/ and waited on until it answers."""

    name = "server"

    def __init__(self, venv: Path, port: int, log: Path):
        self.venv, self.port, self.log = venv, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return rasa_env()

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout_s: float) -> None:
        if _get(f"{self.url}/") is not None:
            raise SetupError(f"something already answers on {self.url}; stop it or choose another port")
        with open(self.log, "wb") as log:
            # A session of its own: Ctrl-C in a terminal reaches the speaker only, which then
            # stops the child; and the child's group can be ended as a whole.
            self.process = subprocess.Popen(self.command(), cwd=DIALOGS, env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"the {self.name} stopped while starting (exit {self.process.returncode}); "
                                 f"its last lines:\n{_tail(self.log)}")
            if self.ready():
                return
            time.sleep(0.5)
        self.stop()
        raise SetupError(f"the {self.name} did not become ready in {timeout_s:.0f} s; see {self.log}")

    def stop(self) -> None:
        self.ask_to_stop()
        self.end_by(time.monotonic() + STOP_GRACE_S)

    def ask_to_stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)

    def end_by(self, deadline: float) -> None:
        """Waits for the server to finish until `deadline`, then kills what is left of it."""
        if self.process is not None:
            try:
                self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait()
        self.process = None


class ActionServer(_Child):
    name = "action server"

    def command(self) -> list[str]:
        return [str(self.venv / "bin" / "python"), "-m", "rasa", "run", "actions", "--actions", "actions",
                "--port", str(self.port)]

    def env(self) -> dict[str, str]:
        # rasa-sdk has no --interface option; it reads the host from here (default 0.0.0.0).
        return {**rasa_env(), "SANIC_HOST": "127.0.0.1"}

    def ready(self) -> bool:
        response = _get(f"{self.url}/health")
        return response is not None and response.ok


class RasaServer(_Child):
    name = "Rasa server"

    def __init__(self, venv: Path, port: int, log: Path, model: Path, endpoints: Path | None):
        super().__init__(venv, port, log)
        self.model, self.endpoints = model, endpoints

    def command(self) -> list[str]:
        endpoints = ["--endpoints", str(self.endpoints)] if self.endpoints else []
        return [str(self.venv / "bin" / "python"), "-m", "rasa", "run", "--enable-api", "--model", str(self.model),
                *endpoints, "--interface", "127.0.0.1", "--port", str(self.port)]

    def ready(self) -> bool:
        # /status answers before the model is loaded; only a model file means it can parse.
        response = _get(f"{self.url}/status")
        return response is not None and response.ok and bool(response.json().get("model_file"))


class RasaProcess:
    """The Rasa server on `port`, and the action server on `action_port` when dialogs/actions/ exists."""

    def __init__(self, venv: Path, model: Path, port: int = 5005, log: Path | None = None,
                 action_port: int | None = None):
        # Rasa's own defaults side by side; a server on another port (tests, benchmarks, several at
        # once) gets a free action port, so that two set-ups never share an action server.
        if action_port is None:
            action_port = 5055 if port == 5005 else free_port(besides=port)
        self.venv, self.model, self.port, self.action_port = venv, model, port, action_port
        self.log = log or Path(f"/tmp/anbu-rasa-{port}.log")
        self.url = f"http://127.0.0.1:{port}"
        self._folder: tempfile.TemporaryDirectory | None = None
        self._actions: ActionServer | None = None
        self._rasa: RasaServer | None = None

    @property
    def process(self) -> subprocess.Popen | None:
        return self._rasa.process if self._rasa else None

    def start(self, timeout_s: float = 240) -> "RasaProcess":
        endpoints = None
        try:
            if ACTIONS.is_dir():
                self._folder = tempfile.TemporaryDirectory(prefix="anbu-dialogue-")
                endpoints = Path(self._folder.name) / "endpoints.yml"
                action_log = self.log.with_name(f"{self.log.stem}-actions{self.log.suffix}")
                progress(f"starting the action server on 127.0.0.1:{self.action_port} (log: {action_log})")
                self._actions = ActionServer(self.venv, self.action_port, action_log)
                self._actions.start(timeout_s)
                endpoints.write_text(f'action_endpoint:\n  url: "{self._actions.url}/webhook"\n', encoding="utf-8")
            progress(f"starting the Rasa server on {self.url} (log: {self.log}); loading takes 20-60 s")
            self._rasa = RasaServer(self.venv, self.port, self.log, self.model, endpoints)
            self._rasa.start(timeout_s)
        except BaseException:
            self.stop()
            raise
        progress("Rasa server ready")
        return self

    def stop(self) -> None:
        # Both are asked at once and share one grace period, so stopping the dialogue takes at most
        # STOP_GRACE_S, inside the speaker unit's TimeoutStopSec, however slowly Rasa winds down.
        children = [child for child in (self._rasa, self._actions) if child is not None]
        for child in children:
            child.ask_to_stop()
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            child.end_by(deadline)
        self._rasa = self._actions = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self) -> "RasaProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """The child and whatever it started (its process group, made at start)."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def free_port(besides: int | None = None) -> int:
    """A port nothing listens on now; `besides` is one chosen already but not yet listened on."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != besides:
            return port


def _get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=2)
    except requests.RequestException:
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
