"""main.py: arguments, screenshot mode, logging and what start-up imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from main import parse_args
from tests.ui.shops import seed_shop
from ui.main_window import DEFAULT_SIZE

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_main(args: list[str], home: Path, extra_env: dict | None = None):
    env = dict(os.environ, MERCHANT_ASSISTANT_HOME=str(home), **(extra_env or {}))
    # main.py must choose the offscreen platform by itself for --screenshot.
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tab_argument_ignores_case():
    assert parse_args(["--tab", "Photos"]).tab == "photos"


def test_unknown_tab_is_rejected(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--tab", "settings"])

    assert "invalid choice: 'settings'" in capsys.readouterr().err


def test_screenshot_writes_png_of_window_size(tmp_path):
    shop = seed_shop(tmp_path / "seeded" / "shop.db")
    output = tmp_path / "shot.png"
    home = tmp_path / "home"

    completed = run_main(
        ["--shop", str(shop), "--screenshot", str(output), "--tab", "Overview"], home
    )

    assert completed.returncode == 0, completed.stderr
    image = QImage(str(output))
    assert not image.isNull()
    assert (image.width(), image.height()) == DEFAULT_SIZE
    log_text = (home / "logs" / "merchant-assistant.log").read_text(encoding="utf-8")
    assert f"Saved a screenshot to {output}" in log_text


def test_screenshot_of_missing_shop_fails(tmp_path):
    missing = tmp_path / "nowhere" / "shop.db"
    output = tmp_path / "shot.png"

    completed = run_main(
        ["--shop", str(missing), "--screenshot", str(output)], tmp_path / "home"
    )

    assert completed.returncode == 1
    assert "The shop could not be shown" in completed.stderr
    assert output.exists()


def test_startup_does_not_import_heavy_modules(tmp_path):
    shop = seed_shop(tmp_path / "seeded" / "shop.db")
    report = tmp_path / "startup.json"

    completed = run_main(
        ["--shop", str(shop), "--screenshot", str(tmp_path / "shot.png")],
        tmp_path / "home",
        {"MERCHANT_ASSISTANT_STARTUP_REPORT": str(report)},
    )

    assert completed.returncode == 0, completed.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["is_data_shown"] is True
    assert data["imported_heavy_modules"] == []
    assert data["window_shown_s"] > 0
    assert data["data_shown_s"] >= data["window_shown_s"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT needs a POSIX terminal")
def test_ctrl_c_closes_window_cleanly(tmp_path):
    import signal
    import time

    shop = seed_shop(tmp_path / "seeded" / "shop.db")
    home = tmp_path / "home"
    env = dict(
        os.environ, MERCHANT_ASSISTANT_HOME=str(home), QT_QPA_PLATFORM="offscreen"
    )
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "main.py"), "--shop", str(shop)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log_path = home / "logs" / "merchant-assistant.log"
    try:
        deadline = time.monotonic() + 60
        while not overview_loaded(log_path):
            if time.monotonic() > deadline:
                pytest.fail("the window did not show the shop within 60 s")
            time.sleep(0.1)

        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, stderr
    assert "KeyboardInterrupt" not in stderr
    log_text = log_path.read_text(encoding="utf-8")
    assert "Interrupted from the terminal, closing the window" in log_text


def overview_loaded(log_path: Path) -> bool:
    if not log_path.exists():
        return False
    text = log_path.read_text(encoding="utf-8")
    return (
        re.search(r"Job finished in [\d.]+ s: Loading the overview", text) is not None
    )
