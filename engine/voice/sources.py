"""Audio sources: the microphone (sounddevice) and WAV files, behind one interface.

The recorder reads blocks from an `AudioSource` and never knows which kind it
has, so tests feed WAV files through the same conversion, level and stop logic
as the microphone.

sounddevice is imported only inside functions, and its import is guarded: it
raises OSError when the PortAudio library (Debian package libportaudio2) is
missing, and the app must still start then.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from engine.voice.audio import read_wav
from engine.voice.errors import MicrophoneFailedError, NoMicrophoneError

log = logging.getLogger(__name__)

BLOCK_S = 0.05
# The microphone counts as failed when no block arrives for this long.
STALL_TIMEOUT_S = 1.5


class AudioSource(Protocol):
    """A stream of float32 blocks of shape (frames, channels) at `sample_rate`."""

    name: str
    sample_rate: int
    channels: int

    def start(self) -> None: ...

    def read(self) -> np.ndarray | None:
        """Return the next block, or None when the source has ended."""

    def stop(self) -> None: ...


class WavFileSource:
    """Plays a WAV file as if it were a microphone, in blocks of 50 ms."""

    def __init__(self, path: Path, block_s: float = BLOCK_S) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.samples, self.sample_rate = read_wav(self.path)
        self.channels = self.samples.shape[1]
        self.block_frames = max(1, int(self.sample_rate * block_s))
        self._position = 0
        self._is_stopped = False

    def start(self) -> None:
        self._position = 0
        self._is_stopped = False

    def read(self) -> np.ndarray | None:
        if self._is_stopped or self._position >= len(self.samples):
            return None
        block = self.samples[self._position : self._position + self.block_frames]
        self._position += self.block_frames
        return block

    def stop(self) -> None:
        self._is_stopped = True


@dataclass(frozen=True)
class InputDevice:
    """One input device as PortAudio lists it."""

    index: int
    name: str
    channels: int
    sample_rate: int
    is_default: bool


def import_sounddevice():
    """Import sounddevice, or raise NoMicrophoneError when PortAudio is missing."""
    try:
        import sounddevice
    except OSError as error:
        raise NoMicrophoneError(f"the sound library is missing: {error}") from None
    return sounddevice


def list_input_devices() -> list[InputDevice]:
    """Return the input devices; an empty list when there is no sound card.

    Raises:
        NoMicrophoneError: PortAudio cannot be loaded at all.
    """
    sounddevice = import_sounddevice()
    try:
        devices = sounddevice.query_devices()
        default_input = sounddevice.default.device[0]
    except sounddevice.PortAudioError as error:
        log.warning("Could not list audio devices: %s", error)
        return []
    found = []
    for index, device in enumerate(devices):
        if device["max_input_channels"] <= 0:
            continue
        found.append(
            InputDevice(
                index=index,
                name=device["name"],
                channels=int(device["max_input_channels"]),
                sample_rate=int(device["default_samplerate"]),
                is_default=index == default_input,
            )
        )
    return found


class MicrophoneSource:
    """Records from an input device at the device's own rate, up to two channels.

    Many microphones cannot open at 16 kHz, so the stream opens at the device's
    default rate and the recorder resamples.
    """

    def __init__(self, device: InputDevice | None = None) -> None:
        self.device = device
        self.name = device.name if device else "default microphone"
        self.sample_rate = device.sample_rate if device else 0
        self.channels = min(device.channels, 2) if device else 1
        self._blocks: queue.Queue[np.ndarray] = queue.Queue()
        self._stream = None
        self._problem: str | None = None
        self._is_stopped = threading.Event()

    def start(self) -> None:
        sounddevice = import_sounddevice()
        try:
            if self.device is None:
                info = sounddevice.query_devices(kind="input")
                self.sample_rate = int(info["default_samplerate"])
                self.channels = min(int(info["max_input_channels"]), 2)
            self._stream = sounddevice.InputStream(
                device=self.device.index if self.device else None,
                samplerate=self.sample_rate,
                channels=self.channels,
                dtype="float32",
                blocksize=int(self.sample_rate * BLOCK_S),
                callback=self._on_block,
                finished_callback=self._on_finished,
            )
            self._stream.start()
        except (sounddevice.PortAudioError, ValueError) as error:
            self._close()
            raise NoMicrophoneError(str(error)) from None
        log.info("Recording from %s at %d Hz", self.name, self.sample_rate)

    def _on_block(self, data: np.ndarray, frames: int, time_info, status) -> None:
        # Runs on PortAudio's thread: copy the buffer and hand it over, nothing more.
        if status.input_overflow:
            log.warning("Input overflow on %s: a few milliseconds were lost", self.name)
        self._blocks.put(data.copy())

    def _on_finished(self) -> None:
        if not self._is_stopped.is_set():
            self._problem = "the audio stream ended unexpectedly"

    def read(self) -> np.ndarray | None:
        if self._is_stopped.is_set() and self._blocks.empty():
            return None
        try:
            return self._blocks.get(timeout=STALL_TIMEOUT_S)
        except queue.Empty:
            if self._is_stopped.is_set():
                return None
            problem = self._problem or f"no sound arrived for {STALL_TIMEOUT_S:.1f} s"
            self._close()
            raise MicrophoneFailedError(self.name, problem) from None

    def stop(self) -> None:
        self._is_stopped.set()
        self._close()

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.stop()
            stream.close()
        except Exception as error:  # noqa: BLE001 - closing a lost device may fail
            log.warning("Closing the input stream of %s failed: %s", self.name, error)
