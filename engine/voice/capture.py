"""Recording: blocks from an audio source to 16 kHz mono, with levels and stops.

A recording stops when the owner releases the button (push-to-talk), after
trailing silence once speech was heard, at the maximum length, or when the
source ends. Checks afterwards tell apart a muted microphone (exact zeros), a
tap too short to be speech and clipping.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.progress import CancelToken
from engine.voice.audio import (
    TARGET_RATE,
    AudioStats,
    audio_stats,
    level_dbfs,
    resample,
    to_mono,
)
from engine.voice.sources import AudioSource

log = logging.getLogger(__name__)

MAX_DURATION_S = 12.0
TRAILING_SILENCE_S = 0.9
# A block counts as speech when it is this much louder than the quietest block
# so far (never above QUIET_ROOM_DBFS), and at least SPEECH_MIN_DBFS.
QUIET_ROOM_DBFS = -62.0
SPEECH_ABOVE_FLOOR_DB = 12.0
SPEECH_MIN_DBFS = -50.0
# Shorter recordings are taps of the button, not speech.
MIN_DURATION_S = 0.25
# More exact zeros than this, and no other sample, means a muted or blocked mic.
MUTED_ZERO_RUN_S = 0.5
# Above this share of clipped samples the result carries a "too loud" warning.
CLIPPED_FRACTION_WARNING = 0.002

LevelCallback = Callable[[float], None]


@dataclass
class Recording:
    """One captured recording, converted to 16 kHz mono."""

    audio: np.ndarray
    source_rate: int
    source_channels: int
    stats: AudioStats
    stopped_by: str  # "release", "silence", "maximum length" or "end of source"


class Recorder:
    """Reads one recording from an audio source.

    `level_callback(dbfs)` is called for every block (about 20 times a second)
    from the recording thread. `stop()` may be called from any thread.
    """

    def __init__(
        self,
        source: AudioSource,
        level_callback: LevelCallback | None = None,
        stop_on_silence: bool = True,
        max_duration_s: float = MAX_DURATION_S,
    ) -> None:
        self.source = source
        self.level_callback = level_callback
        self.stop_on_silence = stop_on_silence
        self.max_duration_s = max_duration_s
        self._stop = threading.Event()

    def stop(self) -> None:
        """End the recording after the current block (button released)."""
        self._stop.set()

    def record(self, cancel: CancelToken | None = None) -> Recording:
        """Record until a stop condition; return the converted recording.

        Raises:
            NoMicrophoneError, MicrophoneFailedError: from a microphone source.
            CancelledError: `cancel` was set.
        """
        blocks: list[np.ndarray] = []
        frames = 0
        # The quietest block so far, starting from a quiet room's level.
        floor_dbfs = QUIET_ROOM_DBFS
        heard_speech = False
        quiet_frames = 0
        stopped_by = "end of source"
        self.source.start()
        try:
            while True:
                if cancel is not None:
                    cancel.raise_if_cancelled("The recording")
                if self._stop.is_set():
                    stopped_by = "release"
                    break
                block = self.source.read()
                if block is None:
                    break
                mono = to_mono(np.asarray(block, dtype=np.float32))
                blocks.append(mono)
                frames += len(mono)
                level = level_dbfs(mono)
                if self.level_callback is not None:
                    self.level_callback(level)

                floor_dbfs = min(floor_dbfs, level)
                is_speech = level >= max(SPEECH_MIN_DBFS, floor_dbfs + SPEECH_ABOVE_FLOOR_DB)
                heard_speech = heard_speech or is_speech
                quiet_frames = 0 if is_speech else quiet_frames + len(mono)
                rate = self.source.sample_rate
                if (
                    self.stop_on_silence
                    and heard_speech
                    and quiet_frames >= TRAILING_SILENCE_S * rate
                ):
                    stopped_by = "silence"
                    break
                if frames >= self.max_duration_s * rate:
                    stopped_by = "maximum length"
                    break
        finally:
            self.source.stop()

        samples = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
        rate = self.source.sample_rate
        recording = Recording(
            audio=resample(samples, rate, TARGET_RATE),
            source_rate=rate,
            source_channels=self.source.channels,
            stats=audio_stats(samples, rate),
            stopped_by=stopped_by,
        )
        log.info(
            "Recorded %.2f s from %s at %d Hz (%d channels), stopped by %s",
            recording.stats.duration_s,
            self.source.name,
            rate,
            self.source.channels,
            stopped_by,
        )
        return recording


@dataclass(frozen=True)
class RecordingCheck:
    """The verdict on a recording before recognition."""

    problem: str | None  # "muted", "too short" or None
    message: str
    warnings: tuple[str, ...] = ()


MUTED_MESSAGE = (
    "The microphone sent only silence (every sample was exactly zero), so it is "
    "muted or access to it is blocked. Check the microphone's mute switch and "
    "the system's privacy settings for microphone access, then record again."
)


def too_short_message(duration_s: float) -> str:
    return (
        f"The recording was too short to be speech ({duration_s:.1f} s). Hold the "
        "microphone button (or Space) while you speak and release it when you "
        "are done."
    )


def too_loud_message(clipped_fraction: float) -> str:
    return (
        f"The recording was too loud: {clipped_fraction:.1%} of it was clipped, so "
        "words may be misheard. Move back from the microphone or lower its input "
        "volume."
    )


def check_recording(stats: AudioStats) -> RecordingCheck:
    """Find a muted microphone, a tap too short for speech, and clipping."""
    warnings = ()
    if stats.clipped_fraction > CLIPPED_FRACTION_WARNING:
        warnings = (too_loud_message(stats.clipped_fraction),)
    if stats.peak == 0.0 and stats.longest_zero_run_s > MUTED_ZERO_RUN_S:
        return RecordingCheck("muted", MUTED_MESSAGE)
    if stats.duration_s < MIN_DURATION_S:
        return RecordingCheck("too short", too_short_message(stats.duration_s), warnings)
    return RecordingCheck(None, "", warnings)
