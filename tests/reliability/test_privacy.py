"""Shop files readable by their owner only, and file names from imports kept as data."""

from __future__ import annotations

import os
import stat

import pytest

from engine import modelstore, paths
from engine.importers import import_file
from engine.store import open_store
from engine.store.backup import automatic_backup, BEFORE_IMPORT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_shop_files_private(tmp_path, cases):
    shop = tmp_path / "new shop" / "shop.db"
    with open_store(shop, create=True) as store:
        import_file(store, cases / "C10_orders_duplicates.csv")
        modelstore.model_dir(store, "recommend")
        backup = automatic_backup(store.conn, shop, BEFORE_IMPORT)
        for suffix in ("", "-wal", "-shm"):
            assert mode(shop.with_name("shop.db" + suffix)) == 0o600, suffix
    assert mode(shop.parent) == 0o700
    assert mode(backup) == 0o600
    assert mode(backup.parent) == 0o700

    open_store(shop).close()

    assert mode(shop.parent / "models") == 0o700


def test_existing_shop_made_private(tmp_path):
    shop = tmp_path / "shop.db"
    open_store(shop, create=True).close()
    shop.chmod(0o644)
    (tmp_path / "models").mkdir(mode=0o755)
    (tmp_path / "models").chmod(0o755)

    with open_store(shop):
        assert mode(shop) == 0o600
        assert mode(shop.with_name("shop.db-wal")) == 0o600
    assert mode(tmp_path / "models") == 0o700


def test_existing_folder_mode_kept(tmp_path):
    # A shop saved in a folder the owner already had (Documents) leaves that
    # folder's mode alone; only files and folders the app creates are changed.
    tmp_path.chmod(0o755)
    open_store(tmp_path / "shop.db", create=True).close()

    assert mode(tmp_path) == 0o755


def test_user_data_folders_private(isolated_home):
    assert mode(paths.data_dir()) == 0o700
    assert mode(paths.shops_dir()) == 0o700


def test_manual_backup_private(store, tmp_path):
    backup = store.backup(tmp_path / "elsewhere" / "copy.db")

    assert mode(backup) == 0o600


HOSTILE_LOCATIONS = [
    "../../../../outside/escaped.jpg",
    "/tmp/absolute-escape.jpg",
    "..\\..\\windows-escape.jpg",
    "file:///etc/passwd",
    "photos/../../../outside/dotdot.jpg",
]


def files_under(folder):
    return {path for path in folder.rglob("*")}


def test_photo_paths_stored_not_written(tmp_path):
    workspace = tmp_path / "workspace"
    shop_folder = workspace / "shop"
    source = workspace / "products.csv"
    workspace.mkdir()
    rows = ["sku,name,price,image"]
    for number, location in enumerate(HOSTILE_LOCATIONS):
        rows.append(f'SKU-{number},Mug {number},4.50,"{location}"')
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = files_under(workspace)

    with open_store(shop_folder / "shop.db", create=True) as store:
        report = import_file(store, source)
        stored = [
            row[0]
            for row in store.conn.execute(
                "SELECT location FROM product_photos ORDER BY product_sku"
            )
        ]

    assert report.imported == len(HOSTILE_LOCATIONS)
    assert stored == HOSTILE_LOCATIONS
    created = files_under(workspace) - before
    assert all(shop_folder in path.parents or path == shop_folder for path in created)
    assert not (tmp_path / "outside").exists()
    assert not os.path.exists("/tmp/absolute-escape.jpg")


def test_hostile_import_file_name_stays_in_record(tmp_path, cases):
    folder = tmp_path / "exports"
    folder.mkdir()
    hostile = folder / "..;rm -rf ~;'orders'.csv"
    hostile.write_bytes((cases / "C10_orders_duplicates.csv").read_bytes())
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        import_file(store, cases / "C06_shopify_orders_export.csv")
        report = import_file(store, hostile)
        name = store.conn.execute(
            "SELECT file_name FROM import_runs WHERE id = ?", (report.run_id,)
        ).fetchone()[0]

    assert name == hostile.name
    assert report.backup.parent == shop.parent / "backups"
    assert "rm" not in report.backup.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "shop"]
