"""MFCC features of speech, in numpy alone.

The template detector compares the shapes of sounds, not words, so it needs
features that keep what a voice says and drop how loud and through which
microphone it came: mel-frequency cepstra without the energy coefficient, and how fast each
changes (deltas, over two frames either side), with each feature's mean and
spread over the utterance normalised (cepstral mean normalisation cancels a
fixed channel such as a room or a cheap speaker). The deltas tell a syllable's
movement from a steady sound: with them, 불이야 stopped matching 우리 in other
speech (bench/reports/spotting.md).
"""
from __future__ import annotations

import numpy as np

from speaker_app.audio import SAMPLE_RATE, AudioClip

WINDOW_S = 0.025
HOP_S = 0.010
MEL_BANDS = 26
COEFFICIENTS = 13  # c1..c13: c0 (overall energy) is left out
DELTA_SPAN = 2  # frames either side
FEATURES = 2 * COEFFICIENTS  # cepstra and their deltas
PRE_EMPHASIS = 0.97


def _mel(hz: np.ndarray) -> np.ndarray:
    return 2595 * np.log10(1 + hz / 700)


def _mel_filterbank(fft_size: int) -> np.ndarray:
    edges_mel = np.linspace(_mel(np.array(60.0)), _mel(np.array(SAMPLE_RATE / 2 - 200)), MEL_BANDS + 2)
    edges_hz = 700 * (10 ** (edges_mel / 2595) - 1)
    bins = np.floor((fft_size + 1) * edges_hz / SAMPLE_RATE).astype(int)
    bank = np.zeros((MEL_BANDS, fft_size // 2 + 1))
    for band in range(MEL_BANDS):
        left, centre, right = bins[band], bins[band + 1], bins[band + 2]
        bank[band, left:centre] = (np.arange(left, centre) - left) / max(centre - left, 1)
        bank[band, centre:right] = (right - np.arange(centre, right)) / max(right - centre, 1)
    return bank


_WINDOW = int(WINDOW_S * SAMPLE_RATE)
_HOP = int(HOP_S * SAMPLE_RATE)
_FFT = 512
_BANK = _mel_filterbank(_FFT)
_HAMMING = np.hamming(_WINDOW)
# DCT-II matrix, keeping c1..c13.
_DCT = np.cos(np.pi / MEL_BANDS * (np.arange(MEL_BANDS) + 0.5)[None, :] * np.arange(1, COEFFICIENTS + 1)[:, None])


def mfcc(clip: AudioClip) -> np.ndarray:
    """Frames x features (cepstra, then their deltas), normalised; empty for audio shorter than one window."""
    samples = clip.samples().astype(np.float64) / 32768
    if len(samples) < _WINDOW:
        return np.zeros((0, FEATURES))
    emphasised = np.append(samples[0], samples[1:] - PRE_EMPHASIS * samples[:-1])
    count = 1 + (len(emphasised) - _WINDOW) // _HOP
    index = np.arange(_WINDOW)[None, :] + _HOP * np.arange(count)[:, None]
    frames = emphasised[index] * _HAMMING
    power = np.abs(np.fft.rfft(frames, _FFT)) ** 2 / _FFT
    log_mel = np.log(power @ _BANK.T + 1e-10)
    cepstra = log_mel @ _DCT.T
    both = np.hstack([cepstra, _deltas(cepstra)])
    return (both - both.mean(axis=0)) / (both.std(axis=0) + 1e-9)


def _deltas(frames: np.ndarray) -> np.ndarray:
    """The slope of each coefficient by regression over DELTA_SPAN frames either side (edges repeated)."""
    n, span = len(frames), DELTA_SPAN
    padded = np.pad(frames, ((span, span), (0, 0)), mode="edge")
    weights = 2 * sum(k * k for k in range(1, span + 1))
    return sum(k * (padded[span + k:n + span + k] - padded[span - k:n + span - k]) for k in range(1, span + 1)) / weights
