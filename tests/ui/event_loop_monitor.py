"""Measure how long the GUI thread's event loop goes without running a timer.

A QTimer fires every 10 ms and each gap between two ticks is recorded. On a busy
machine part of a gap is time the kernel kept the runnable GUI thread waiting for
a CPU, which no code in the app can shorten. On Linux that wait is the second
field of `/proc/thread-self/schedstat` (nanoseconds spent runnable on a run
queue), and it is subtracted. A stall is then the time the GUI thread was busy
in a slot, waiting for the GIL, or asleep. Where the file does not exist, a stall
is the whole gap.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QTimer

SCHEDSTAT = Path("/proc/thread-self/schedstat")
TICK_MS = 10


def run_queue_wait_ms() -> float | None:
    """Return the calling thread's total run-queue wait in ms, or None if unknown."""
    try:
        fields = SCHEDSTAT.read_text().split()
    except OSError:
        return None
    return int(fields[1]) / 1e6


class EventLoopMonitor:
    """Records the gaps between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.gaps_ms: list[float] = []
        # Each gap less the GUI thread's run-queue wait during it.
        self.stalls_ms: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._last_tick_ms = 0.0
        self._last_wait_ms: float | None = None

    def start(self) -> None:
        self._clock.start()
        self._last_tick_ms = 0.0
        self._last_wait_ms = run_queue_wait_ms()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def max_stall_ms(self) -> float:
        return max(self.stalls_ms, default=0.0)

    def _on_tick(self) -> None:
        now_ms = float(self._clock.elapsed())
        wait_ms = run_queue_wait_ms()
        gap_ms = now_ms - self._last_tick_ms
        waited_ms = 0.0
        if wait_ms is not None and self._last_wait_ms is not None:
            waited_ms = wait_ms - self._last_wait_ms
        self.gaps_ms.append(gap_ms)
        self.stalls_ms.append(max(gap_ms - waited_ms, 0.0))
        self._last_tick_ms = now_ms
        self._last_wait_ms = wait_ms
