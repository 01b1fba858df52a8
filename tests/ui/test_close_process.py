"""Closing or quitting during an import: clean exit, intact shop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.shops import (
    count_rows,
    integrity_check,
    open_and_wait,
    write_shopify_orders,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_driver(
    shop: Path, csv_file: Path, mode: str, home: Path
) -> subprocess.CompletedProcess:
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", MERCHANT_ASSISTANT_HOME=str(home)
    )
    return subprocess.run(
        [sys.executable, "-m", "tests.ui.close_driver", str(shop), str(csv_file), mode],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["close", "quit", "exit"])
def test_stop_during_import_exits_cleanly(empty_shop, tmp_path, cases, mode):
    big_orders = tmp_path / "big_orders.csv"
    write_shopify_orders(cases / "C06_shopify_orders_export.csv", big_orders, 30_000)

    completed = run_driver(empty_shop, big_orders, mode, tmp_path / "home")

    assert completed.returncode == 0, completed.stderr
    assert "Destroyed while thread" not in completed.stderr
    assert "stopping" in completed.stdout
    assert "job finished" not in completed.stdout
    if mode == "close":
        assert "job cancelled" in completed.stdout
    if mode != "exit":
        assert "question: An import is still running. Cancel it and close?" in (
            completed.stdout
        )
    assert integrity_check(empty_shop) == "ok"
    assert count_rows(empty_shop, "orders") == 0
    assert last_import_status(empty_shop) == "cancelled"


def test_cancelled_import_shown_on_next_start(
    qtbot, window, empty_shop, tmp_path, cases
):
    big_orders = tmp_path / "big_orders.csv"
    write_shopify_orders(cases / "C06_shopify_orders_export.csv", big_orders, 30_000)
    completed = run_driver(empty_shop, big_orders, "close", tmp_path / "home")
    assert completed.returncode == 0, completed.stderr

    open_and_wait(qtbot, window, empty_shop)

    fields = window.overview_tab.import_report.fields
    assert fields["file"].text() == "big_orders.csv"
    assert fields["status"].text() == "Cancelled, nothing saved"


def last_import_status(shop: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(shop)
    try:
        return conn.execute(
            "SELECT status FROM import_runs ORDER BY id DESC"
        ).fetchone()[0]
    finally:
        conn.close()
