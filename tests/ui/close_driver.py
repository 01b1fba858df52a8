"""Start the window, import a file, then close or quit while the import runs.

Run as `python -m tests.ui.close_driver SHOP CSV_FILE MODE` from the repository
root. CSV_FILE must be in a known layout, so no column dialog opens. MODE:
- "close": close the window and answer Yes to the question.
- "quit": `QApplication.quit()`, which in Qt 6 closes the windows first, so the
  question is answered too.
- "exit": `QApplication.exit(0)`, which leaves the event loop without closing
  any window, so only the app's aboutToQuit handler stops the job.
The process exit code is the event loop's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.app import create_application, open_settings
from ui.jobs import Job, JobRunner
from ui.main_window import MainWindow

CLOSE_AFTER_MS = 1000


def click_yes_on_question() -> None:
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QMessageBox):
        print(f"question: {dialog.text()}", flush=True)
        dialog.button(QMessageBox.StandardButton.Yes).click()
    else:
        QTimer.singleShot(50, click_yes_on_question)


def main(shop: Path, csv_file: Path, mode: str) -> int:
    app = create_application()
    runner = JobRunner()
    window = MainWindow(runner, open_settings())
    app.aboutToQuit.connect(window.on_app_about_to_quit)

    def on_job_added(job: Job) -> None:
        if job.kind != "import":
            return
        job.started.connect(lambda: QTimer.singleShot(CLOSE_AFTER_MS, stop))
        job.cancelled.connect(lambda: print("job cancelled", flush=True))
        job.finished.connect(lambda result: print("job finished", flush=True))

    def start_import(is_shown: bool) -> None:
        window.data_shown.disconnect(start_import)
        window.import_files([csv_file])

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

    runner.job_added.connect(on_job_added)
    window.data_shown.connect(start_import)
    window.show()
    window.open_shop(shop)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
