"""Processes killed with SIGKILL in the middle of an import or a training run.

Each test starts a real child process, kills it with no chance to clean up, and
opens the shop again as the app would on its next start.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from bench.datasets import REPO_ROOT
from engine import modelstore
from engine.importers import import_file
from engine.store import open_store
from engine.store.backup import BEFORE_IMPORT, list_backups
from engine.store.queries import import_runs
from tests.reliability.shop_state import shop_state, wait_until, write_orders_csv

START_TIMEOUT_S = 60
# Further kinds of job (tagging photos, for one) add a child script here that
# prints "ready" once it holds its run 'running', plus a check after the kill.


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
