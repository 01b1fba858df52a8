"""Errors of voice search, each with a message the shop owner can act on."""

from __future__ import annotations

from pathlib import Path

from engine.errors import MerchantError


class NoMicrophoneError(MerchantError):
    """Raised when no input device can be opened."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        suffix = f" ({detail})" if detail else ""
        super().__init__(
            f"No microphone found{suffix}. Connect a microphone and choose Refresh "
            "devices, or type your search, or open a recording (WAV file)."
        )


class MicrophoneFailedError(MerchantError):
    """Raised when the input device stops delivering sound while recording."""

    def __init__(self, device: str, detail: str) -> None:
        self.device = device
        super().__init__(
            f"The microphone '{device}' stopped working while recording ({detail}). "
            "Nothing was searched. Check its cable or connection, choose Refresh "
            "devices and record again."
        )


class AudioFileError(MerchantError):
    """Raised when a recording file cannot be read as audio."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"Could not read the recording {self.path.name}: {detail}. Open a WAV "
            "file (PCM or float, any sample rate, mono or stereo)."
        )


class SpeechModelError(MerchantError):
    """Raised when the speech recognition model cannot be loaded."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The speech recognition model could not be loaded ({detail}). Typed "
            "search still works. Reinstall Merchant Assistant to restore the model."
        )
