"""Start the Qt application: settings, style, job runner, window, screenshot mode."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from engine import paths
from ui.jobs import JobRunner
from ui.main_window import APP_TITLE, MainWindow
from ui.startup_report import install_startup_reporter

log = logging.getLogger(__name__)

# A screenshot run gives up when the shop is still not shown after this long.
# The first start builds the demo shop first, which takes a while on a slow machine.
SCREENSHOT_TIMEOUT_S = 300


def open_settings() -> QSettings:
    """Return the UI settings, stored as an INI file in the user data folder."""
    return QSettings(
        str(paths.data_dir() / "ui-settings.ini"), QSettings.Format.IniFormat
    )


def load_style_sheet() -> str:
    path = paths.resources_dir() / "style.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        log.warning("Style sheet not loaded from %s: %s", path, error)
        return ""


def create_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setOrganizationName("MerchantAssistant")
    app.setStyleSheet(load_style_sheet())
    return app


class ScreenshotTaker:
    """Saves the window to a PNG once the shop's data is shown, then quits."""

    def __init__(self, app: QApplication, window: MainWindow, output: Path) -> None:
        self.app = app
        self.window = window
        self.output = output
        self.exit_code = 1
        window.data_shown.connect(self.on_window_data_shown)
        self.timeout = QTimer()
        self.timeout.setSingleShot(True)
        self.timeout.timeout.connect(self.on_timeout)
        self.timeout.start(SCREENSHOT_TIMEOUT_S * 1000)

    def on_window_data_shown(self, is_shown: bool) -> None:
        # Let the layouts and the chart settle before painting.
        QTimer.singleShot(0, lambda: self.save(is_shown))

    def save(self, is_shown: bool) -> None:
        self.timeout.stop()
        self.app.processEvents()
        if not self.window.grab().save(str(self.output), "PNG"):
            log.error("Could not write the screenshot to %s", self.output)
            sys.stderr.write(f"Could not write the screenshot to {self.output}.\n")
            self.exit_code = 1
        elif not is_shown:
            sys.stderr.write(
                f"The shop could not be shown. The screenshot {self.output} shows the "
                "message instead.\n"
            )
            self.exit_code = 1
        else:
            log.info("Saved a screenshot to %s", self.output)
            self.exit_code = 0
        self.window.close()
        self.app.exit(self.exit_code)

    def on_timeout(self) -> None:
        sys.stderr.write(
            f"The shop was not shown within {SCREENSHOT_TIMEOUT_S} s, so no screenshot "
            "was saved.\n"
        )
        self.window.close()
        self.app.exit(1)


def run(
    shop: Path | None = None,
    screenshot: Path | None = None,
    tab: str | None = None,
    on_window_created: Callable[[QApplication, MainWindow], object] | None = None,
) -> int:
    """Show the window, run the event loop and return the process exit code.

    `on_window_created(app, window)` runs before the event loop starts, e.g. to
    install a signal handler that closes the window.
    """
    app = create_application()
    runner = JobRunner()
    window = MainWindow(runner, open_settings(), remember_ui_state=screenshot is None)
    app.aboutToQuit.connect(window.on_app_about_to_quit)
    if tab:
        window.select_tab(tab)
    if on_window_created is not None:
        on_window_created(app, window)

    install_startup_reporter(window)
    taker = ScreenshotTaker(app, window, screenshot) if screenshot else None
    window.show()
    window.start_up(shop)
    exit_code = app.exec()
    if taker is not None:
        return taker.exit_code
    return exit_code
