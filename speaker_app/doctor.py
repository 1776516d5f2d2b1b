"""`speaker-app doctor`: is this speaker ready to look after someone?

An installer runs it after setting a speaker up, and an operator when a
speaker seems wrong. Each check is a small object whose `run()` looks at one
thing and returns one `Finding`: PASS, WARN (it works, but look at it) or
FAIL (the speaker cannot do its job as configured), with what to do. Every
side effect (audio, network, clock, commands, disk) is passed in, so a check
runs the same on a device and in a test.
"""
from __future__ import annotations

import email.utils
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol

import numpy as np
import requests

from wakeword.enrolment import level_dbfs

from .audio import AudioClip, AudioError, DeviceSource, find_device
from .config import Config
from .recogniser import resolve_model_dir
from .vocabulary import ModelError

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass(frozen=True)
class Finding:
    status: str
    check: str
    detail: str
    advice: str = ""

    def line(self) -> str:
        text = f"{self.status}  {self.check}: {self.detail}"
        return f"{text} -> {self.advice}" if self.advice else text


class Check(Protocol):
    def run(self) -> Finding: ...


# --- audio -----------------------------------------------------------------------------

BUSY_HINT = "if `speaker-app run` is running it may hold the device: stop anbu-speaker first"


class AudioDevice:
    """The configured microphone or loudspeaker exists (PortAudio lists it)."""

    def __init__(self, name: str | int, kind: str):
        self.name, self.kind = name, kind

    def run(self) -> Finding:
        check = f"audio {self.kind}"
        try:
            device = find_device(self.name, self.kind)
        except AudioError as error:
            return Finding(FAIL, check, str(error),
                           f"plug it in, or set audio.{self.kind}_device to one `python -m sounddevice` lists")
        import sounddevice  # find_device has loaded it

        return Finding(PASS, check, f"{self.name!r} is {sounddevice.query_devices(device, kind=self.kind)['name']!r}")


# Below this the room is not heard at all: a real microphone hears its own noise
# floor even in a silent room (about -70 to -60 dBFS); zeros come from a muted
# or unplugged one.
SILENT_DBFS = -90.0
QUIET_DBFS = -75.0
CLIPPED_SAMPLE = 32700
CLIPPED_SHARE = 0.001


class InputLevel:
    """About a second of the room through the microphone: RMS level, peak and clipping."""

    def __init__(self, record: Callable[[float], AudioClip], seconds: float = 1.0):
        self.record, self.seconds = record, seconds

    def run(self) -> Finding:
        check = "input level"
        try:
            clip = self.record(self.seconds)
        except AudioError as error:
            return Finding(FAIL, check, f"could not record: {error}", BUSY_HINT)
        samples = np.abs(clip.samples().astype(np.float64))
        if len(samples) == 0:
            return Finding(FAIL, check, "the microphone delivered no audio", BUSY_HINT)
        rms, peak = level_dbfs(clip), 20 * np.log10(max(samples.max(), 1.0) / 32768)
        clipped = float(np.mean(samples >= CLIPPED_SAMPLE))
        detail = f"{clip.seconds:.1f} s recorded: RMS {rms:.0f} dBFS, peak {peak:.0f} dBFS, {100 * clipped:.1f} % clipped"
        if rms <= SILENT_DBFS:
            return Finding(FAIL, check, f"{detail} (digital silence)",
                           "the microphone is muted or not connected: unmute its capture channel in alsamixer")
        if clipped > CLIPPED_SHARE:
            return Finding(WARN, check, detail, "too loud: lower the capture gain in alsamixer until nothing clips")
        if rms < QUIET_DBFS:
            return Finding(WARN, check, f"{detail} (very quiet)", "raise the capture gain in alsamixer")
        return Finding(PASS, check, detail)


def record_from(source: DeviceSource) -> Callable[[float], AudioClip]:
    """`seconds` of audio from the live source, through the same frames the voice loop reads."""

    def record(seconds: float) -> AudioClip:
        pcm = []
        for frame in source.frames():
            pcm.append(frame.pcm)
            if frame.start_s >= seconds:
                break
        return AudioClip(b"".join(pcm))

    return record


# --- models and the dialogue --------------------------------------------------------------

class SpeechModel:
    """The Vosk model the recogniser is configured with is where it should be."""

    def __init__(self, setting: str):
        self.setting = setting

    def run(self) -> Finding:
        try:
            path = resolve_model_dir(self.setting)
        except ModelError as error:
            return Finding(FAIL, "speech model", str(error))
        return Finding(PASS, "speech model", f"{self.setting} at {path}")


SERVICE_HINT = "see `systemctl status {unit}` and `journalctl -u {unit}`"


def _get(session: requests.Session, url: str, timeout_s: float, **kw) -> requests.Response | str:
    """The answer, or why there was none, in words."""
    try:
        return session.get(url, timeout=timeout_s, **kw)
    except requests.Timeout:
        return f"no answer from {url} within {timeout_s:g} s"
    except requests.ConnectionError:
        return f"nothing answers at {url}"
    except requests.RequestException as error:
        return f"{url}: {error}"


class Dialogue:
    """The Rasa server answers and has a model loaded."""

    def __init__(self, url: str, session: requests.Session, timeout_s: float):
        self.url, self.session, self.timeout_s = url.rstrip("/"), session, timeout_s

    def run(self) -> Finding:
        check, advice = "dialogue (Rasa)", SERVICE_HINT.format(unit="anbu-rasa")
        answer = _get(self.session, f"{self.url}/status", self.timeout_s)
        if isinstance(answer, str):
            return Finding(FAIL, check, answer, advice)
        if not answer.ok:
            return Finding(FAIL, check, f"{self.url}/status answered {answer.status_code}", advice)
        model = answer.json().get("model_file")
        if not model:
            return Finding(FAIL, check, f"{self.url} runs but has no model loaded (still starting?)",
                           f"wait a minute and run this again; if it persists, {advice}")
        return Finding(PASS, check, f"{self.url} answers with model {model}")


class Actions:
    """The action server answers for the Rasa server: a custom action run through Rasa, as a turn would."""

    ACTION = "action_tell_time"  # custom (dialogs/actions/clock.py), says something, changes nothing

    def __init__(self, url: str, session: requests.Session, timeout_s: float):
        self.url, self.session, self.timeout_s = url.rstrip("/"), session, timeout_s

    def run(self) -> Finding:
        check, advice = "action server", SERVICE_HINT.format(unit="anbu-actions")
        # A conversation of its own, so the resident's dialogue is left as it was; Rasa runs
        # actions only in a conversation that exists, so one event creates it first.
        conversation = f"{self.url}/conversations/anbu-doctor-{uuid.uuid4().hex[:8]}"
        try:
            self.session.post(f"{conversation}/tracker/events", json=[{"event": "action", "name": "action_listen"}],
                              timeout=self.timeout_s).raise_for_status()
            answer = self.session.post(f"{conversation}/execute", json={"name": self.ACTION}, timeout=self.timeout_s)
        except requests.RequestException:
            return Finding(FAIL, check, f"cannot ask the Rasa server at {self.url} to run {self.ACTION}",
                           "fix the dialogue first")
        # Rasa answers 200 either way; a custom action that could not run says nothing.
        if not (answer.ok and answer.json().get("messages")):
            return Finding(FAIL, check, f"Rasa could not run {self.ACTION} (answer {answer.status_code}, nothing said): "
                           "the action server is down, or missing from Rasa's endpoints file", advice)
        return Finding(PASS, check, f"{self.ACTION} ran through {self.url}")


# --- the care hub -------------------------------------------------------------------------

class HubPairing:
    """The hub answers and knows this speaker's token (GET /api/v1/device)."""

    def __init__(self, url: str, token: str, session: requests.Session, timeout_s: float):
        self.url, self.token, self.session, self.timeout_s = url.rstrip("/"), token, session, timeout_s

    def run(self) -> Finding:
        check = "care hub"
        if not self.url:
            return Finding(WARN, check, "no hub configured (hub.url is empty): events wait in the outbox",
                           "set hub.url and hub.token (`carehub add-device` prints the token)")
        answer = _get(self.session, f"{self.url}/api/v1/device", self.timeout_s,
                      headers={"Authorization": f"Bearer {self.token}"})
        if isinstance(answer, str):
            return Finding(FAIL, check, answer, "check hub.url, the network, and that the hub runs")
        if answer.status_code == 401:
            return Finding(FAIL, check, f"{self.url} does not know this speaker's token",
                           "on the hub run `carehub add-device --resident ID` and put the printed token in hub.token")
        if not answer.ok:
            return Finding(FAIL, check, f"{self.url}/api/v1/device answered {answer.status_code}",
                           "is hub.url the hub's address (not the dashboard page)?")
        device = answer.json()
        return Finding(PASS, check, f"{self.url} knows this {device.get('kind')} "
                       f"({device.get('label') or 'no label'}) of {device.get('resident')}")


# --- the clock ----------------------------------------------------------------------------

CLOSE_S, FAR_S = 5.0, 120.0


def timedatectl() -> str | None:
    """Whether NTP has synchronised the clock ('yes'/'no'), or None where systemd cannot tell."""
    try:
        done = subprocess.run(["timedatectl", "show", "--property=NTPSynchronized", "--value"],
                              capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() in ("yes", "no") else None


class ClockSync:
    """Routines run on the device's clock: a clock that is off calls at the wrong hour.

    NTP's own word when systemd has it; otherwise (or when NTP is not
    synchronised) the difference from the hub's clock, read from its Date header.
    """

    def __init__(self, ntp: Callable[[], str | None], hub_url: str, session: requests.Session, timeout_s: float,
                 now: Callable[[], float] = time.time):
        self.ntp, self.hub_url, self.session, self.timeout_s, self.now = ntp, hub_url.rstrip("/"), session, timeout_s, now

    def run(self) -> Finding:
        check = "clock"
        ntp = self.ntp()
        if ntp == "yes":
            return Finding(PASS, check, "synchronised by NTP (timedatectl)")
        said = "NTP not synchronised" if ntp == "no" else "timedatectl cannot tell"
        offset = self._offset_from_hub()
        if isinstance(offset, str):
            return Finding(WARN, check, f"{said}, and {offset}",
                           "enable NTP: `timedatectl set-ntp true` (systemd-timesyncd)")
        off = "within a second of" if abs(offset) < 1 else f"{abs(offset):.0f} s {'ahead of' if offset > 0 else 'behind'}"
        detail = f"{said}; {off} the hub's clock"
        if abs(offset) <= CLOSE_S:
            return Finding(PASS, check, detail)
        advice = "enable NTP: `timedatectl set-ntp true`, and check the time zone (resident.timezone)"
        return Finding(WARN if abs(offset) <= FAR_S else FAIL, check, detail, advice)

    def _offset_from_hub(self) -> float | str:
        if not self.hub_url:
            return "no hub to compare with"
        before = self.now()
        answer = _get(self.session, f"{self.hub_url}/api/v1/device", self.timeout_s)
        after = self.now()
        if isinstance(answer, str):
            return f"the hub's clock cannot be read ({answer})"
        stamp = answer.headers.get("Date")
        if not stamp:
            return "the hub sent no Date header"
        hub = email.utils.parsedate_to_datetime(stamp).timestamp()
        # The header has whole seconds, cut: the hub's moment is within the second after it.
        return (before + after) / 2 - (hub + 0.5)


# --- disk ---------------------------------------------------------------------------------

class DiskSpace:
    """Room to write where the speaker keeps `label` (outbox, store): events must never be lost to a full disk."""

    def __init__(self, label: str, path: str, warn_mb: float = 500, fail_mb: float = 50):
        self.label, self.path = label, Path(path).expanduser()
        self.warn_mb, self.fail_mb = warn_mb, fail_mb

    def run(self) -> Finding:
        check = f"disk for the {self.label}"
        folder = next(p for p in (self.path.parent, *self.path.parent.parents) if p.exists())
        if not os.access(folder, os.W_OK):
            return Finding(FAIL, check, f"{folder} is not writable by this user (for {self.path})",
                           "run as the speaker's user, or give it the folder (deploy/README.md)")
        free_mb = shutil.disk_usage(folder).free / 1024 ** 2
        detail = f"{free_mb:,.0f} MB free at {folder} (for {self.path})"
        if free_mb < self.fail_mb:
            return Finding(FAIL, check, detail, f"free space: at least {self.fail_mb:g} MB are needed")
        if free_mb < self.warn_mb:
            return Finding(WARN, check, detail, f"free space soon: below {self.warn_mb:g} MB")
        return Finding(PASS, check, detail)


# --- all of them --------------------------------------------------------------------------

def device_checks(config: Config, session: requests.Session | None = None,
                  ntp: Callable[[], str | None] = timedatectl, record_s: float = 1.0) -> list[Check]:
    session = session or requests.Session()
    checks: list[Check] = [AudioDevice(config.audio.input_device, "input"),
                           AudioDevice(config.audio.output_device, "output")]
    try:
        source = DeviceSource(config.audio.input_device, config.audio.frame_ms)
        checks.append(InputLevel(record_from(source), record_s))
    except AudioError:
        pass  # the input device check above says why
    checks += [
        SpeechModel(config.recogniser.model),
        Dialogue(config.dialog.url, session, config.dialog.timeout_s),
        Actions(config.dialog.url, session, max(config.dialog.timeout_s, 10.0)),
        HubPairing(config.hub.url, config.hub.token, session, config.hub.timeout_s),
        ClockSync(ntp, config.hub.url, session, config.hub.timeout_s),
        DiskSpace("outbox", config.hub.outbox),
        DiskSpace("local store", config.routines.store),
    ]
    return checks


def examine(checks: Iterable[Check], show: Callable[[str], None]) -> int:
    """Each check's line as it is found; the exit status is 1 if anything failed."""
    failed = False
    for check in checks:
        finding = check.run()
        show(finding.line())
        failed |= finding.status == FAIL
    return 1 if failed else 0
