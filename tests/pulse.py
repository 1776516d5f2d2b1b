"""A private PulseAudio daemon for device tests.

The recipe is the one measured in docs/design SPEECH.md ("The device path in
tests: PulseAudio null sink"): a user-mode daemon with its own runtime dir,
socket and cookie inside the test's folder, a 16 kHz mono null sink
``anbu_speaker`` as the default sink, its monitor as the default source, and a
loopback from that monitor into a second null sink ``anbu_keepalive`` so the
sink stays busy and its latency stays near 20 ms (an idle null sink drifts to
about 2 s and recordings lose their start).

PortAudio reaches the daemon through ALSA's ``pulse`` plugin
(libasound2-plugins), which reads ``PULSE_SERVER`` and ``PULSE_COOKIE`` from
the environment of *this* process each time a device is opened.  That is why
the server sets them in ``os.environ`` and puts the old values back on stop.

PortAudio lists devices only when it initialises, which ``sounddevice`` does
at import time.  Call :func:`refresh_portaudio` after starting or stopping the
server in a process that has already imported ``sounddevice``.

Usage::

    with PulseAudioServer(tmp_path) as server:
        refresh_portaudio()
        sd.OutputStream(device="pulse", samplerate=16000, channels=1, ...)
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import time
from pathlib import Path

SINK = "anbu_speaker"
KEEPALIVE_SINK = "anbu_keepalive"
RATE = 16000
DEVICE = "pulse"  # the ALSA device name PortAudio lists once a server is up

# `make test` runs scripts/bootstrap.sh, which installs the Debian packages.
SETUP_HINT = "scripts/bootstrap.sh, run by `make test`, installs it"

# Environment variables the server sets in this process (and restores on stop).
_ENV_KEYS = ("PULSE_RUNTIME_PATH", "PULSE_STATE_PATH", "PULSE_SERVER",
             "PULSE_COOKIE", "PULSE_CLIENTCONFIG")


# Servers still running, stopped at interpreter exit if a test forgot to.
_live: set["PulseAudioServer"] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_live):
        server.stop()


def _alsa_pulse_plugin() -> Path | None:
    patterns = ("/usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so",
                "/usr/lib/alsa-lib/libasound_module_pcm_pulse.so",
                "/usr/lib64/alsa-lib/libasound_module_pcm_pulse.so")
    for pattern in patterns:
        for path in Path("/").glob(pattern.lstrip("/")):
            return path
    return None


def skip_reason() -> str | None:
    """Why the device tests cannot run on this machine, or None if they can."""
    for tool, package in (("pulseaudio", "pulseaudio"),
                          ("pactl", "pulseaudio-utils")):
        if shutil.which(tool) is None:
            return f"{tool} not found: install {package} ({SETUP_HINT})"
    if _alsa_pulse_plugin() is None:
        return ("ALSA pulse plugin not found: install libasound2-plugins "
                f"({SETUP_HINT})")
    try:
        import sounddevice  # noqa: F401  (loads libportaudio)
    except ImportError:
        return ("python package sounddevice not installed: "
                "pip install -e '.[test]' (scripts/bootstrap.sh does)")
    except OSError as exc:  # sounddevice raises OSError if PortAudio is missing
        return f"PortAudio not found: install libportaudio2 ({SETUP_HINT}): {exc}"
    return None


def refresh_portaudio() -> None:
    """Make PortAudio list devices again (after a server starts or stops).

    PortAudio scans devices once, at initialisation; sounddevice initialises it
    at import.  Terminating and initialising again re-scans, so a process that
    imported sounddevice before the server started still finds ``pulse``.
    Open streams must be closed first.
    """
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


class PulseAudioError(RuntimeError):
    """The private PulseAudio server could not be started."""


class PulseAudioServer:
    """A private PulseAudio daemon with a 16 kHz mono null sink.

    Context manager; ``start()`` and ``stop()`` can also be called directly.
    While running, ``os.environ`` points PulseAudio clients (pactl, and the
    ALSA ``pulse`` device that PortAudio opens) at this server only.
    """

    def __init__(self, workdir: Path, *, start_timeout: float = 5.0,
                 sink: str = SINK, rate: int = RATE) -> None:
        self.workdir = Path(workdir)
        self.start_timeout = start_timeout
        self.sink = sink
        self.rate = rate
        self.runtime_dir = self.workdir / "runtime"
        self.state_dir = self.workdir / "state"
        self.home_dir = self.workdir / "home"
        self.socket = self.runtime_dir / "native"
        self.cookie = self.workdir / "cookie"
        self.client_conf = self.workdir / "client.conf"
        self.script = self.workdir / "default.pa"
        self.log = self.workdir / "pulseaudio.log"
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._saved_env: dict[str, str | None] | None = None
        self._log_file = None

    # -- context manager -------------------------------------------------
    def __enter__(self) -> "PulseAudioServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def server(self) -> str:
        return f"unix:{self.socket}"

    @property
    def monitor(self) -> str:
        return f"{self.sink}.monitor"

    # -- set-up ----------------------------------------------------------
    def _write_config(self) -> None:
        for d in (self.runtime_dir, self.state_dir, self.home_dir):
            d.mkdir(parents=True, exist_ok=True)
            d.chmod(0o700)  # pulseaudio refuses a runtime dir others can read
        spec = f"format=s16le rate={self.rate} channels=1 channel_map=mono"
        self.script.write_text(
            "# written by tests/pulse.py\n"
            f"load-module module-native-protocol-unix socket={self.socket} "
            f"auth-cookie={self.cookie} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={self.sink} {spec} "
            f"sink_properties=device.description={self.sink}\n"
            f"load-module module-null-sink sink_name={KEEPALIVE_SINK} {spec} "
            f"sink_properties=device.description={KEEPALIVE_SINK}\n"
            # Keeps anbu_speaker busy so its latency stays ~20 ms (SPEECH.md).
            f"load-module module-loopback source={self.sink}.monitor "
            f"sink={KEEPALIVE_SINK} latency_msec=20\n"
            # The null sink rendered ~2 s ahead before the loopback asked for
            # 20 ms; a suspend/resume cycle restarts its clock from now.
            f"suspend-sink {self.sink} 1\n"
            f"suspend-sink {self.sink} 0\n"
            f"suspend-sink {KEEPALIVE_SINK} 1\n"
            f"suspend-sink {KEEPALIVE_SINK} 0\n"
            f"set-default-sink {self.sink}\n"
            f"set-default-source {self.sink}.monitor\n"
        )
        # Clients must not autospawn a daemon of their own, nor read the
        # user's client.conf.
        self.client_conf.write_text("autospawn = no\n")

    def _env_values(self) -> dict[str, str]:
        return {
            "PULSE_RUNTIME_PATH": str(self.runtime_dir),
            "PULSE_STATE_PATH": str(self.state_dir),
            "PULSE_SERVER": self.server,
            "PULSE_COOKIE": str(self.cookie),
            "PULSE_CLIENTCONFIG": str(self.client_conf),
        }

    def _set_env(self) -> None:
        self._saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
        os.environ.update(self._env_values())

    def _restore_env(self) -> None:
        if self._saved_env is None:
            return
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = None

    def _log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace").strip()
        except OSError:
            return ""

    def _pactl(self, *args: str, timeout: float = 5.0) -> subprocess.CompletedProcess:
        return subprocess.run(["pactl", *args], capture_output=True, text=True,
                              timeout=timeout, env=os.environ.copy())

    def pactl(self, *args: str) -> str:
        """Run pactl against this server; return its stdout."""
        proc = self._pactl(*args)
        if proc.returncode != 0:
            raise PulseAudioError(f"pactl {' '.join(args)} failed: "
                                  f"{proc.stderr.strip()}")
        return proc.stdout

    def start(self) -> "PulseAudioServer":
        if self._proc is not None:
            raise PulseAudioError("PulseAudio server already started")
        if shutil.which("pulseaudio") is None:
            raise PulseAudioError(
                f"pulseaudio not found: install pulseaudio ({SETUP_HINT})")
        if len(str(self.socket)) > 100:  # sun_path holds 108 bytes
            raise PulseAudioError(
                f"socket path too long for a unix socket: {self.socket}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._set_env()
        daemon_env = os.environ.copy()
        # The daemon keeps nothing of its own under the real $HOME.
        daemon_env["HOME"] = str(self.home_dir)
        daemon_env["XDG_CONFIG_HOME"] = str(self.home_dir / ".config")
        daemon_env["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        daemon_env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        cmd = [
            "pulseaudio",
            "--daemonize=no",
            "--system=no",
            "--use-pid-file=no",
            "--exit-idle-time=-1",
            "--enable-memfd=no",
            "--disallow-module-loading=no",
            "--log-target=stderr",
            "-n",
            "-F", str(self.script),
        ]
        self._log_file = open(self.log, "wb")
        t0 = time.monotonic()
        try:
            self._proc = subprocess.Popen(
                cmd, env=daemon_env, stdin=subprocess.DEVNULL,
                stdout=self._log_file, stderr=subprocess.STDOUT)
        except OSError as exc:
            self._cleanup()
            raise PulseAudioError(f"cannot run pulseaudio: {exc}") from exc
        _live.add(self)
        try:
            self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def sink_latency(self) -> float | None:
        """The sink's current latency in seconds, as `pactl list sinks` says."""
        text = self.pactl("list", "sinks")
        for block in text.split("Sink #")[1:]:
            if f"Name: {self.sink}\n" not in block:
                continue
            for line in block.splitlines():
                line = line.strip()
                if line.startswith("Latency:"):
                    return int(line.split()[1]) / 1e6
        return None

    def _wait_ready(self, t0: float) -> None:
        deadline = t0 + self.start_timeout
        last = "no socket yet"
        while True:
            if self._proc.poll() is not None:
                raise PulseAudioError(
                    f"pulseaudio exited with code {self._proc.returncode} "
                    f"while starting; its output:\n{self._log_text()}")
            if self.socket.exists():
                try:
                    proc = self._pactl("info", timeout=2.0)
                except subprocess.TimeoutExpired:
                    last = "pactl info timed out"
                else:
                    if proc.returncode != 0:
                        last = (proc.stderr or proc.stdout).strip()
                    elif f"Default Sink: {self.sink}" not in proc.stdout:
                        last = "pactl info answers, default sink not set yet"
                    else:
                        # An idle null sink runs ~2 s ahead; the script's
                        # suspend/resume resets it, this makes sure.
                        latency = self.sink_latency()
                        if latency is not None and latency < 0.5:
                            return
                        last = f"{self.sink} latency {latency} s"
            if time.monotonic() > deadline:
                raise PulseAudioError(
                    f"pulseaudio not ready within {self.start_timeout:.0f} s "
                    f"({last}); its output:\n{self._log_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill the daemon, wait for it, and restore the environment."""
        proc, self._proc = self._proc, None
        _live.discard(self)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        self._restore_env()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
