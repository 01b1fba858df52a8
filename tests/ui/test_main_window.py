"""Main window: non-CSV drops, backup, recent shops, jobs panel, window state."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from tests.ui.qt_events import drop_files
from tests.ui.shops import count_rows, integrity_check, open_and_wait
from ui import messages
from ui.jobs import JobState, Lane
from ui.main_window import MAX_RECENT_SHOPS


def test_drop_non_csv_files_listed_once(qtbot, window, empty_shop, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    files = []
    for name in ("budget.xlsx", "price list.pdf", "notes.docx"):
        path = tmp_path / name
        path.write_bytes(b"not a csv")
        files.append(path)

    assert drop_files(window, files)

    assert window.notice_area.messages() == [
        "3 files were not imported because they are not CSV, TSV or text files: "
        "budget.xlsx, price list.pdf, notes.docx. Export your products, orders or "
        "reviews from your shop system as CSV (.csv, .tsv, .txt or .csv.gz) and drop "
        "those files or their folder here."
    ]
    assert [job.kind for job in window.runner.history] == ["open", "load"]


def test_drop_without_shop_explains(qtbot, window, tmp_path):
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text("order,qty\nA-1,2\n", encoding="utf-8")

    assert drop_files(window, [csv_file])

    assert window.notice_area.messages() == [messages.no_shop_message()]


def test_drag_without_files_is_ignored(qtbot, window):
    assert not drop_files(window, [])


def test_close_question_names_other_jobs(qtbot, window, empty_shop):
    release = threading.Event()
    window.runner.submit("Backing up empty", lambda p, c: release.wait(5))
    try:
        assert window.confirm_close_message() == (
            "“Backing up empty” is still running. Cancel it and close?"
        )
    finally:
        release.set()


def test_close_while_import_saves_keeps_painting(
    qtbot, window, empty_shop, monkeypatch
):
    open_and_wait(qtbot, window, empty_shop)
    questions = []

    def answer_yes(parent, title, text, *args, **kwargs):
        questions.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer_yes)
    release = threading.Event()

    def saving_import(progress, cancel):
        progress(0.95, "Saving")
        release.wait(10)
        return "saved"

    job = window.runner.submit(
        "Importing big.csv", saving_import, kind="import", lane=Lane.WRITE
    )
    qtbot.waitUntil(lambda: job.text == "Saving", timeout=5000)
    ticks = []
    ticker = QTimer()
    ticker.timeout.connect(lambda: ticks.append(time.monotonic()))
    ticker.start(50)
    status_texts = []

    def end_save():
        status_texts.append(window.statusBar().currentMessage())
        release.set()

    QTimer.singleShot(600, end_save)

    assert window.close()
    ticker.stop()

    assert questions == [
        "The import is saving and cannot stop now. Close when it is done?"
    ]
    assert status_texts == ["Saving the import… the window closes when it is done."]
    # Timers kept firing while the window waited, so it went on painting.
    assert len(ticks) >= 5
    assert not job.is_cancel_requested
    assert job.state is JobState.FINISHED


def test_close_question_lists_saving_import(qtbot, window, empty_shop):
    release = threading.Event()

    def saving_import(progress, cancel):
        progress(0.95, "Saving")
        release.wait(5)

    window.runner.submit("Importing big.csv", saving_import, kind="import")
    job = window.runner.submit("Backing up empty", lambda p, c: release.wait(5))
    try:
        qtbot.waitUntil(lambda: window.saving_imports() != [], timeout=5000)
        assert window.confirm_close_message() == (
            "2 jobs are still running (Importing big.csv, Backing up empty). The "
            "import is saving and cannot stop now. Cancel the other job and close when "
            "the import is done?"
        )
        assert job.is_active
    finally:
        release.set()


def test_jobs_panel_lists_jobs(qtbot, window, empty_shop):
    open_and_wait(qtbot, window, empty_shop)
    window.on_jobs_requested()
    table = window.jobs_panel.table

    rows = {
        table.item(row, 0).text(): table.item(row, 1).text()
        for row in range(table.rowCount())
    }
    assert rows == {"Opening empty": "Finished", "Loading the overview": "Finished"}


def test_backup_writes_a_checked_copy(qtbot, window, seeded_shop, tmp_path):
    open_and_wait(qtbot, window, seeded_shop)
    destination = tmp_path / "backups" / "seeded-backup.db"

    job = window.back_up(destination)
    with qtbot.waitSignal(job.finished, timeout=10000):
        pass

    assert integrity_check(destination) == "ok"
    assert count_rows(destination, "orders") == 3
    assert window.notice_area.messages() == [messages.backup_done_message(destination)]


def test_recent_shops_newest_first(qtbot, window, tmp_path, settings):
    from engine.store import open_store

    shops = []
    for index in range(MAX_RECENT_SHOPS + 2):
        path = tmp_path / f"shop-{index}" / "shop.db"
        open_store(path, create=True).close()
        shops.append(path)
        open_and_wait(qtbot, window, path)

    assert window.recent_shops() == list(reversed(shops))[:MAX_RECENT_SHOPS]
    assert settings.value("shop/last") == str(shops[-1])
    assert window.windowTitle() == f"shop-{len(shops) - 1} — Merchant Assistant"


def test_open_missing_shop_shows_error(qtbot, window, tmp_path):
    missing = tmp_path / "nowhere" / "shop.db"

    with qtbot.waitSignal(window.data_shown, timeout=10000) as blocker:
        window.open_shop(missing)

    assert blocker.args == [False]
    assert window.notice_area.messages() == [
        f"No shop file at {missing}. Choose File > Open shop to pick another shop, "
        "or File > New shop to create one."
    ]
    assert window.shop_path is None
    assert not window.import_action.isEnabled()


def test_create_shop(qtbot, window, tmp_path):
    new_shop = tmp_path / "Ceramics studio" / "shop.db"

    with qtbot.waitSignal(window.data_shown, timeout=10000):
        window.open_shop(new_shop, create=True)

    assert new_shop.exists()
    assert window.shop_path == new_shop
    assert window.shop_label.text() == f"Shop: Ceramics studio    {new_shop}"


def test_select_tab_ignores_case(window):
    window.select_tab("Reviews")

    assert window.tab_widget.currentWidget() is window.reviews_tab


def test_window_geometry_remembered(qtbot, runner, settings):
    from ui.main_window import MainWindow

    first = MainWindow(runner, settings)
    qtbot.addWidget(first)
    # Smaller than the offscreen platform's 800 × 600 screen, which restoring clamps
    # to, and wider than the Overview tab's minimum.
    first.resize(700, 500)
    first.show()
    first.close()

    second = MainWindow(runner, settings)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 500)


def test_window_minimum_follows_current_tab(qtbot, window):
    from PySide6.QtWidgets import QWidget

    # Every tab fits 700 px, so the Reviews tab gets a 900 px wide part for this check.
    wide = QWidget()
    wide.setMinimumWidth(900)
    window.reviews_tab.layout().addWidget(wide)
    window.resize(700, 500)
    overview_minimum = window.minimumSizeHint().width()

    window.select_tab("Reviews")

    # Hidden tabs do not widen the window, and a shown tab gets its minimum width.
    assert overview_minimum < 700
    qtbot.waitUntil(lambda: window.reviews_tab.width() >= 900)
    assert window.width() > 700


def test_dropped_empty_folder_explained(qtbot, window, empty_shop, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00\x00")

    assert drop_files(window, [folder])

    # The folder is walked in a job, off the GUI thread.
    qtbot.waitUntil(lambda: window.notice_area.messages() != [], timeout=10000)
    assert window.notice_area.messages() == [
        "The folder exports has no CSV, TSV or text files, so nothing was imported "
        "from it. Export your products, orders or reviews from your shop system as "
        "CSV (.csv, .tsv, .txt or .csv.gz) and drop those files or their folder here."
    ]
    assert [job.kind for job in window.runner.history] == ["open", "load", "scan"]
