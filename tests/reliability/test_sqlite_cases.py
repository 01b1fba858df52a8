"""The SQLite cases: commits that live only in the -wal file, and a damaged file."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from bench.datasets import REPO_ROOT
from engine.errors import NotAShopError, ShopDamagedError
from engine.importers import import_file
from engine.store import open_store
from tests.reliability.shop_state import copy_read_only_files, row_count


def test_case_pair_has_23_orders(cases, tmp_path):
    folder = copy_read_only_files(cases / "C49_sqlite", tmp_path / "c49")
    main_only = tmp_path / "main-only"
    main_only.mkdir()
    shutil.copy(folder / "shop.db", main_only / "shop.db")

    assert row_count(main_only / "shop.db", "orders") == 20
    assert row_count(folder / "shop.db", "orders") == 23


def test_case_pair_not_a_shop_untouched(cases, tmp_path):
    folder = copy_read_only_files(cases / "C49_sqlite", tmp_path / "c49")
    digests = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in ("shop.db", "shop.db-wal")
    }

    with pytest.raises(NotAShopError):
        open_store(folder / "shop.db")

    for name, digest in digests.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


WAL_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from engine.store import open_store, utc_now

    store = open_store(Path(sys.argv[1]), create=True)
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def add(first, last):
        with store.transaction() as conn:
            for number in range(first, last):
                conn.execute(
                    "INSERT INTO products (sku, title, source, created_at, updated_at) "
                    "VALUES (?, 'Mug', 'test', ?, ?)",
                    (f"SKU-{number}", utc_now(), utc_now()),
                )

    add(0, 20)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    add(20, 23)
    print("ready", flush=True)
    time.sleep(120)
    """
)


@pytest.fixture
def killed_before_checkpoint(tmp_path):
    """A shop whose last 3 of 23 products are only in its -wal file."""
    shop = tmp_path / "killed" / "shop.db"
    child = subprocess.Popen(
        [sys.executable, "-c", WAL_CHILD, str(shop)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    moved = tmp_path / "moved"
    moved.mkdir()
    for name in ("shop.db", "shop.db-wal"):
        shutil.copy(shop.with_name(name), moved / name)
    return moved / "shop.db"


def test_wal_commits_survive_kill(killed_before_checkpoint):
    alone = killed_before_checkpoint.parent.parent / "alone"
    alone.mkdir()
    shutil.copy(killed_before_checkpoint, alone / "shop.db")

    with open_store(killed_before_checkpoint) as store:
        assert store.conn.execute("SELECT count(*) FROM products").fetchone()[0] == 23
    assert row_count(alone / "shop.db", "products") == 20


def test_backups_include_wal_commits(killed_before_checkpoint, cases, tmp_path):
    with open_store(killed_before_checkpoint) as store:
        manual = store.backup(tmp_path / "manual.db")
        report = import_file(store, cases / "C10_orders_duplicates.csv")

    assert row_count(manual, "products") == 23
    assert row_count(report.backup, "products") == 23
    for backup in (manual, report.backup):
        assert not backup.with_name(backup.name + "-wal").exists()


def test_damaged_file_reported_untouched(cases, tmp_path):
    folder = copy_read_only_files(cases / "C49_sqlite", tmp_path / "c49")
    damaged = folder / "shop_corrupt.db"
    digest = hashlib.sha256(damaged.read_bytes()).hexdigest()

    with pytest.raises(ShopDamagedError) as caught:
        open_store(damaged)

    assert "is damaged" in str(caught.value)
    assert "left untouched" in str(caught.value)
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["shop.db", "shop.db-wal", "shop_corrupt.db"]
    )


def test_quick_check_runs_on_open(tmp_path, monkeypatch):
    shop = tmp_path / "shop.db"
    open_store(shop, create=True).close()
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced_connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced_connect)
    open_store(shop).close()

    assert "PRAGMA quick_check" in statements
