"""Processes killed with SIGKILL in the middle of an import, training or tagging.

Each test starts a real child process, kills it with no chance to clean up, and
opens the shop again as the app would on its next start.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.datasets import REPO_ROOT
from engine import modelstore
from engine.importers import import_file
from engine.store import open_store
from engine.store.backup import BEFORE_IMPORT, list_backups
from engine.store.queries import import_runs
from tests.reliability.shop_state import (
    row_count,
    shop_state,
    wait_until,
    write_orders_csv,
)

START_TIMEOUT_S = 60
# Orders of the synthetic shop that the training tests train on: about 9,000 lines
# of 997 customers and 500 products, which took 5 to 11 s to train on the loaded
# 2-core development machine.
TRAINING_ORDERS = 3000


def has_running_import(shop) -> bool:
    # A plain connection: open_store would mark the running import interrupted.
    try:
        conn = sqlite3.connect(shop, timeout=5)
        try:
            row = conn.execute(
                "SELECT count(*) FROM import_runs WHERE status = 'running'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return False
    return row[0] > 0


def running_training_pid(shop, kind: str) -> int | None:
    # A plain connection, for the same reason as in has_running_import.
    try:
        conn = sqlite3.connect(shop, timeout=5)
        try:
            row = conn.execute(
                "SELECT pid FROM training_runs WHERE kind = ? AND status = 'running'",
                (kind,),
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def start_engine(*arguments: str) -> subprocess.Popen:
    """Start `python -m engine ARGUMENTS` as it runs from the command line."""
    return subprocess.Popen(
        [sys.executable, "-m", "engine", *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def file_sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.2, 1.5])
def test_import_killed_leaves_shop_sound(tmp_path, cases, delay_s):
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        import_file(store, cases / "C06_shopify_orders_export.csv")
        before = shop_state(store.conn)
    source = tmp_path / "orders.csv"
    lines = write_orders_csv(source, 60_000)
    child = subprocess.Popen(
        [sys.executable, "-m", "engine", "import", str(source), "--shop", str(shop)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: has_running_import(shop) or child.poll() is not None,
            START_TIMEOUT_S,
            "the import run to start",
        )
        time.sleep(delay_s)
    finally:
        if child.poll() is None:
            kill(child)

    with open_store(shop) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        last = import_runs(store)[0]
        after = shop_state(store.conn)
        order_lines = store.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
    if last.status == "completed":
        assert order_lines == lines + 6
        return
    assert last.status == "interrupted"
    assert "Nothing from it was saved" in last.message
    assert after == before
    backups = [b for b in list_backups(shop) if b.reason == BEFORE_IMPORT]
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0].path)
    assert shop_state(copy) == before
    copy.close()


TRAINING_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from engine import modelstore
    from engine.store import open_store

    store = open_store(Path(sys.argv[1]))
    modelstore.start_training(store, "recommend")
    target = modelstore.model_file_path(store, "recommend", "ease", 2, ".json")
    with modelstore.write_model_file(target) as temporary:
        temporary.write_text('{"weights": [0.1, 0.2', encoding="utf-8")
        print("ready", flush=True)
        time.sleep(120)
    """
)


def test_training_killed_keeps_active_model(tmp_path):
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        first_file = modelstore.model_file_path(store, "recommend", "ease", 1, ".json")
        with modelstore.write_model_file(first_file) as temporary:
            temporary.write_text(json.dumps({"weights": [1.0]}), encoding="utf-8")
        kept = modelstore.register_model(
            store, name="ease", kind="recommend", version=1, metrics={"ndcg@10": 0.1},
            file=first_file, activate=True,
        )
    child = subprocess.Popen(
        [sys.executable, "-c", TRAINING_CHILD, str(shop)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
    finally:
        kill(child)

    with open_store(shop) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        run = modelstore.last_training_run(store, "recommend")
        active = modelstore.active_model(store, "recommend")
        second_file = modelstore.model_file_path(store, "recommend", "ease", 2, ".json")
    assert run["status"] == "interrupted"
    assert "did not change" in run["message"]
    assert active.id == kept
    assert json.loads(first_file.read_text(encoding="utf-8")) == {"weights": [1.0]}
    assert not second_file.exists()


def test_live_training_not_interrupted(tmp_path):
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        run_id = modelstore.start_training(store, "reviews")

    with open_store(shop) as store:
        run = modelstore.last_training_run(store, "reviews")
    assert run["status"] == "running"
    assert run["id"] == run_id


@pytest.fixture(scope="module")
def trained_orders_shop(tmp_path_factory):
    """A shop of synthetic orders with a trained recommendation model in use."""
    from engine.recommend.service import train_shop

    folder = tmp_path_factory.mktemp("trained")
    source = folder / "orders.csv"
    write_orders_csv(source, TRAINING_ORDERS, lines_per_order=3)
    shop = folder / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        import_file(store, source)
    train_shop(shop)
    return shop


def model_rows(store, kind: str) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, name, version, file, is_active FROM models WHERE kind = ? "
        "ORDER BY id",
        (kind,),
    ).fetchall()


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.5, 2.0])
def test_real_training_killed_keeps_model(trained_orders_shop, tmp_path, delay_s):
    shop = tmp_path / "shop" / "shop.db"
    shutil.copytree(trained_orders_shop.parent, shop.parent)
    with open_store(shop) as store:
        kept = modelstore.active_model(store, "recommend")
        rows_before = model_rows(store, "recommend")
        data_before = shop_state(store.conn)
    kept_sha256 = file_sha256(kept.file)

    child = start_engine("train", "--shop", str(shop))
    try:
        wait_until(
            lambda: running_training_pid(shop, "recommend") == child.pid
            or child.poll() is not None,
            START_TIMEOUT_S,
            "the training run to start",
        )
        time.sleep(delay_s)
    finally:
        if child.poll() is None:
            kill(child)

    with open_store(shop) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        run = modelstore.last_training_run(store, "recommend")
        active = modelstore.active_model(store, "recommend")
        rows_after = model_rows(store, "recommend")
        assert shop_state(store.conn) == data_before
    # Every model file named by a row exists, and every model file has a row; a
    # killed write leaves at most a hidden temporary file. Rows store file paths
    # relative to the shop folder, and models without a file store none.
    named = {shop.parent / row[3] for row in rows_after if row[3]}
    assert all(path.is_file() for path in named)
    folder = shop.parent / "models" / "recommend"
    visible = {path for path in folder.iterdir() if not path.name.startswith(".")}
    assert visible == named
    if run["status"] == "completed":
        # The machine was quick enough to finish before the kill.
        assert active.id != kept.id
        return
    assert run["status"] == "interrupted"
    assert "did not change" in run["message"]
    assert active.id == kept.id
    assert file_sha256(kept.file) == kept_sha256
    active_rows_before = [row for row in rows_before if row[4]]
    assert [row for row in rows_after if row[4]] == active_rows_before


@pytest.fixture(scope="module")
def tagger_shop(tmp_path_factory):
    """A shop of Luma gear photos with a trained category tagger in use."""
    from bench.datasets import luma_catalog_dir
    from engine.vision.service import train_tagger
    from tests.engine.test_vision_tagging import build_shop

    folder = tmp_path_factory.mktemp("tagger")
    shop = build_shop(folder, luma_catalog_dir())
    train_tagger(shop)
    return shop


def photo_rows(store) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, location, sha256 FROM product_photos WHERE source = 'dropped' "
        "ORDER BY id"
    ).fetchall()


@pytest.mark.slow
def test_tagging_killed_mid_batch(tagger_shop, tmp_path):
    from bench.datasets import luma_catalog_dir
    from engine.vision.service import tag_photos

    shop = tmp_path / "shop" / "shop.db"
    shutil.copytree(tagger_shop.parent, shop.parent)
    catalog_photos = {path.name for path in (shop.parent / "photos").rglob("*.jpg")}
    photos = [
        path
        for path in sorted((luma_catalog_dir() / "images").rglob("*.jpg"))
        if path.name not in catalog_photos
    ][:40]
    with open_store(shop) as store:
        models_before = model_rows(store, "vision")
        kept = modelstore.active_model(store, "vision")
    kept_sha256 = file_sha256(kept.file)

    child = start_engine("tag", *map(str, photos), "--shop", str(shop))
    try:
        # Killed as soon as the first batch of 8 photos is stored, while the
        # following batches are being tagged.
        wait_until(
            lambda: row_count(shop, "product_photos WHERE source = 'dropped'") > 0
            or child.poll() is not None,
            START_TIMEOUT_S * 3,
            "the first tagged photos",
        )
    finally:
        if child.poll() is None:
            kill(child)

    with open_store(shop) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = photo_rows(store)
        assert model_rows(store, "vision") == models_before
        assert modelstore.active_model(store, "vision").id == kept.id
    assert file_sha256(kept.file) == kept_sha256
    assert 0 < len(stored) < len(photos)
    # No row points at a missing or half-copied photo file.
    for _, location, sha256 in stored:
        assert file_sha256(shop.parent / location) == sha256

    # Dropping the same photos again tags all of them, those stored before the
    # kill included, and stores none twice.
    report = tag_photos(shop, photos)

    assert report.problems == []
    assert len(report.photos) == len(photos)
    assert all(photo.tags for photo in report.photos)
    with open_store(shop) as store:
        assert len(photo_rows(store)) == len(photos)
