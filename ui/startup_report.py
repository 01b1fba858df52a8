"""Start-up timing report for the start-up benchmark and tests.

When the environment variable MERCHANT_ASSISTANT_STARTUP_REPORT names a file, the
app writes JSON there at the window's first paint and again once the shop's data
is shown:

    {"window_shown_s": 1.2,      # seconds from process creation to first paint
     "window_shown_at": 1767e9,  # time.time() at first paint
     "data_shown_s": 1.5,        # seconds from process creation to data on screen
     "data_shown_at": 1767e9,
     "imported_heavy_modules": []}  # which of torch, torchvision, gensim are loaded
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject

log = logging.getLogger(__name__)

REPORT_ENV = "MERCHANT_ASSISTANT_STARTUP_REPORT"
HEAVY_MODULES = ("torch", "torchvision", "gensim")


def heavy_modules_loaded() -> list[str]:
    return [name for name in HEAVY_MODULES if name in sys.modules]


def process_started_at() -> float:
    """Return the process creation time as time.time(), or now when unknown."""
    age = _process_age_from_proc()
    if age is not None:
        return time.time() - age
    try:
        import psutil

        return psutil.Process(os.getpid()).create_time()
    except (ImportError, OSError) as error:
        log.warning("Process start time unknown (%s), so timing starts now", error)
        return time.time()


def _process_age_from_proc() -> float | None:
    """Return the seconds since this process started, from Linux's /proc.

    psutil adds the start to the boot time, which /proc/stat gives in whole
    seconds, so its creation time can be up to 1 s off. /proc/uptime has 10 ms
    steps. Returns None where /proc is missing (macOS, Windows).
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as file:
            # Fields after the ")" that ends the command name start at field 3, and
            # starttime is field 22, in clock ticks after boot (see proc(5)).
            fields = file.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as file:
            uptime = float(file.read().split()[0])
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class StartupReporter(QObject):
    """Watches the window for its first paint and for the data being shown."""

    def __init__(self, window, report_path: Path) -> None:
        super().__init__(window)
        self.window = window
        self.report_path = report_path
        self.started_at = process_started_at()
        self.data: dict[str, object] = {}
        window.installEventFilter(self)
        window.data_shown.connect(self.on_window_data_shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.window
            and event.type() == QEvent.Type.Paint
            and "window_shown_at" not in self.data
        ):
            now = time.time()
            self.data["window_shown_s"] = now - self.started_at
            self.data["window_shown_at"] = now
            self._write()
        return False

    def on_window_data_shown(self, is_shown: bool) -> None:
        if "data_shown_at" in self.data:
            return
        now = time.time()
        self.data["data_shown_s"] = now - self.started_at
        self.data["data_shown_at"] = now
        self.data["is_data_shown"] = is_shown
        self._write()

    def _write(self) -> None:
        self.data["imported_heavy_modules"] = heavy_modules_loaded()
        try:
            self.report_path.write_text(
                json.dumps(self.data, indent=2), encoding="utf-8"
            )
        except OSError as error:
            log.warning(
                "Could not write the start-up report %s: %s", self.report_path, error
            )


def install_startup_reporter(window) -> StartupReporter | None:
    """Attach and return a reporter when REPORT_ENV names a file, else return None."""
    report = os.environ.get(REPORT_ENV)
    if not report:
        return None
    return StartupReporter(window, Path(report))
