"""The demo day's care hub and the caregiver who uses it.

The hub is the real `carehub`, run the way an operator runs it: its own
commands add a caregiver, a resident and the speaker (whose token is printed
once), then `carehub serve` on SQLite on 127.0.0.1. The caregiver works the
real dashboard over HTTP, as a browser would: logs in, opens the newest
alert of a level and acknowledges it with a plan ("visiting").
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .dialogue_server import free_port
from .dialogue_setup import SetupError


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    name: str
    relation: str


CAREGIVER = Login("welfare", "anbu-demo-2026", "이영희", "복지담당")


def _carehub_program() -> str:
    """The `carehub` command of this installation, on PATH or beside this Python."""
    return shutil.which("carehub") or str(Path(sys.executable).with_name("carehub"))


class LocalHub:
    """`carehub serve` on SQLite in `folder`, with one caregiver, one resident and one speaker."""

    def __init__(self, folder: Path, resident_name: str, honorific: str, port: int | None = None):
        self.folder = folder
        self.resident_name, self.honorific = resident_name, honorific
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "carehub.log"
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'carehub.db'}"}
        self.process: subprocess.Popen | None = None
        self.token = ""

    def _carehub(self, *args: str) -> str:
        done = subprocess.run([_carehub_program(), *args], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError(f"`carehub {' '.join(args[:1])}` failed: {done.stderr.strip()[-400:]}")
        return done.stdout.strip()

    def set_up(self) -> None:
        """A fresh database with the people of the day."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("carehub.db*"):
            old.unlink()
        self._carehub("add-user", CAREGIVER.username, "--name", CAREGIVER.name, "--caregiver",
                      "--password", CAREGIVER.password)
        resident = self._carehub("add-resident", self.resident_name, "--honorific", self.honorific)
        self._carehub("assign", "--user", CAREGIVER.username, "--resident", resident, "--order", "1",
                      "--relation", CAREGIVER.relation)
        self.token = self._carehub("add-device", "--resident", resident, "--label", "거실 스피커")

    def __enter__(self) -> "LocalHub":
        self.process = subprocess.Popen(
            [_carehub_program(), "serve", "--port", str(self.port)], env=self.env, stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"), start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"the care hub stopped at start-up; see {self.log}")
            try:
                if requests.get(f"{self.url}/login", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.2)
        self.__exit__()
        raise SetupError(f"the care hub did not answer on {self.url} within 30 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def device_alerts(self) -> list[dict]:
        """What the hub holds of this speaker's alerts, through the device API."""
        answer = requests.get(f"{self.url}/api/v1/alerts", headers={"Authorization": f"Bearer {self.token}"},
                              timeout=10)
        answer.raise_for_status()
        return answer.json()


class Caregiver:
    """A caregiver at the dashboard, signed in."""

    def __init__(self, hub_url: str, login: Login = CAREGIVER):
        self.url, self.login = hub_url, login
        self.web = requests.Session()
        page = self.web.get(f"{self.url}/login", timeout=10)
        answer = self.web.post(f"{self.url}/login", timeout=10, data={
            "username": login.username, "password": login.password, "csrf": _csrf(page.text), "next": "/"})
        if answer.status_code != 200 or "/login" in answer.url:
            raise SetupError(f"the demo caregiver could not log in to {self.url} (status {answer.status_code})")

    def open_alerts(self, level: str) -> list[int]:
        inbox = self.web.get(f"{self.url}/", params={"level": level}, timeout=10)
        inbox.raise_for_status()
        return [int(n) for n in dict.fromkeys(re.findall(r'href="/alerts/(\d+)"', inbox.text))]

    def acknowledge(self, alert_id: int, plan: str = "visiting") -> None:
        page = self.web.get(f"{self.url}/alerts/{alert_id}", timeout=10)
        page.raise_for_status()
        answer = self.web.post(f"{self.url}/alerts/{alert_id}/acknowledge", timeout=10,
                               data={"csrf": _csrf(page.text), "plan": plan})
        answer.raise_for_status()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    if found is None:
        raise SetupError("the dashboard page has no CSRF field; is this a care hub?")
    return html.unescape(found.group(1))
