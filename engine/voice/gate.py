"""Speech gate: decide whether a recording holds speech before any decoding.

Whisper and pocketsphinx both turn silence and room noise into words ("you",
"Thanks for watching!"), so nothing reaches a recogniser unless an energy check
and Silero VAD (bundled with faster-whisper, run with onnxruntime) find speech.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from engine import heavy_imports
from engine.voice.audio import SILENCE_DBFS, TARGET_RATE, level_dbfs

log = logging.getLogger(__name__)

# Silero's speech probability threshold; 0.5 is its authors' general default.
VAD_THRESHOLD = 0.5
# Less detected speech than this is a click or a breath, not a query.
MIN_SPEECH_S = 0.2
# Kept around the detected speech, so first and last sounds are not cut.
PAD_S = 0.25

_vad_lock = threading.Lock()


@dataclass(frozen=True)
class GateResult:
    """Whether speech was found, and the audio trimmed to it."""

    has_speech: bool
    speech_s: float
    audio: np.ndarray
    reason: str  # why there is no speech, or "" when there is


def detect_speech(audio: np.ndarray) -> GateResult:
    """Check 16 kHz mono audio for speech; return it trimmed to the spoken part."""
    level = level_dbfs(audio)
    if audio.size == 0 or level < SILENCE_DBFS:
        return GateResult(False, 0.0, audio[:0], f"level {level:.0f} dBFS is silence")

    # The Silero model runs in onnxruntime, imported by faster-whisper on first use.
    heavy_imports.load("faster_whisper", "onnxruntime")
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=VAD_THRESHOLD,
        min_speech_duration_ms=120,
        min_silence_duration_ms=400,
        speech_pad_ms=60,
    )
    # Silero keeps one ONNX session per process; calls are serialised because
    # the session's state is not meant to be shared between threads.
    with _vad_lock:
        spans = get_speech_timestamps(audio, options, sampling_rate=TARGET_RATE)
    speech_s = sum(span["end"] - span["start"] for span in spans) / TARGET_RATE
    if speech_s < MIN_SPEECH_S:
        return GateResult(
            False, speech_s, audio[:0], f"only {speech_s:.2f} s of speech-like sound"
        )

    pad = int(PAD_S * TARGET_RATE)
    start = max(0, spans[0]["start"] - pad)
    end = min(audio.size, spans[-1]["end"] + pad)
    return GateResult(True, speech_s, audio[start:end], "")
