"""Automatic backups before imports and schema upgrades, pruning, and restoring."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from engine import paths
from engine.errors import RestoreError, ShopDamagedError, ShopDamagedWithBackupError
from engine.importers import import_file
from engine.store import open_store, schema
from engine.store.backup import (
    AUTOMATIC_BACKUPS_KEPT,
    BACKUPS_FOLDER,
    BEFORE_IMPORT,
    BEFORE_RESTORE,
    BEFORE_UPGRADE,
    DAMAGED,
    automatic_backup,
    list_backups,
    restore_backup,
)
from engine.store.errors import ShopUpgradeError
from tests.reliability.shop_state import copy_read_only_files, row_count, shop_state

ORDERS = "C10_orders_duplicates.csv"
PRODUCTS = "C05_shopify_products_export.csv"


def test_empty_shop_import_not_backed_up(store, cases):
    report = import_file(store, cases / ORDERS)

    assert report.backup is None
    assert list_backups(store.path) == []


def test_import_backs_up_shop_first(store, cases):
    import_file(store, cases / ORDERS)
    before = shop_state(store.conn)

    report = import_file(store, cases / PRODUCTS)

    assert report.backup is not None
    assert report.backup.parent == store.folder / BACKUPS_FOLDER
    assert f"_{BEFORE_IMPORT}" in report.backup.name
    copy = sqlite3.connect(report.backup)
    assert shop_state(copy) == before
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert [backup.path for backup in list_backups(store.path)] == [report.backup]


def test_import_without_backup_option(store, cases):
    import_file(store, cases / ORDERS)

    report = import_file(store, cases / PRODUCTS, backup=False)

    assert report.backup is None
    assert list_backups(store.path) == []


def test_only_newest_backups_kept(store, cases):
    import_file(store, cases / ORDERS)
    made = [
        automatic_backup(store.conn, store.path, BEFORE_IMPORT)
        for _ in range(AUTOMATIC_BACKUPS_KEPT + 3)
    ]
    kept_by_owner = store.folder / BACKUPS_FOLDER / "my copy.db"
    kept_by_owner.write_bytes(made[0].read_bytes() if made[0].exists() else b"")

    automatic_backup(store.conn, store.path, BEFORE_IMPORT)

    automatic = [b for b in list_backups(store.path) if b.reason == BEFORE_IMPORT]
    assert len(automatic) == AUTOMATIC_BACKUPS_KEPT
    assert kept_by_owner.exists()
    assert not made[0].exists()
    assert made[-1].exists()


def test_backup_names_unique_within_second(store, cases):
    import_file(store, cases / ORDERS)

    first = automatic_backup(store.conn, store.path, BEFORE_IMPORT)
    second = automatic_backup(store.conn, store.path, BEFORE_IMPORT)

    assert first != second
    assert first.exists()
    assert second.exists()


def make_old_shop(path, version: int, sku: str = "MUG-1"):
    """Create a shop file at schema `version` with one product."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for migration in schema.MIGRATIONS[:version]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO products (sku, title, source, created_at, updated_at) "
        "VALUES (?, 'Mug', 'test', 'now', 'now')",
        (sku,),
    )
    conn.execute("COMMIT")
    conn.close()


def break_last_migration(monkeypatch, error: Exception) -> None:
    """Make the migration to the latest schema create a table, then raise `error`."""

    def broken_migration(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise error

    migrations = [*schema.MIGRATIONS[:-1], broken_migration]
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)


def test_failed_upgrade_keeps_old_file_and_backup(tmp_path, monkeypatch):
    path = tmp_path / "shop" / "shop.db"
    previous = schema.LATEST_VERSION - 1
    make_old_shop(path, previous)
    break_last_migration(monkeypatch, RuntimeError("migration stopped"))

    with pytest.raises(ShopUpgradeError):
        open_store(path)

    conn = sqlite3.connect(path)
    assert schema.schema_version(conn) == previous
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    conn.close()
    backups = [b for b in list_backups(path) if b.reason == BEFORE_UPGRADE]
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0].path)
    assert schema.schema_version(copy) == previous
    assert copy.execute("SELECT sku FROM products").fetchall() == [("MUG-1",)]
    copy.close()


def test_failed_upgrade_message_names_backup(tmp_path, monkeypatch):
    path = tmp_path / "shop" / "shop.db"
    previous = schema.LATEST_VERSION - 1
    make_old_shop(path, previous)
    break_last_migration(monkeypatch, RuntimeError("migration stopped"))

    with pytest.raises(ShopUpgradeError) as raised:
        open_store(path)

    backup = list_backups(path)[0].path
    latest = schema.LATEST_VERSION
    assert raised.value.backup == backup
    assert str(raised.value) == (
        f"Merchant Assistant could not update the shop file {path} from schema "
        f"{previous} to {latest} (migration stopped). The shop file was left "
        f"unchanged at schema {previous}. "
        f"A copy of the shop from before the update is kept at {backup}. Open the "
        "shop again. If the update fails again, send the log file "
        f"{paths.log_file()} to the person who looks after your Merchant Assistant."
    )


def test_failed_upgrade_not_called_access_problem(tmp_path, monkeypatch):
    # A failing ALTER TABLE raises OperationalError, the class SQLite also raises
    # for a file that cannot be written, but the owner's problem is the update.
    path = tmp_path / "shop" / "shop.db"
    make_old_shop(path, 2)
    break_last_migration(
        monkeypatch, sqlite3.OperationalError("duplicate column name: rebuyable")
    )

    with pytest.raises(ShopUpgradeError) as raised:
        open_store(path)

    message = str(raised.value)
    assert "(duplicate column name: rebuyable)" in message
    assert "cannot be opened for changes" not in message
    assert str(list_backups(path)[0].path) in message


def test_failed_upgrade_disk_full_advice(tmp_path, monkeypatch):
    path = tmp_path / "shop" / "shop.db"
    make_old_shop(path, 2)
    break_last_migration(
        monkeypatch, sqlite3.OperationalError("database or disk is full")
    )

    with pytest.raises(ShopUpgradeError) as raised:
        open_store(path)

    assert str(raised.value).endswith("Free some disk space, then open the shop again.")


def test_failed_upgrade_reports_saved_steps(tmp_path, monkeypatch):
    path = tmp_path / "shop" / "shop.db"
    latest = schema.LATEST_VERSION
    make_old_shop(path, latest - 2)
    break_last_migration(monkeypatch, RuntimeError("migration stopped"))

    with pytest.raises(ShopUpgradeError) as raised:
        open_store(path)

    assert raised.value.version_now == latest - 1
    assert (
        f"from schema {latest - 2} to {latest} (migration stopped). The update "
        f"stopped after schema {latest - 1}, which was saved." in str(raised.value)
    )
    conn = sqlite3.connect(path)
    assert schema.schema_version(conn) == latest - 1
    conn.close()


def test_failed_upgrade_of_empty_shop_says_no_backup(tmp_path, monkeypatch):
    path = tmp_path / "shop" / "shop.db"
    make_old_shop(path, 2)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM products")
    conn.commit()
    conn.close()
    break_last_migration(monkeypatch, RuntimeError("migration stopped"))

    with pytest.raises(ShopUpgradeError) as raised:
        open_store(path)

    assert raised.value.backup is None
    assert (
        "No backup was made, because the shop had no products, orders or reviews."
        in str(raised.value)
    )
    assert list_backups(path) == []


def test_failed_upgrade_can_be_retried(tmp_path, monkeypatch):
    path = tmp_path / "shop" / "shop.db"
    make_old_shop(path, 2)
    with monkeypatch.context() as patch:
        break_last_migration(patch, RuntimeError("migration stopped"))
        with pytest.raises(ShopUpgradeError):
            open_store(path)

    with open_store(path) as store:
        assert schema.schema_version(store.conn) == schema.LATEST_VERSION
        assert store.conn.execute("SELECT sku FROM products").fetchall() == [("MUG-1",)]


@pytest.mark.parametrize("version", [1, 2])
def test_upgrade_backs_up_old_version(tmp_path, version):
    path = tmp_path / "old" / "shop.db"
    make_old_shop(path, version)

    with open_store(path) as store:
        assert schema.schema_version(store.conn) == schema.LATEST_VERSION
        assert store.conn.execute("SELECT title FROM products").fetchall() == [("Mug",)]

    backups = list_backups(path)
    assert [b.reason for b in backups] == [BEFORE_UPGRADE]
    copy = sqlite3.connect(backups[0].path)
    assert schema.schema_version(copy) == version
    assert copy.execute("SELECT sku FROM products").fetchall() == [("MUG-1",)]
    copy.close()


def test_latest_version_open_makes_no_backup(tmp_path, cases):
    path = tmp_path / "shop" / "shop.db"
    with open_store(path, create=True) as store:
        import_file(store, cases / ORDERS)

    open_store(path).close()

    assert list_backups(path) == []


# Restore


def two_state_shop(tmp_path, cases):
    """Return (shop path, backup path, state in the backup, state now)."""
    path = tmp_path / "shop" / "shop.db"
    with open_store(path, create=True) as store:
        import_file(store, cases / ORDERS)
        old_state = shop_state(store.conn)
        report = import_file(store, cases / PRODUCTS)
        new_state = shop_state(store.conn)
    return path, report.backup, old_state, new_state


def test_restore_replaces_shop(tmp_path, cases):
    path, backup, old_state, new_state = two_state_shop(tmp_path, cases)
    assert old_state != new_state

    result = restore_backup(path, backup)

    with open_store(path) as store:
        assert shop_state(store.conn) == old_state
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert f"_{BEFORE_RESTORE}" in result.previous_shop.name
    previous = sqlite3.connect(result.previous_shop)
    assert shop_state(previous) == new_state
    previous.close()
    assert not path.with_name("shop.db.restoring").exists()


def test_restore_refused_while_shop_open(tmp_path, cases):
    path, backup, _old, new_state = two_state_shop(tmp_path, cases)
    reader = open_store(path)
    try:
        with pytest.raises(RestoreError, match="in use by a running job"):
            restore_backup(path, backup)
        assert shop_state(reader.conn) == new_state
    finally:
        reader.close()
    assert [b.reason for b in list_backups(path)] == [BEFORE_IMPORT]
    assert not path.with_name("shop.db.restoring").exists()


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"order_id,sku\nA-1,MUG\n", "not a readable shop file"),
        (None, "not a Merchant Assistant shop"),
    ],
)
def test_restore_rejects_non_shop(tmp_path, cases, content, problem):
    path, _backup, _old, new_state = two_state_shop(tmp_path, cases)
    other = tmp_path / "other.db"
    if content is None:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE notes (text)")
        conn.commit()
        conn.close()
    else:
        other.write_bytes(content)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(RestoreError, match=problem):
        restore_backup(path, other)

    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    with open_store(path) as store:
        assert shop_state(store.conn) == new_state


def test_restore_rejects_damaged_backup(tmp_path, cases):
    path, _backup, _old, _new = two_state_shop(tmp_path, cases)
    damaged = copy_read_only_files(cases / "C49_sqlite", tmp_path / "c49") / "shop_corrupt.db"

    with pytest.raises(RestoreError, match="damaged|not a readable"):
        restore_backup(path, damaged)

    assert row_count(path, "order_lines") == 4


def test_damaged_shop_offers_backup(tmp_path, cases):
    path, backup, old_state, _new = two_state_shop(tmp_path, cases)
    damaged = copy_read_only_files(cases / "C49_sqlite", tmp_path / "c49") / "shop_corrupt.db"
    path.write_bytes(damaged.read_bytes())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(ShopDamagedWithBackupError) as caught:
        open_store(path)

    assert isinstance(caught.value, ShopDamagedError)
    assert "File > Restore from a backup…" in str(caught.value)
    assert backup.name in str(caught.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_restore_over_damaged_shop_keeps_it(tmp_path, cases):
    path, backup, old_state, _new = two_state_shop(tmp_path, cases)
    damaged_bytes = (cases / "C49_sqlite" / "shop_corrupt.db").read_bytes()
    path.write_bytes(damaged_bytes)

    result = restore_backup(path, backup)

    assert f"_{DAMAGED}" in result.previous_shop.name
    assert result.previous_shop.read_bytes() == damaged_bytes
    with open_store(path) as store:
        assert shop_state(store.conn) == old_state


def test_restore_older_schema_upgrades(tmp_path, cases):
    old = tmp_path / "old" / "shop.db"
    make_old_shop(old, 1, sku="OLD-1")
    path, _backup, _old, _new = two_state_shop(tmp_path, cases)

    restore_backup(path, old)

    with open_store(path) as store:
        assert schema.schema_version(store.conn) == schema.LATEST_VERSION
        assert store.conn.execute("SELECT sku FROM products").fetchall() == [("OLD-1",)]
