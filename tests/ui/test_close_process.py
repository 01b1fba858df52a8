"""Closing or quitting during an import: clean exit, intact shop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.shops import count_rows, integrity_check

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_driver(shop: Path, mode: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", MERCHANT_ASSISTANT_HOME=str(home)
    )
    return subprocess.run(
        [sys.executable, "-m", "tests.ui.close_driver", str(shop), mode],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["close", "quit", "exit"])
def test_stop_during_import_exits_cleanly(empty_shop, tmp_path, mode):
    completed = run_driver(empty_shop, mode, tmp_path / "home")

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
    assert count_rows(empty_shop, "customers") == 0
