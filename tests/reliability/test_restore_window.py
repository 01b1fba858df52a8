"""File > Restore from a backup…, and dropped folders walked off the GUI thread."""

from __future__ import annotations

import shutil
import threading

from PySide6.QtWidgets import QDialogButtonBox

from engine.importers import import_file
from engine.store import open_store
from engine.store.backup import list_backups
from tests.reliability.shop_state import row_count
from tests.ui.conftest import (  # noqa: F401  fixtures used by name
    empty_shop,
    fail_on_qt_thread_warnings,
    runner,
    settings,
    window,
)
from tests.ui.qt_events import drop_files
from tests.ui.shops import open_and_wait
from ui import import_flow, messages
from ui.widgets.restore_dialog import RestoreDialog


def shop_with_backup(tmp_path, cases):
    """Return (shop with 6 order lines + 7 product rows, backup with 6 order lines)."""
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        import_file(store, cases / "C06_shopify_orders_export.csv")
        report = import_file(store, cases / "C10_orders_duplicates.csv")
    return shop, report.backup


def test_restore_replaces_open_shop(qtbot, window, tmp_path, cases):
    shop, backup = shop_with_backup(tmp_path, cases)
    open_and_wait(qtbot, window, shop)
    assert row_count(shop, "order_lines") == 10

    with qtbot.waitSignal(window.data_shown, timeout=30000) as shown:
        job = window.restore(shop, backup)
    assert shown.args == [True]

    assert job.kind == "restore"
    assert row_count(shop, "order_lines") == 6
    notice = window.notice_area.messages()[-1]
    assert notice.startswith(f"The shop was restored from {backup.name}.")
    assert window.overview_tab.tile_texts()["order_lines"] == "6"


def test_restore_refused_while_job_runs(qtbot, window, tmp_path, cases):
    shop, backup = shop_with_backup(tmp_path, cases)
    open_and_wait(qtbot, window, shop)
    release = threading.Event()
    window.runner.submit("Training", lambda progress, cancel: release.wait(10))
    try:
        assert window.restore(shop, backup) is None
    finally:
        release.set()

    assert window.notice_area.messages()[-1] == messages.restore_busy_message()
    assert row_count(shop, "order_lines") == 10


def test_damaged_shop_can_be_restored(qtbot, window, tmp_path, cases):
    shop, backup = shop_with_backup(tmp_path, cases)
    shutil.copy(cases / "C49_sqlite" / "shop_corrupt.db", shop)
    (shop).chmod(0o600)

    with qtbot.waitSignal(window.data_shown, timeout=15000) as shown:
        window.open_shop(shop)
    assert shown.args == [False]
    assert "File > Restore from a backup…" in window.notice_area.messages()[-1]
    assert window.restore_action.isEnabled()

    with qtbot.waitSignal(window.data_shown, timeout=30000) as shown:
        window.restore(shop, backup)

    assert shown.args == [True]
    assert row_count(shop, "order_lines") == 6
    assert any(b.reason == "damaged" for b in list_backups(shop))


def test_restore_dialog_lists_newest_first(qtbot, tmp_path, cases):
    shop, backup = shop_with_backup(tmp_path, cases)
    with open_store(shop) as store:
        newer = import_file(store, cases / "C05_shopify_products_export.csv").backup
    dialog = RestoreDialog("shop", list_backups(shop))
    qtbot.addWidget(dialog)

    assert dialog.backup_list.count() == 2
    assert newer.name in dialog.backup_list.item(0).text()
    assert "Before an import" in dialog.backup_list.item(0).text()
    dialog.backup_list.setCurrentRow(1)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.chosen_path == backup


def test_restore_dialog_without_backups(qtbot):
    dialog = RestoreDialog("shop", [])
    qtbot.addWidget(dialog)

    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dialog.empty_label.text().startswith("This shop has no backups")


def test_folder_walk_off_gui_thread(qtbot, window, empty_shop, tmp_path, cases, monkeypatch):
    open_and_wait(qtbot, window, empty_shop)
    folder = tmp_path / "exports" / "2024"
    folder.mkdir(parents=True)
    shutil.copy(cases / "C06_shopify_orders_export.csv", folder / "orders.csv")
    walking_threads = []
    real_sort = import_flow.sort_dropped_paths

    def recording_sort(paths, cancel=None):
        walking_threads.append(threading.current_thread() is threading.main_thread())
        return real_sort(paths, cancel)

    monkeypatch.setattr(import_flow, "sort_dropped_paths", recording_sort)

    with qtbot.waitSignal(window.import_flow.import_ended, timeout=30000):
        assert drop_files(window, [tmp_path / "exports"])

    assert walking_threads == [False]
    assert row_count(empty_shop, "order_lines") == 6
