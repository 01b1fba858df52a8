"""A process killed in the middle of an import leaves a sound shop without its rows."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from bench.datasets import REPO_ROOT
from engine.store import open_store
from engine.store.queries import counts
START_TIMEOUT_S = 60


def write_orders(path, order_count: int) -> tuple[int, int]:
    """Write a Shopify-like orders export with 2 lines per order; return (orders, lines)."""
    header = (
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,"
        "Lineitem name,Lineitem price,Lineitem sku\n"
    )
    with open(path, "w", encoding="utf-8") as out:
        out.write(header)
        for number in range(1, order_count + 1):
            email = f"buyer{number % 5000}@example.test"
            created = f"2024-05-{1 + number % 28:02d} 10:00:00 +0200"
            out.write(f"#{number},{email},paid,EUR,40.00,{created},1,Linen apron,32.00,APR-LIN-1\n")
            out.write(f"#{number},{email},,,,{created},2,Glaze mug,4.00,MUG-BLU-250\n")
    return order_count, 2 * order_count


def running_run_exists(shop) -> bool:
    # A plain connection: open_store would mark the running import as interrupted.
    if not shop.exists():
        return False
    try:
        conn = sqlite3.connect(shop, timeout=5)
        try:
            row = conn.execute("SELECT count(*) FROM import_runs WHERE status = 'running'").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return False  # the schema is not created yet
    return row[0] > 0


def test_kill_mid_import(tmp_path):
    source = tmp_path / "orders.csv"
    orders, lines = write_orders(source, 150_000)
    shop = tmp_path / "shop.db"
    child = subprocess.Popen(
        [sys.executable, "-m", "engine", "import", str(source), "--shop", str(shop)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not running_run_exists(shop):
            assert child.poll() is None, "the import ended before it could be interrupted"
            assert time.monotonic() < deadline, "the import run never started"
            time.sleep(0.05)
        time.sleep(1.0)  # well into the data transaction, long before its end
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    with open_store(shop) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        status, message = store.conn.execute("SELECT status, message FROM import_runs").fetchone()
        shop_counts = counts(store)
        if status == "completed":
            # A machine fast enough to finish within the second: all rows are there.
            assert shop_counts.order_lines == lines
            assert shop_counts.orders == orders
            return
        assert status == "interrupted"
        assert "Nothing from it was saved" in message
        assert shop_counts.order_lines == 0
        assert shop_counts.orders == 0
        assert shop_counts.customers == 0
        assert store.conn.execute("SELECT count(*) FROM import_skipped_rows").fetchone()[0] == 0


def test_reimport_after_kill(tmp_path):
    source = tmp_path / "orders.csv"
    orders, lines = write_orders(source, 100_000)
    shop = tmp_path / "shop.db"
    child = subprocess.Popen(
        [sys.executable, "-m", "engine", "import", str(source), "--shop", str(shop)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not running_run_exists(shop) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)

    completed = subprocess.run(
        [sys.executable, "-m", "engine", "import", str(source), "--shop", str(shop)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert completed.returncode == 0, completed.stderr
    with open_store(shop) as store:
        assert counts(store).order_lines == lines
        assert counts(store).orders == orders
        statuses = [row[0] for row in store.conn.execute("SELECT status FROM import_runs ORDER BY id")]
        assert statuses[0] in ("interrupted", "completed")
        assert statuses[-1] == "completed"
