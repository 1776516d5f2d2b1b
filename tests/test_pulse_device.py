"""The audio device path, end to end, through a private PulseAudio null sink.

Plays a known signal into the ALSA device ``pulse`` with an explicit
OutputStream while an explicit InputStream records the sink's monitor (the
default source), then finds the signal in the recording.  Separate streams on
purpose: ``sd.rec()`` followed by ``sd.play()`` share one stream and record
nothing (SPEECH.md).

The server is started by the tests themselves (tests/pulse.py); they skip
only when pulseaudio / libasound2-plugins / PortAudio are missing, and fail
instead of skipping when ``CI`` is set, since CI installs them
(scripts/bootstrap.sh, run by ``make test``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import _skip_or_fail
from pulse import DEVICE, RATE, PulseAudioServer, refresh_portaudio

pytestmark = pytest.mark.device

LEAD_PAD_S = 0.05   # the first ~6 ms written to a fresh stream can be lost
TRAIL_PAD_S = 0.25  # the last ~40 ms are lost if the stream ends right after
MIN_CORRELATION = 0.9
MAX_OFFSET_S = 0.3


@pytest.fixture(scope="module")
def sd(pulse_server):
    import sounddevice

    return sounddevice


# -- signals -----------------------------------------------------------------

def _chirp(seconds: float = 1.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    f0, f1 = 200.0, 3000.0
    phase = 2 * np.pi * (f0 * t + (f1 - f0) / (2 * seconds) * t ** 2)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)  # 10 ms fades
    return (0.5 * 32767 * np.sin(phase) * fade).astype(np.int16)


def _speech(workdir: Path) -> np.ndarray:
    """espeak-ng's Korean voice: stands in for speech, for plumbing only."""
    if shutil.which("espeak-ng") is None:
        _skip_or_fail("espeak-ng not found: install espeak-ng "
                      "(scripts/bootstrap.sh, run by `make test`, installs it)")
    path = workdir / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), "안녕하세요"],
                   check=True, capture_output=True, timeout=30)
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    data = data.astype(np.float64)
    if rate != RATE:  # linear resampling is plenty for a plumbing test
        n_out = int(round(len(data) * RATE / rate))
        data = np.interp(np.arange(n_out) * rate / RATE,
                         np.arange(len(data)), data)
    assert np.abs(data).max() > 1000, "espeak-ng wrote (near) silence"
    return np.clip(np.round(data), -32768, 32767).astype(np.int16)


@pytest.fixture(params=["chirp", "speech"])
def signal(request, tmp_path):
    if request.param == "chirp":
        return _chirp()
    return _speech(tmp_path)


# -- play and record -----------------------------------------------------------

def play_and_record(sd, signal: np.ndarray, *, settle_s: float = 0.3,
                    tail_s: float = 0.5):
    """Play ``signal`` into DEVICE while recording DEVICE's default source.

    Returns (recording, expected_start_s): the int16 recording and the time,
    from the recording's first sample, at which the signal left PortAudio
    (by the streams' own DAC/ADC timestamps).
    """
    lead = np.zeros(int(LEAD_PAD_S * RATE), np.int16)
    trail = np.zeros(int(TRAIL_PAD_S * RATE), np.int16)
    out = np.concatenate([lead, signal, trail])

    blocks: list[np.ndarray] = []
    adc0: list[float] = []
    dac0: list[float] = []
    pos = 0
    got_input = threading.Event()
    played = threading.Event()

    def on_input(indata, frames, time_info, status):
        if not adc0:
            adc0.append(time_info.inputBufferAdcTime)
            got_input.set()
        blocks.append(indata[:, 0].copy())

    def on_output(outdata, frames, time_info, status):
        nonlocal pos
        if not dac0:
            dac0.append(time_info.outputBufferDacTime)
        n = min(frames, len(out) - pos)
        outdata[:n, 0] = out[pos:pos + n]
        outdata[n:] = 0
        pos += n
        if pos >= len(out):
            raise sd.CallbackStop

    common = dict(device=DEVICE, samplerate=RATE, channels=1, dtype="int16")
    with sd.InputStream(callback=on_input, **common):
        assert got_input.wait(10), "the input stream delivered nothing"
        time.sleep(settle_s)
        with sd.OutputStream(callback=on_output,
                             finished_callback=played.set, **common):
            budget = len(out) / RATE + 15  # generous: shared, noisy machine
            assert played.wait(budget), "the output stream never finished"
        time.sleep(tail_s)
    recording = np.concatenate(blocks)
    expected_start = dac0[0] - adc0[0] + len(lead) / RATE
    return recording, expected_start


def find_signal(recording: np.ndarray, signal: np.ndarray):
    """Best alignment of signal in recording: (lag in samples, normalised
    cross-correlation at that lag)."""
    r = recording.astype(np.float64)
    x = signal.astype(np.float64)
    assert len(r) >= len(x), "recording shorter than the signal"
    n = len(r) + len(x)
    nfft = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(r, nfft) * np.conj(np.fft.rfft(x, nfft)),
                        nfft)[: len(r) - len(x) + 1]
    # Normalise by the energy of each window of the recording.
    csum = np.concatenate([[0.0], np.cumsum(r * r)])
    window_energy = csum[len(x):] - csum[: len(r) - len(x) + 1]
    ncc = corr / (np.sqrt(np.maximum(window_energy, 1e-9)) * np.linalg.norm(x))
    lag = int(np.argmax(ncc))
    return lag, float(ncc[lag])


# -- tests -------------------------------------------------------------------

def test_server_is_configured(pulse_server):
    print(f"\npulseaudio ready in {pulse_server.startup_seconds * 1000:.0f} ms")
    info = pulse_server.pactl("info")
    assert f"Default Sink: {pulse_server.sink}" in info
    assert f"Default Source: {pulse_server.monitor}" in info
    sinks = pulse_server.pactl("list", "short", "sinks")
    line = next(s for s in sinks.splitlines() if f"\t{pulse_server.sink}\t" in s)
    assert "s16le 1ch 16000Hz" in line
    assert "module-loopback" in pulse_server.pactl("list", "short", "modules")


def test_pulse_device_is_listed(sd):
    dev = sd.query_devices(DEVICE)
    assert dev["max_input_channels"] >= 1
    assert dev["max_output_channels"] >= 1
    sd.check_input_settings(device=DEVICE, samplerate=RATE, channels=1,
                            dtype="int16")
    sd.check_output_settings(device=DEVICE, samplerate=RATE, channels=1,
                             dtype="int16")


def test_played_signal_comes_back_from_the_monitor(sd, signal):
    recording, expected_start = play_and_record(sd, signal)
    lag, ncc = find_signal(recording, signal)
    offset = lag / RATE - expected_start
    print(f"\ncorrelation {ncc:.4f}, found at {lag / RATE * 1000:.1f} ms, "
          f"offset {offset * 1000:+.1f} ms from the streams' timestamps")
    assert ncc > MIN_CORRELATION, (
        f"signal not found in the recording (peak correlation {ncc:.3f})")
    assert abs(offset) < MAX_OFFSET_S, (
        f"signal arrived {offset * 1000:+.0f} ms off the expected time")


def test_no_server_means_no_pulse_device(sd, tmp_path):
    """What production code sees when no sound server is reachable.

    A device list is a snapshot taken at PortAudio initialisation.  Without
    a re-scan, a vanished server's ``pulse`` device is still listed and
    opening it raises PortAudioError.  After a re-scan with no server it is
    gone: looking it up by name raises ValueError, a clean "no audio device"
    error.
    """
    gone = PulseAudioServer(tmp_path / "gone")
    gone.start()
    try:
        refresh_portaudio()
        sd.query_devices(DEVICE)  # visible while it runs
        gone.stop()
        # stop() put back the module server's environment: point clients at
        # the dead socket instead, so that neither that server nor one of the
        # developer's own (desktop session) can answer.
        saved = {k: os.environ.get(k)
                 for k in ("PULSE_SERVER", "PULSE_CLIENTCONFIG")}
        os.environ["PULSE_SERVER"] = gone.server
        os.environ["PULSE_CLIENTCONFIG"] = str(gone.client_conf)  # no autospawn
        try:
            stale = sd.query_devices(DEVICE)  # the old snapshot still lists it
            assert stale["name"] == DEVICE
            with pytest.raises(sd.PortAudioError):
                sd.InputStream(device=DEVICE, samplerate=RATE, channels=1,
                               dtype="int16")
            refresh_portaudio()
            with pytest.raises(ValueError, match=DEVICE):
                sd.query_devices(DEVICE)
            with pytest.raises(ValueError, match=DEVICE):
                sd.InputStream(device=DEVICE, samplerate=RATE, channels=1,
                               dtype="int16")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        gone.stop()
        refresh_portaudio()  # the module's server is back in view
    sd.query_devices(DEVICE)
