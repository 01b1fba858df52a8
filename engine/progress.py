"""Progress reporting and cancellation shared by every long engine call."""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

from engine.errors import CancelledError


class ProgressCallback(Protocol):
    def __call__(self, fraction: float, text: str) -> None: ...


class CancelToken:
    """Thread-safe flag that a job checks between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self, what: str = "The job") -> None:
        if self._event.is_set():
            raise CancelledError(what)


def no_progress(fraction: float, text: str) -> None:
    """Ignore progress. This is the default for calls made without a UI."""


class ThrottledProgress:
    """Forward progress at most every `interval` seconds, plus the first and last call.

    Long loops call this for every batch; the UI only needs a few updates a second.
    """

    def __init__(
        self,
        callback: Callable[[float, str], None] | None,
        interval: float = 0.2,
        start: float = 0.0,
        end: float = 1.0,
    ) -> None:
        self._callback = callback or no_progress
        self._interval = interval
        self._start = start
        self._span = end - start
        self._last = 0.0

    def __call__(self, fraction: float, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or fraction >= 1.0 or now - self._last >= self._interval:
            self._last = now
            clamped = min(max(fraction, 0.0), 1.0)
            self._callback(self._start + self._span * clamped, text)
