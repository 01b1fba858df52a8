"""Audio conversion: WAV reading, channel averaging, resampling to 16 kHz, levels.

Every recogniser here expects 16 kHz mono float32 in [-1, 1]. Microphones and
files come at other rates (8, 44.1, 48 kHz) and with two channels, and audio
passed on at the wrong rate is garbage to a recogniser, so the rate is always
read from the device or the WAV header, never assumed.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.voice.errors import AudioFileError

TARGET_RATE = 16_000
# A sample at or above this magnitude is counted as clipped.
CLIP_LEVEL = 0.999
# Quieter than this RMS level (dBFS) is treated as silence by the energy gate.
SILENCE_DBFS = -55.0


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read a WAV file as float32 samples of shape (frames, channels) and its rate.

    Raises:
        AudioFileError: missing file, not a WAV file, or an unsupported encoding.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(path, "the file does not exist")
    try:
        from scipy.io import wavfile

        rate, data = wavfile.read(path, mmap=False)
    except (ValueError, OSError, EOFError, wave.Error) as error:
        raise AudioFileError(path, f"it is not a readable WAV file ({error})") from None
    if data.ndim == 1:
        data = data[:, None]
    return to_float(data), int(rate)


def to_float(samples: np.ndarray) -> np.ndarray:
    """Convert integer PCM or float samples to float32 in [-1, 1]."""
    if samples.dtype == np.uint8:
        return (samples.astype(np.float32) - 128.0) / 128.0
    if np.issubdtype(samples.dtype, np.integer):
        scale = float(2 ** (8 * samples.dtype.itemsize - 1))
        return samples.astype(np.float32) / scale
    return samples.astype(np.float32)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average the channels of (frames, channels) samples into one channel."""
    if samples.ndim == 1:
        return samples.astype(np.float32)
    return samples.mean(axis=1, dtype=np.float32)


def resample(samples: np.ndarray, rate: int, target: int = TARGET_RATE) -> np.ndarray:
    """Resample mono samples from `rate` to `target` Hz with a polyphase filter."""
    if rate == target or samples.size == 0:
        return samples.astype(np.float32)
    from scipy.signal import resample_poly

    ratio = Fraction(target, rate).limit_denominator(1000)
    out = resample_poly(samples, ratio.numerator, ratio.denominator)
    return out.astype(np.float32)


def load_audio(source: Path | np.ndarray, rate: int = TARGET_RATE) -> np.ndarray:
    """Return 16 kHz mono float32 from a WAV path or from samples at `rate`."""
    if isinstance(source, (str, Path)):
        samples, rate = read_wav(Path(source))
    else:
        samples = np.asarray(source)
    return resample(to_mono(samples), rate)


@dataclass(frozen=True)
class AudioStats:
    """Levels of a recording, measured on the mono signal at its own rate."""

    duration_s: float
    peak: float
    rms_dbfs: float
    clipped_fraction: float
    longest_zero_run_s: float


def level_dbfs(samples: np.ndarray) -> float:
    """Return the RMS level in dBFS (−120 for digital silence)."""
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * math.log10(rms) if rms > 1e-6 else -120.0


def audio_stats(samples: np.ndarray, rate: int) -> AudioStats:
    """Measure duration, peak, level, clipping and exact-zero runs of mono samples."""
    if samples.size == 0:
        return AudioStats(0.0, 0.0, -120.0, 0.0, 0.0)
    magnitude = np.abs(samples)
    return AudioStats(
        duration_s=samples.size / rate,
        peak=float(magnitude.max()),
        rms_dbfs=level_dbfs(samples),
        clipped_fraction=float(np.mean(magnitude >= CLIP_LEVEL)),
        longest_zero_run_s=_longest_zero_run(samples) / rate,
    )


def _longest_zero_run(samples: np.ndarray) -> int:
    is_zero = np.concatenate(([False], samples == 0.0, [False]))
    edges = np.flatnonzero(np.diff(is_zero.astype(np.int8)))
    if edges.size == 0:
        return 0
    return int((edges[1::2] - edges[0::2]).max())
