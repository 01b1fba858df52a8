"""Importing dropped files with the real importers: dialog, progress, cancel, close."""

from __future__ import annotations

import csv
import shutil
import time
from itertools import pairwise

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from engine.importers import sniff
from tests.ui.event_loop_monitor import EventLoopMonitor
from tests.ui.qt_events import drop_files
from tests.ui.shops import (
    count_rows,
    integrity_check,
    open_and_wait,
    write_shopify_orders,
)
from ui import messages
from ui.jobs import JobState
from ui.widgets.mapping_dialog import MappingDialog

SHOPIFY_ORDERS = "C06_shopify_orders_export.csv"
DUPLICATE_ORDERS = "C10_orders_duplicates.csv"
# Orders in cp1252 without SKU and quantity columns, so the importer adds notes.
ORDERS_WITHOUT_SKU = "C02_orders_cp1252.csv"
NO_SKU_NOTE = (
    "The file has no SKU column, so each line's item name (column 'item') is used "
    "as its product key. Lines match catalog products only when the names are "
    "identical."
)
NO_QUANTITY_NOTE = (
    "The file has no quantity column, so every line counts as quantity 1."
)


@pytest.fixture
def window(window, qtbot):
    """The shared main window, with every job ended before the window closes.

    An orders import starts training recommendations. `JobRunner.shutdown` stops
    the workers, but the jobs leave the running state only when their queued
    signals arrive, so closing right after it would ask whether to cancel them,
    and that modal question never returns in a test. The jobs are cancelled here
    while the runner still takes the follow-up jobs that tabs start on cancel.
    """
    yield window

    def cancel_and_check() -> bool:
        for job in window.runner.active_jobs():
            job.cancel()
        return not window.runner.has_active_jobs()

    qtbot.waitUntil(cancel_and_check, timeout=30000)


@pytest.fixture
def big_orders_file(tmp_path, cases):
    """About 60,000 order lines in Shopify's layout, a few seconds of import."""
    path = tmp_path / "big_orders.csv"
    write_shopify_orders(cases / SHOPIFY_ORDERS, path, orders=20_000)
    return path


def copy_case(cases, name, tmp_path):
    target = tmp_path / "drops" / name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(cases / name, target)
    return target


def write_tab_separated(source, target, encoding):
    """Save `source` the way Excel saves "Unicode Text": tabs, UTF-16."""
    rows = list(csv.reader(source.open(encoding="utf-8-sig", newline="")))
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding=encoding, newline="") as file:
        csv.writer(file, delimiter="\t").writerows(rows)
    return target


def wait_for_import_job(qtbot, window):
    def import_job():
        jobs = [job for job in window.runner.history if job.kind == "import"]
        return jobs[-1] if jobs else None

    qtbot.waitUntil(lambda: import_job() is not None, timeout=10000)
    return import_job()


def import_and_wait(qtbot, window, files):
    """Drop `files`, wait for the import and for the overview to reload."""
    with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000) as ended:
        assert drop_files(window, files)
    with qtbot.waitSignal(window.overview_tab.load_ended, timeout=10000):
        pass
    return ended.args[0]


def wait_for_dialog(qtbot, window) -> MappingDialog:
    qtbot.waitUntil(lambda: window.import_flow.dialog is not None, timeout=10000)
    return window.import_flow.dialog


def answer_close_question(monkeypatch, answer):
    questions = []

    def question(parent, title, text, *args, **kwargs):
        questions.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return questions


def test_drop_shopify_orders_imports_directly(
    qtbot, window, empty_shop, cases, tmp_path
):
    open_and_wait(qtbot, window, empty_shop)
    dropped = copy_case(cases, SHOPIFY_ORDERS, tmp_path)

    report = import_and_wait(qtbot, window, [dropped])

    assert report.format == "shopify_orders"
    assert window.import_flow.dialog is None
    assert window.tab_widget.currentWidget() is window.overview_tab
    tiles = window.overview_tab.tile_texts()
    assert tiles["orders"] == "3"
    assert tiles["order_lines"] == "6"
    assert tiles["customers"] == "2"
    assert window.notice_area.messages() == [
        (
            f"Imported {SHOPIFY_ORDERS}: 6 new, 0 updated, 0 already present.\n"
            "Notes on how the file was read:\n"
            "• 1 line(s) are extras or charges (such as shipping protection or "
            "tips). They stay with their orders but are not products.\n"
            "• 5 line(s) name products that are not in your catalog yet. Import your "
            "Shopify products export to link them."
        )
    ]
    fields = window.overview_tab.import_report.fields
    assert fields["file"].text() == SHOPIFY_ORDERS
    assert fields["format"].text() == "Shopify orders export"
    assert fields["status"].text() == "Completed"


def test_overview_counts_match_store(qtbot, window, empty_shop, cases, tmp_path):
    from engine.store import open_store, queries

    open_and_wait(qtbot, window, empty_shop)
    import_and_wait(qtbot, window, [copy_case(cases, SHOPIFY_ORDERS, tmp_path)])

    with open_store(empty_shop) as store:
        counts = queries.counts(store)
    tiles = window.overview_tab.tile_texts()
    for key in ("products", "customers", "orders", "order_lines", "reviews", "photos"):
        assert tiles[key] == f"{getattr(counts, key):,}", key


def test_generic_file_asks_for_columns(qtbot, window, empty_shop, cases, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    dropped = copy_case(cases, DUPLICATE_ORDERS, tmp_path)
    guessed = sniff(dropped).mapping

    assert drop_files(window, [dropped])
    dialog = wait_for_dialog(qtbot, window)

    assert dialog.kind() == "orders"
    assert dialog.encoding() == "utf-8"
    assert dialog.mapping() == guessed
    assert dialog.field_combos["order_id"].currentText() == "order_id"
    assert dialog.field_combos["quantity"].currentText() == "qty"

    with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000):
        dialog.accept()
    with qtbot.waitSignal(window.overview_tab.load_ended, timeout=10000):
        pass
    tiles = window.overview_tab.tile_texts()
    assert tiles["orders"] == "3"
    assert tiles["order_lines"] == "4"
    skipped = window.overview_tab.import_report.skipped_table
    assert skipped.rowCount() == 1


def test_import_notes_shown_in_notice_and_overview(
    qtbot, window, empty_shop, cases, tmp_path
):
    open_and_wait(qtbot, window, empty_shop)
    dropped = copy_case(cases, ORDERS_WITHOUT_SKU, tmp_path)
    assert drop_files(window, [dropped])
    dialog = wait_for_dialog(qtbot, window)

    with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000) as ended:
        dialog.accept()
    with qtbot.waitSignal(window.overview_tab.load_ended, timeout=10000):
        pass

    report = ended.args[0]
    assert NO_SKU_NOTE in report.warnings
    assert NO_QUANTITY_NOTE in report.warnings
    notice = window.notice_area.messages()[-1]
    assert notice.startswith(
        f"Imported {ORDERS_WITHOUT_SKU}: 5 new, 0 updated, 0 already present.\n"
        "Notes on how the file was read:\n"
    )
    assert f"\n• {NO_SKU_NOTE}" in notice
    assert f"\n• {NO_QUANTITY_NOTE}" in notice
    assert notice.endswith(
        "\n• 2 more note(s) are listed under Last import on the Overview tab."
    )
    # The file has no order dates, so the chart explains why it is empty.
    chart = window.overview_tab.revenue_chart
    assert chart.is_empty
    assert chart.empty_label.text().startswith("No revenue by month: the orders have")
    notes = window.overview_tab.import_report.fields["notes"]
    assert notes.isVisibleTo(window)
    assert notes.text().split("\n") == [f"• {note}" for note in report.warnings]


@pytest.mark.parametrize("name", ["orders.txt", "orders.tsv"])
def test_drop_tab_separated_text_imports(
    qtbot, window, empty_shop, cases, tmp_path, name
):
    open_and_wait(qtbot, window, empty_shop)
    dropped = write_tab_separated(
        cases / SHOPIFY_ORDERS, tmp_path / "drops" / name, encoding="utf-16"
    )

    report = import_and_wait(qtbot, window, [dropped])

    assert report.format == "shopify_orders"
    assert report.status == "completed"
    assert window.overview_tab.tile_texts()["order_lines"] == "6"
    assert window.notice_area.messages()[-1].startswith(
        f"Imported {name}: 6 new, 0 updated, 0 already present."
    )


def test_drop_folder_imports_files_inside(qtbot, window, empty_shop, cases, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    folder = tmp_path / "exports"
    (folder / "2024").mkdir(parents=True)
    shutil.copy(cases / SHOPIFY_ORDERS, folder / "2024" / "march.csv")
    write_tab_separated(cases / SHOPIFY_ORDERS, folder / "april.txt", "utf-16")
    for junk in (".DS_Store", "Thumbs.db", "._march.csv", ".hidden.csv"):
        (folder / junk).write_bytes(b"\x00\x05\x16\x07")
    (folder / ".git").mkdir()
    (folder / ".git" / "config.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "2024" / "logo.png").write_bytes(b"\x89PNG")
    (folder / "price list.pdf").write_bytes(b"%PDF")

    with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000):
        assert drop_files(window, [folder])
    qtbot.waitUntil(
        lambda: [job.kind for job in window.runner.history].count("import") == 2,
        timeout=30000,
    )
    qtbot.waitUntil(lambda: not window.runner.has_active_jobs(), timeout=30000)

    imported = [job.name for job in window.runner.history if job.kind == "import"]
    assert imported == ["Importing april.txt", "Importing march.csv"]
    notices = window.notice_area.messages()
    assert notices[0] == (
        "2 files were not imported because they are not CSV, TSV or text files: "
        "exports/price list.pdf, exports/2024/logo.png. Export your products, orders "
        "or reviews from your shop system as CSV (.csv, .tsv, .txt or .csv.gz) and "
        "drop those files or their folder here."
    )
    assert sum("not imported" in notice for notice in notices) == 1
    assert count_rows(empty_shop, "order_lines") == 6


def test_reimport_reports_already_present(qtbot, window, empty_shop, cases, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    dropped = copy_case(cases, DUPLICATE_ORDERS, tmp_path)

    for _ in range(2):
        assert drop_files(window, [dropped])
        dialog = wait_for_dialog(qtbot, window)
        with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000) as ended:
            dialog.accept()

    assert window.notice_area.messages()[-1] == messages.import_summary_message(
        DUPLICATE_ORDERS,
        imported=0,
        updated=0,
        unchanged=4,
        skipped=1,
        notes=ended.args[0].warnings,
    )
    assert count_rows(empty_shop, "order_lines") == 4


def test_closing_dialog_imports_nothing(qtbot, window, empty_shop, cases, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    dropped = copy_case(cases, DUPLICATE_ORDERS, tmp_path)
    assert drop_files(window, [dropped])
    dialog = wait_for_dialog(qtbot, window)

    dialog.reject()

    qtbot.waitUntil(lambda: window.import_flow.dialog is None, timeout=5000)
    assert window.notice_area.messages() == [
        messages.mapping_rejected_message(DUPLICATE_ORDERS)
    ]
    assert count_rows(empty_shop, "orders") == 0


def test_dialogs_come_one_at_a_time(qtbot, window, empty_shop, cases, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    first = copy_case(cases, DUPLICATE_ORDERS, tmp_path)
    second = tmp_path / "drops" / "again.csv"
    shutil.copy(first, second)

    assert drop_files(window, [first, second])
    dialog = wait_for_dialog(qtbot, window)
    assert dialog.sniff.path == first
    qtbot.wait(300)
    assert window.import_flow.dialog is dialog

    dialog.reject()
    qtbot.waitUntil(
        lambda: (
            window.import_flow.dialog is not None
            and window.import_flow.dialog.sniff.path == second
        ),
        timeout=10000,
    )
    window.import_flow.dialog.reject()


def test_monitor_counts_blocked_loop(qtbot):
    monitor = EventLoopMonitor()
    monitor.start()
    QTimer.singleShot(50, lambda: time.sleep(0.3))
    qtbot.wait(500)
    monitor.stop()

    assert monitor.max_stall_ms >= 250


@pytest.mark.slow
def test_event_loop_never_stalls_during_import(
    qtbot, window, empty_shop, big_orders_file
):
    open_and_wait(qtbot, window, empty_shop)
    progress_times = []
    monitor = EventLoopMonitor()
    monitor.start()
    window.import_files([big_orders_file])
    job = wait_for_import_job(qtbot, window)
    job.progressed.connect(
        lambda fraction, text: progress_times.append(time.monotonic())
    )
    with qtbot.waitSignal(job.finished, timeout=120000):
        pass
    monitor.stop()

    assert job.elapsed_s() > 1.0
    assert len(monitor.gaps_ms) > 50
    # Time the kernel kept the runnable GUI thread off the CPU is not counted.
    assert monitor.max_stall_ms < 200, (
        f"longest event loop stall {monitor.max_stall_ms:.0f} ms "
        f"(longest gap {max(monitor.gaps_ms):.0f} ms)"
    )
    steps = [later - earlier for earlier, later in pairwise(progress_times)]
    assert max(steps, default=0.0) < 1.0
    assert count_rows(empty_shop, "order_lines") == 60_000


@pytest.mark.slow
def test_status_bar_cancel_stops_import(qtbot, window, empty_shop, big_orders_file):
    open_and_wait(qtbot, window, empty_shop)
    window.import_files([big_orders_file])
    job = wait_for_import_job(qtbot, window)
    status = window.job_status

    qtbot.waitUntil(status.isVisible, timeout=5000)
    assert status.text_label.text().startswith("Importing big_orders.csv")
    assert status.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: status.progress_bar.value() > 0, timeout=5000)

    started = time.monotonic()
    with qtbot.waitSignal(job.cancelled, timeout=2000):
        qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - started < 2.0
    assert window.notice_area.messages()[-1] == messages.import_cancelled_message(
        "big_orders.csv"
    )
    assert count_rows(empty_shop, "orders") == 0
    with qtbot.waitSignal(window.overview_tab.load_ended, timeout=10000):
        pass
    fields = window.overview_tab.import_report.fields
    assert fields["status"].text() == "Cancelled, nothing saved"


@pytest.mark.slow
def test_close_during_import_cancels_and_waits(
    qtbot, window, empty_shop, big_orders_file, monkeypatch
):
    open_and_wait(qtbot, window, empty_shop)
    questions = answer_close_question(monkeypatch, QMessageBox.StandardButton.Yes)
    window.import_files([big_orders_file])
    job = wait_for_import_job(qtbot, window)
    qtbot.waitUntil(lambda: job.state is JobState.RUNNING, timeout=5000)
    qtbot.wait(1000)

    started = time.monotonic()
    assert window.close()

    assert time.monotonic() - started < 2.0
    assert questions == ["An import is still running. Cancel it and close?"]
    assert job.worker_done.is_set()
    qtbot.waitUntil(lambda: job.state is JobState.CANCELLED, timeout=2000)
    assert integrity_check(empty_shop) == "ok"
    assert count_rows(empty_shop, "orders") == 0


@pytest.mark.slow
def test_close_refused_keeps_import_running(
    qtbot, window, empty_shop, big_orders_file, monkeypatch
):
    open_and_wait(qtbot, window, empty_shop)
    answer_close_question(monkeypatch, QMessageBox.StandardButton.No)
    window.import_files([big_orders_file])
    job = wait_for_import_job(qtbot, window)
    qtbot.waitUntil(lambda: job.state is JobState.RUNNING, timeout=5000)

    assert not window.close()
    assert window.isVisible()
    assert job.is_active

    with qtbot.waitSignal(job.finished, timeout=120000):
        pass
    assert count_rows(empty_shop, "orders") == 20_000


def test_unreadable_file_reported_once(qtbot, window, empty_shop, tmp_path):
    open_and_wait(qtbot, window, empty_shop)
    empty = tmp_path / "orders.csv"
    empty.write_bytes(b"")

    assert drop_files(window, [empty])

    qtbot.waitUntil(lambda: window.notice_area.messages() != [], timeout=5000)
    assert window.notice_area.messages() == [
        "Could not import orders.csv: the file is empty. Export the data again and "
        "check that the export has rows"
    ]
    assert not window.import_flow.is_busy


@pytest.mark.slow
def test_first_start_builds_demo_shop(qtbot, window):
    from engine import paths
    from engine.store import open_store, queries

    progress_values = []
    bar = window.overview_tab.message_page.progress_bar
    bar.valueChanged.connect(progress_values.append)

    with qtbot.waitSignal(window.data_shown, timeout=120000) as shown:
        window.start_up(None)

    assert shown.args == [True]
    assert window.shop_path == paths.demo_shop_path()
    assert len(progress_values) > 3
    with open_store(paths.demo_shop_path()) as store:
        counts = queries.counts(store)
    assert counts.orders > 0
    assert window.overview_tab.tile_texts()["orders"] == f"{counts.orders:,}"


def test_start_up_reopens_last_shop(qtbot, window, seeded_shop, settings):
    settings.setValue("shop/last", str(seeded_shop))

    with qtbot.waitSignal(window.data_shown, timeout=10000):
        window.start_up(None)

    assert window.shop_path == seeded_shop


@pytest.mark.parametrize("target", ["top_products_table", "revenue_chart.chart_view"])
def test_drop_on_child_reaches_window(
    qtbot, window, seeded_shop, cases, tmp_path, target
):
    open_and_wait(qtbot, window, seeded_shop)
    child = window.overview_tab
    for name in target.split("."):
        child = getattr(child, name)
    child = child.viewport()

    with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000):
        assert drop_files(child, [copy_case(cases, SHOPIFY_ORDERS, tmp_path)])

    assert count_rows(seeded_shop, "orders") == 3 + 3
