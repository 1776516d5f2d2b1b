"""Running the Rasa server as a child process on 127.0.0.1."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import requests

from .dialogue_setup import DIALOGS, SetupError, progress, rasa_env


class RasaProcess:
    def __init__(self, venv: Path, model: Path, port: int = 5005, log: Path | None = None):
        self.venv, self.model, self.port = venv, model, port
        self.log = log or Path(f"/tmp/anbu-rasa-{port}.log")
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 240) -> "RasaProcess":
        if _answers(self.url):
            raise SetupError(f"something already answers on {self.url}; stop it or choose another port")
        progress(f"starting the Rasa server on {self.url} (log: {self.log}); loading takes 20-60 s")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(self.venv / "bin" / "python"), "-m", "rasa", "run", "--enable-api", "--model", str(self.model),
                 "--interface", "127.0.0.1", "--port", str(self.port)],
                cwd=DIALOGS, env=rasa_env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"the Rasa server stopped while starting (exit {self.process.returncode}); "
                                 f"its last lines:\n{_tail(self.log)}")
            if _answers(self.url, ready=True):
                progress("Rasa server ready")
                return self
            time.sleep(1)
        self.stop()
        raise SetupError(f"the Rasa server did not become ready in {timeout_s:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> "RasaProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _answers(url: str, ready: bool = False) -> bool:
    try:
        response = requests.get(f"{url}/status", timeout=2)
    except requests.RequestException:
        return False
    # /status answers before the model is loaded; only a model file means it can parse.
    return not ready or (response.ok and bool(response.json().get("model_file")))


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
