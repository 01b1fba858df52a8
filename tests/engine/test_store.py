"""Shop file: schema, pragmas, text ids, backup, damage and concurrent writers."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.errors import (
    NotAShopError,
    ShopAccessError,
    ShopDamagedError,
    ShopNotFoundError,
    ShopTooNewError,
)
from engine.store import open_store, utc_now
from engine.store import schema
from engine.store.connection import backup_database


def add_product(conn: sqlite3.Connection, sku: str, title: str = "Mug") -> None:
    now = utc_now()
    conn.execute(
        "INSERT INTO products (sku, title, source, created_at, updated_at) "
        "VALUES (?, ?, 'test', ?, ?)",
        (sku, title, now, now),
    )


def test_new_shop_latest_schema(store):
    assert schema.schema_version(store.conn) == schema.LATEST_VERSION
    assert {"products", "orders", "order_lines", "reviews", "models"} <= set(
        store.db.table_names()
    )


def test_pragmas_wal_foreign_keys_timeout(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000


def test_ids_stay_text(store):
    with store.transaction() as conn:
        add_product(conn, "00042", "Leading zeros")
        add_product(conn, "42", "No zeros")

    rows = dict(store.conn.execute("SELECT sku, title FROM products").fetchall())
    assert rows == {"00042": "Leading zeros", "42": "No zeros"}


def test_transaction_rolls_back_whole(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            add_product(conn, "A")
            raise RuntimeError("stop")

    assert store.conn.execute("SELECT count(*) FROM products").fetchone()[0] == 0


def test_foreign_key_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO order_lines (order_ref, line_id, quantity) VALUES (999, '1', 1)"
            )


def test_reopen_keeps_data_and_version(tmp_path):
    path = tmp_path / "shop.db"
    with open_store(path, create=True) as first:
        with first.transaction() as conn:
            add_product(conn, "SKU-1")

    with open_store(path) as second:
        assert second.conn.execute("SELECT sku FROM products").fetchall() == [("SKU-1",)]
        assert schema.schema_version(second.conn) == schema.LATEST_VERSION


def test_missing_shop_message(tmp_path):
    with pytest.raises(ShopNotFoundError) as error:
        open_store(tmp_path / "nowhere" / "shop.db")
    assert "File > Open shop" in str(error.value)


def test_newer_schema_rejected(tmp_path):
    path = tmp_path / "shop.db"
    open_store(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 1}")
    conn.close()

    with pytest.raises(ShopTooNewError) as error:
        open_store(path)
    assert "Update Merchant Assistant" in str(error.value)


def test_running_import_marked_interrupted(tmp_path):
    path = tmp_path / "shop.db"
    with open_store(path, create=True) as shop:
        with shop.transaction() as conn:
            conn.execute(
                "INSERT INTO import_runs (file_name, file_path, started_at) "
                "VALUES ('orders.csv', '/tmp/orders.csv', ?)",
                (utc_now(),),
            )

    with open_store(path) as shop:
        status, message = shop.conn.execute(
            "SELECT status, message FROM import_runs"
        ).fetchone()
    assert status == "interrupted"
    assert "Import the file again" in message


def copy_case_files(source: Path, target: Path) -> None:
    # Opening a WAL database checkpoints it, so the read-only originals are copied first.
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        shutil.copy(item, target / item.name)
        (target / item.name).chmod(0o644)


def test_backup_includes_wal_commits(cases, tmp_path):
    copy_case_files(cases / "C49_sqlite", tmp_path / "copy")
    conn = sqlite3.connect(tmp_path / "copy" / "shop.db")
    assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 23

    backup = backup_database(conn, tmp_path / "backup" / "shop.db")
    conn.close()

    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT count(*) FROM orders").fetchone()[0] == 23
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not (tmp_path / "backup" / "shop.db.partial").exists()


def test_store_backup_copies_latest_commit(store, tmp_path):
    with store.transaction() as conn:
        add_product(conn, "SKU-1")

    backup = store.backup(tmp_path / "backups" / "copy.db")

    with open_store(backup) as copy:
        assert copy.conn.execute("SELECT count(*) FROM products").fetchone()[0] == 1


def test_damaged_shop_reported_untouched(cases, tmp_path):
    copy_case_files(cases / "C49_sqlite", tmp_path)
    damaged = tmp_path / "shop_corrupt.db"
    before = hashlib.sha256(damaged.read_bytes()).hexdigest()

    with pytest.raises(ShopDamagedError) as error:
        open_store(damaged)

    assert "damaged" in str(error.value)
    assert "backup" in str(error.value)
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == before


def test_foreign_sqlite_file_rejected(cases, tmp_path):
    copy_case_files(cases / "C49_sqlite", tmp_path)

    with pytest.raises(NotAShopError):
        open_store(tmp_path / "shop.db")


def test_text_file_not_a_shop(tmp_path):
    path = tmp_path / "shop.db"
    path.write_text("sku,name\n1,Mug\n")

    with pytest.raises(NotAShopError, match="not an SQLite database"):
        open_store(path)

    assert path.read_text() == "sku,name\n1,Mug\n"


def test_folder_not_a_shop(tmp_path):
    with pytest.raises(NotAShopError, match="it is a folder"):
        open_store(tmp_path)


def test_foreign_file_and_wal_untouched(cases, tmp_path):
    copy_case_files(cases / "C49_sqlite", tmp_path)
    before = {
        name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in ("shop.db", "shop.db-wal")
    }

    with pytest.raises(NotAShopError):
        open_store(tmp_path / "shop.db")

    for name, digest in before.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest


def test_unwritable_shop_access_message(tmp_path, monkeypatch):
    path = tmp_path / "shop.db"
    open_store(path, create=True).close()
    # Tests run as root in CI, where file modes do not stop writes.
    monkeypatch.setattr(os, "access", lambda target, mode: mode != os.W_OK)

    with pytest.raises(ShopAccessError, match="may not change it"):
        open_store(path)


def test_writers_wait_for_long_lock(tmp_path):
    """Four writers keep working while another connection holds the write lock 6 s."""
    path = tmp_path / "shop.db"
    open_store(path, create=True).close()
    holder = open_store(path)
    holder.conn.execute("BEGIN IMMEDIATE")
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            with open_store(path) as shop:
                for start in range(0, 500, 100):
                    with shop.transaction() as conn:
                        for number in range(start, start + 100):
                            add_product(conn, f"W{worker}-{number}")
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(6)
    reader = open_store(path)
    assert reader.conn.execute("SELECT count(*) FROM products").fetchone()[0] == 0
    holder.conn.execute("COMMIT")
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert reader.conn.execute("SELECT count(*) FROM products").fetchone()[0] == 2000
    reader.close()
    holder.close()


def test_engine_imports_without_qt():
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'ui', 'shiboken6'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pkgutil, importlib, engine\n"
        "for module in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
        "    if module.name != 'engine.__main__':\n"
        "        importlib.import_module(module.name)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_live_import_not_marked_interrupted(tmp_path):
    path = tmp_path / "shop.db"
    with open_store(path, create=True) as shop:
        with shop.transaction() as conn:
            conn.execute(
                "INSERT INTO import_runs (file_name, file_path, started_at, pid) "
                "VALUES ('orders.csv', '/tmp/orders.csv', ?, ?)",
                (utc_now(), os.getpid()),
            )

    with open_store(path) as shop:
        status = shop.conn.execute("SELECT status FROM import_runs").fetchone()[0]
    assert status == "running"


def test_top_products_skip_refunded(store, cases):
    from engine.importers import import_file
    from engine.store.queries import import_runs, top_products

    import_file(store, cases / "C06_shopify_orders_export.csv")

    skus = {product.sku for product in top_products(store)}
    assert "MUG-BLU-350" in skus
    assert "MUG-BLU-250" not in skus  # sold only in the refunded order
    assert import_runs(store)[0].warnings


def test_recent_customers_newest_first(store):
    from engine.store.queries import recent_customers

    now = utc_now()
    with store.transaction() as conn:
        for customer in ("C-1", "C-2", "C-3", "C-4"):
            conn.execute(
                "INSERT INTO customers (customer_id, name, source, created_at) "
                "VALUES (?, ?, 'test', ?)",
                (customer, f"Name {customer}", now),
            )
        for order_id, customer, ordered_at in [
            ("A-1", "C-2", "2024-01-05"),
            ("A-2", "C-1", "2024-03-01"),
            ("A-3", "C-2", "2024-02-01"),
            ("A-4", "C-3", None),
            ("A-5", None, "2024-04-01"),
        ]:
            conn.execute(
                "INSERT INTO orders (source, order_id, customer_id, ordered_at) "
                "VALUES ('test', ?, ?, ?)",
                (order_id, customer, ordered_at),
            )

    found = recent_customers(store, limit=3)
    everyone = recent_customers(store, limit=10)

    assert [customer.customer_id for customer in found] == ["C-1", "C-2", "C-3"]
    assert [customer.orders for customer in found] == [1, 2, 1]
    assert found[0].name == "Name C-1"
    assert [customer.customer_id for customer in everyone] == ["C-1", "C-2", "C-3", "C-4"]


def test_quick_check_once_per_file_version(cases, tmp_path, monkeypatch):
    from engine.store import connection

    path = tmp_path / "shop" / "shop.db"
    open_store(path, create=True).close()
    read_only_opens = []
    real_connect = connection.sqlite3.connect

    def counting_connect(database, *args, **kwargs):
        if "mode=ro" in str(database):
            read_only_opens.append(database)
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(connection.sqlite3, "connect", counting_connect)
    open_store(path).close()
    open_store(path).close()

    assert len(read_only_opens) == 1

    copy_case_files(cases / "C49_sqlite", tmp_path / "c49")
    os.replace(tmp_path / "c49" / "shop_corrupt.db", path)

    with pytest.raises(ShopDamagedError):
        open_store(path)
