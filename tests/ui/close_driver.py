"""Start the window, run an import-like job, then close or quit after a delay.

Run as `python -m tests.ui.close_driver SHOP MODE` from the repository root. MODE:
- "close": close the window and answer Yes to the question;
- "quit": `QApplication.quit()`, which in Qt 6 closes the windows first, so the
  question is answered too;
- "exit": `QApplication.exit(0)`, which leaves the event loop without closing
  any window, so only the app's aboutToQuit handler stops the job.
The process exit code is the event loop's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.shops import write_customers_slowly
from ui.app import create_application, open_settings
from ui.jobs import JobRunner, Lane
from ui.main_window import MainWindow

CLOSE_AFTER_MS = 1000


def click_yes_on_question() -> None:
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QMessageBox):
        print(f"question: {dialog.text()}", flush=True)
        dialog.button(QMessageBox.StandardButton.Yes).click()
    else:
        QTimer.singleShot(50, click_yes_on_question)


def main(shop: Path, mode: str) -> int:
    app = create_application()
    runner = JobRunner()
    window = MainWindow(runner, open_settings())
    app.aboutToQuit.connect(window.on_app_about_to_quit)

    def start_job(is_shown: bool) -> None:
        job = runner.submit(
            "Importing customers.csv",
            lambda progress, cancel: write_customers_slowly(
                shop, progress, cancel, batches=2000
            ),
            kind="import",
            lane=Lane.WRITE,
        )
        job.started.connect(lambda: QTimer.singleShot(CLOSE_AFTER_MS, stop))
        job.cancelled.connect(lambda: print("job cancelled", flush=True))
        job.finished.connect(lambda result: print("job finished", flush=True))

    def stop() -> None:
        print("stopping", flush=True)
        if mode == "close":
            QTimer.singleShot(50, click_yes_on_question)
            window.close()
        elif mode == "quit":
            QTimer.singleShot(50, click_yes_on_question)
            app.quit()
        else:
            app.exit(0)

    window.data_shown.connect(start_job)
    window.show()
    window.open_shop(shop)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
