"""The window reads while jobs write, and several writers run at once.

Readers use the read-only connection the tabs use (ui.shop_access, which imports
no Qt). No reader or writer may ever see "database is locked", and a reader sees
an import either not at all or whole.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from bench.datasets import REPO_ROOT
from engine import modelstore
from engine.importers import import_file
from engine.store import connection, open_store
from engine.store.queries import counts, import_runs, revenue_by_month, top_products
from tests.reliability.shop_state import write_orders_csv
from ui.shop_access import open_for_reading

READERS = 3


def read_while(shop, stop: threading.Event, seen: list, errors: list) -> None:
    try:
        while not stop.is_set():
            with open_for_reading(shop) as reader:
                seen.append(counts(reader).order_lines)
                revenue_by_month(reader)
                top_products(reader)
                import_runs(reader)
            time.sleep(0.01)
    except BaseException as error:  # collected and asserted by the test
        errors.append(error)


@pytest.mark.slow
def test_reads_during_long_import(tmp_path):
    shop = tmp_path / "shop" / "shop.db"
    open_store(shop, create=True).close()
    source = tmp_path / "orders.csv"
    lines = write_orders_csv(source, 12_000)
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []
    readers = [
        threading.Thread(target=read_while, args=(shop, stop, seen, errors))
        for _ in range(READERS)
    ]
    for reader in readers:
        reader.start()

    try:
        with open_store(shop) as store:
            report = import_file(store, source)
        time.sleep(0.3)
    finally:
        stop.set()
        for reader in readers:
            reader.join(30)

    assert errors == []
    assert report.counts["order_lines"] == lines
    assert len(seen) > READERS * 5
    assert set(seen) <= {0, lines}
    assert seen[-1] == lines


@pytest.mark.slow
def test_two_imports_and_model_writer_at_once(tmp_path, cases):
    shop = tmp_path / "shop" / "shop.db"
    open_store(shop, create=True).close()
    first = tmp_path / "first.csv"
    second = tmp_path / "second.csv"
    first_lines = write_orders_csv(first, 8_000)
    second.write_text(
        first.read_text(encoding="utf-8").replace("A-", "B-"), encoding="utf-8"
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "engine", "import", str(second), "--shop", str(shop)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[BaseException] = []

    def register_models() -> None:
        try:
            with open_store(shop) as store:
                for version in range(1, 6):
                    modelstore.register_model(
                        store, name="popularity", kind="recommend", version=version,
                        metrics={}, file=None, activate=True,
                    )
                    time.sleep(0.2)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    model_writer = threading.Thread(target=register_models)
    model_writer.start()
    with open_store(shop) as store:
        report = import_file(store, first)
    model_writer.join(120)
    _, stderr = child.communicate(timeout=300)

    assert errors == []
    assert child.returncode == 0, stderr
    assert report.counts["order_lines"] == first_lines
    with open_store(shop) as store:
        assert counts(store).order_lines == 2 * first_lines
        assert [run.status for run in import_runs(store)] == ["completed", "completed"]
        assert modelstore.active_model(store, "recommend").version == 5
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_writer_waits_past_busy_timeout(tmp_path, monkeypatch):
    # A busy timeout of 0.2 s stands in for SQLite's 30 s, so the writer meets
    # "database is locked" several times while the holder keeps the lock 2 s.
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)
    shop = tmp_path / "shop.db"
    open_store(shop, create=True).close()
    holder = open_store(shop)
    holder.conn.execute("BEGIN IMMEDIATE")
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            with open_store(shop) as store:
                modelstore.start_training(store, "recommend")
            done.set()
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(2.0)
    assert not done.is_set()
    holder.conn.execute("COMMIT")
    writer.join(30)
    holder.close()

    assert errors == []
    assert done.is_set()


def test_plain_sqlite_would_fail(tmp_path):
    # The same situation on a bare connection fails, so the test above can fail.
    shop = tmp_path / "shop.db"
    open_store(shop, create=True).close()
    holder = sqlite3.connect(shop, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(shop, timeout=0.2, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("COMMIT")
        holder.close()
        other.close()
