"""Audio in and out as interchangeable values.

Everything inside the speaker is 16 kHz mono signed 16-bit PCM: that is what
the Vosk model and webrtcvad want. Sources yield fixed-length frames; sinks
play whole clips. A live PortAudio device, a WAV file and (for the console)
no audio at all are each one small class, so the pipeline never knows which
it has.
"""
from __future__ import annotations

import queue
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2  # bytes: signed 16-bit


class AudioError(RuntimeError):
    """An audio file or device cannot be used; the message says which and why."""


@dataclass(frozen=True)
class AudioClip:
    """A stretch of 16 kHz mono int16 audio."""

    pcm: bytes

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)

    @classmethod
    def silence(cls, seconds: float) -> "AudioClip":
        return cls(bytes(int(seconds * SAMPLE_RATE) * SAMPLE_WIDTH))

    @classmethod
    def from_samples(cls, samples: np.ndarray) -> "AudioClip":
        return cls(np.clip(samples, -32768, 32767).astype("<i2").tobytes())

    def samples(self) -> np.ndarray:
        return np.frombuffer(self.pcm, dtype="<i2")

    def __add__(self, other: "AudioClip") -> "AudioClip":
        return AudioClip(self.pcm + other.pcm)


@dataclass(frozen=True)
class Frame:
    """One fixed-length frame from a source, stamped with its place in the stream."""

    pcm: bytes
    start_s: float  # seconds since the source began


class AudioSource(Protocol):
    frame_ms: int

    def frames(self) -> Iterator[Frame]: ...


class AudioSink(Protocol):
    def play(self, clip: AudioClip) -> None: ...


# --- files -----------------------------------------------------------------

def read_wav(path: Path) -> AudioClip:
    """Read any PCM WAV, converting it to 16 kHz mono 16-bit."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file") from None
    except (wave.Error, EOFError) as error:
        raise AudioError(
            f"{path}: not a PCM WAV file ({error}); convert it with: "
            f"sox '{path}' -r 16000 -c 1 -b 16 out.wav"
        ) from None
    if width not in (1, 2, 4):
        raise AudioError(f"{path}: {8 * width}-bit samples are not supported; use 8, 16 or 32-bit PCM")
    samples = _to_float(raw, width).reshape(-1, channels).mean(axis=1)
    samples = resample(samples, rate, SAMPLE_RATE)
    return AudioClip.from_samples(np.round(samples * 32767))


def write_wav(path: Path, clip: AudioClip) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(clip.pcm)


def _to_float(raw: bytes, width: int) -> np.ndarray:
    if width == 1:  # 8-bit WAV is unsigned
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128) / 128
    dtype = {2: "<i2", 4: "<i4"}[width]
    return np.frombuffer(raw, dtype=dtype).astype(np.float64) / float(2 ** (8 * width - 1))


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling: a windowed-sinc low-pass, then interpolation."""
    if rate_in == rate_out or len(samples) == 0:
        return samples
    if rate_out < rate_in:
        # Below the new Nyquist frequency everything else would alias into speech.
        cutoff = 0.5 * rate_out / rate_in
        taps = np.arange(-32, 33)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
        samples = np.convolve(samples, kernel / kernel.sum(), mode="same")
    duration = len(samples) / rate_in
    times_out = np.arange(int(round(duration * rate_out))) / rate_out
    return np.interp(times_out, np.arange(len(samples)) / rate_in, samples)


def split_frames(clip: AudioClip, frame_ms: int, start_s: float = 0.0) -> Iterator[Frame]:
    size = SAMPLE_RATE * frame_ms // 1000 * SAMPLE_WIDTH
    for offset in range(0, len(clip.pcm) - size + 1, size):
        yield Frame(clip.pcm[offset:offset + size], start_s + offset / (SAMPLE_RATE * SAMPLE_WIDTH))


class WavFileSource:
    """A WAV file as if it were a microphone, followed by a little silence.

    The trailing silence lets the VAD's hang-over run out, as it would after a
    resident stops talking to a live microphone.
    """

    def __init__(self, path: Path, frame_ms: int = 30, trailing_silence_s: float = 1.0):
        self.path = Path(path)
        self.frame_ms = frame_ms
        self.clip = read_wav(self.path)
        self.trailing_silence_s = trailing_silence_s

    def frames(self) -> Iterator[Frame]:
        yield from split_frames(self.clip + AudioClip.silence(self.trailing_silence_s), self.frame_ms)


class WavFileSink:
    """Each clip the speaker says becomes the next numbered WAV in a folder."""

    def __init__(self, folder: Path, prefix: str = "reply"):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.written: list[Path] = []

    def play(self, clip: AudioClip) -> None:
        path = self.folder / f"{self.prefix}-{len(self.written) + 1:03d}.wav"
        write_wav(path, clip)
        self.written.append(path)


class SilentSink:
    """For the typed console: replies are printed, not played."""

    def play(self, clip: AudioClip) -> None:
        pass


# --- live devices -------------------------------------------------------------

class MicGate:
    """Closed while the speaker talks, so that it does not hear itself."""

    def __init__(self):
        self.closed = False


def _sounddevice():
    # Imported late: PortAudio scans the devices when it loads, and the tests
    # start their PulseAudio server first.
    try:
        import sounddevice
    except OSError as error:
        raise AudioError(f"PortAudio is not installed ({error}); install libportaudio2") from None
    return sounddevice


def find_device(name: str | int, kind: str) -> int | str | None:
    """Check a configured device exists before any stream is opened."""
    sd = _sounddevice()
    device = None if name == "default" else name
    try:
        sd.query_devices(device, kind=kind)
    except (ValueError, sd.PortAudioError) as error:
        raise AudioError(f"no {kind} audio device {name!r}: {error}") from None
    return device


class DeviceSource:
    """Frames from a live microphone through PortAudio.

    When the stream stalls (a sound server that died does not raise, the
    stream just stops delivering) the source raises instead of hanging.
    """

    def __init__(self, device: str | int = "default", frame_ms: int = 30, gate: MicGate | None = None,
                 stall_s: float = 3.0):
        self.device = find_device(device, "input")
        self.frame_ms = frame_ms
        self.gate = gate or MicGate()
        self.stall_s = stall_s

    def frames(self) -> Iterator[Frame]:
        sd = _sounddevice()
        blocks: queue.Queue[bytes] = queue.Queue()
        block = SAMPLE_RATE * self.frame_ms // 1000

        def on_audio(indata, frames, time, status):
            # While gated, the stream's clock stops too: the VAD sees the
            # resident's speech on both sides of the reply as one timeline.
            if not self.gate.closed:
                blocks.put(bytes(indata))

        read = 0
        with sd.RawInputStream(samplerate=SAMPLE_RATE, blocksize=block, device=self.device,
                               channels=1, dtype="int16", callback=on_audio):
            while True:
                try:
                    pcm = blocks.get(timeout=self.stall_s)
                except queue.Empty:
                    raise AudioError(f"the microphone stopped delivering audio for {self.stall_s:.0f} s") from None
                yield Frame(pcm, read / SAMPLE_RATE)
                read += len(pcm) // SAMPLE_WIDTH


class DeviceSink:
    """Plays clips on a live loudspeaker through PortAudio, blocking until done."""

    def __init__(self, device: str | int = "default"):
        self.device = find_device(device, "output")

    # A fresh PortAudio stream drops its first few and last tens of milliseconds.
    LEAD_IN = bytes(SAMPLE_RATE // 100 * SAMPLE_WIDTH)
    TAIL = bytes(SAMPLE_RATE // 20 * SAMPLE_WIDTH)

    def play(self, clip: AudioClip) -> None:
        sd = _sounddevice()
        with sd.RawOutputStream(samplerate=SAMPLE_RATE, device=self.device, channels=1, dtype="int16") as stream:
            stream.write(self.LEAD_IN + clip.pcm + self.TAIL)


def chime(seconds: float = 0.18, pitch_hz: float = 880.0) -> AudioClip:
    """The short tone that tells the resident the speaker is listening."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)
    return AudioClip.from_samples(0.3 * 32767 * envelope * np.sin(2 * np.pi * pitch_hz * t))


def play_and_record(clip: AudioClip, source: "DeviceSource", sink: "DeviceSink", tail_s: float = 1.0) -> AudioClip:
    """Plays a clip on the loudspeaker while the microphone records it: the room's round trip."""
    import threading

    wanted = clip.seconds + tail_s + 0.3
    recorded = []
    # The microphone is open before the first sample plays, so nothing is lost at the start.
    player = threading.Timer(0.3, lambda: sink.play(clip))
    frames = source.frames()
    recorded.append(next(frames).pcm)
    player.start()
    for frame in frames:
        recorded.append(frame.pcm)
        if frame.start_s >= wanted:
            break
    player.join()
    return AudioClip(b"".join(recorded))
