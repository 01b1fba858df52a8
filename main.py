"""Merchant Assistant desktop app: parse arguments, set up logging, start the window."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
from pathlib import Path

from engine import paths

TAB_CHOICES = ["overview", "recommendations", "photos", "reviews", "voice"]
LOG_MAX_BYTES = 2_000_000
LOG_BACKUPS = 3
# Python runs signal handlers only when control returns to Python code, which never
# happens while Qt's event loop waits. A timer this often (ms) gives it the chance.
SIGNAL_CHECK_INTERVAL_MS = 200

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="merchant-assistant",
        description="Offline assistant for small shops: overview, recommendations, "
        "photo tags, review analysis and voice search.",
    )
    parser.add_argument(
        "--shop",
        type=Path,
        metavar="PATH",
        help="shop file (shop.db) to open (default: the last shop, else the demo shop)",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="OUT.png",
        help="save a PNG of the window once the shop is shown, then exit "
        "(renders offscreen unless QT_QPA_PLATFORM is set)",
    )
    parser.add_argument(
        "--tab",
        type=str.lower,
        choices=TAB_CHOICES,
        metavar="NAME",
        help=f"tab to show first: {', '.join(TAB_CHOICES)}",
    )
    return parser.parse_args(argv)


def configure_logging() -> Path:
    """Log INFO and above to a rotating file, and to stderr when it is a terminal."""
    log_path = paths.log_file()
    formatter = logging.Formatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
    )
    file_handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(file_handler)
    if sys.stderr is not None and sys.stderr.isatty():
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(formatter)
        root.addHandler(console)
    return log_path


def install_interrupt_handler(app, window) -> None:
    """Close `window` on Ctrl+C in the terminal, as its close button would.

    Closing cancels running jobs after a confirmation when an import is running. A second
    Ctrl+C exits at once: quitting still cancels the jobs and waits for them.
    """
    from PySide6.QtCore import QTimer

    interrupts = []

    def on_interrupt(signal_number: int, frame) -> None:
        interrupts.append(signal_number)
        if len(interrupts) == 1:
            log.info("Interrupted from the terminal, closing the window")
            # The handler runs inside whichever slot Python was in, so the close
            # waits for the next turn of the event loop.
            QTimer.singleShot(0, window.close)
        else:
            log.info("Interrupted again from the terminal, exiting")
            QTimer.singleShot(0, lambda: app.exit(130))

    signal.signal(signal.SIGINT, on_interrupt)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(SIGNAL_CHECK_INTERVAL_MS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    log_path = configure_logging()
    log.info(
        "Starting with log file %s, shop %s, tab %s", log_path, args.shop, args.tab
    )

    # Imported after the platform variable is set: Qt reads it when the app starts.
    from ui.app import run

    return run(
        shop=args.shop,
        screenshot=args.screenshot,
        tab=args.tab,
        on_window_created=install_interrupt_handler,
    )


if __name__ == "__main__":
    sys.exit(main())
