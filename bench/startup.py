"""Start-up time: launch of main.py on the demo shop to its first painted window.

main.py reports the moment of its first paint when the environment variable
MERCHANT_ASSISTANT_STARTUP_REPORT names a file. It writes JSON there:

    {"window_shown_s": 1.23,          # seconds from process creation to first paint
     "window_shown_at": 1767000000.0, # time.time() at first paint
     "data_shown_at": 1767000000.4,   # time.time() once the shop's data is shown
     "is_data_shown": true,           # false when the shop could not be shown
     "imported_heavy_modules": []}    # which of torch, torchvision, gensim were loaded

The benchmark takes `window_shown_at` minus the time just before it launched the
process, which includes the interpreter start. It falls back to `window_shown_s`
when `window_shown_at` is missing. `data_shown_at` is optional and timed the same
way. Qt runs with QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.datasets import REPO_ROOT
from bench.runner import Row

REPORT_ENV = "MERCHANT_ASSISTANT_STARTUP_REPORT"
DATASET = "demo"
SYSTEM = "Merchant Assistant main.py"
HEAVY_MODULES = ("torch", "torchvision", "gensim")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shop",
        type=Path,
        default=None,
        help="shop file to open (default: a demo shop built in a temporary folder)",
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="number of launches (default 5)"
    )
    parser.add_argument(
        "--main", type=Path, default=REPO_ROOT / "main.py", help="script to launch"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for one launch"
    )


def run(args: argparse.Namespace) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        folder = Path(folder)
        shop = args.shop or _build_demo(folder / "demo" / "shop.db")
        launches = [
            _launch(args.main, shop, folder / f"run-{index}", args.timeout)
            for index in range(args.runs)
        ]

    return _summarize(launches)


@dataclass
class Launch:
    window_s: float
    data_s: float | None  # None when the app did not report its data as shown
    heavy_modules: list[str]


def _summarize(launches: list[Launch]) -> list[Row]:
    count = len(launches)
    window_times = [launch.window_s for launch in launches]
    data_times = [launch.data_s for launch in launches if launch.data_s is not None]
    heavy = sorted({name for launch in launches for name in launch.heavy_modules})
    setting = f"median of {count} launches, QT_QPA_PLATFORM=offscreen"

    rows = [
        Row(
            DATASET,
            SYSTEM,
            "ours",
            "window_s",
            statistics.median(window_times),
            setting,
        ),
        Row(
            DATASET,
            SYSTEM,
            "ours",
            "window_s_max",
            max(window_times),
            f"slowest of {count} launches",
        ),
    ]
    if data_times:
        rows.append(
            Row(
                DATASET,
                SYSTEM,
                "ours",
                "data_shown_s",
                statistics.median(data_times),
                f"median of {len(data_times)} of {count} launches that showed the shop",
            )
        )
    rows.append(
        Row(
            DATASET,
            SYSTEM,
            "ours",
            "heavy_modules_imported",
            len(heavy),
            ", ".join(heavy) if heavy else f"none of {', '.join(HEAVY_MODULES)}",
        )
    )
    return rows


def _build_demo(path: Path) -> Path:
    from engine.demo import build_demo_shop

    return build_demo_shop(path)


def _launch(main: Path, shop: Path, folder: Path, timeout: float) -> Launch:
    """Launch main.py once and time it from launch to first paint and to data shown."""
    folder.mkdir(parents=True)
    report = folder / "startup.json"
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env[REPORT_ENV] = str(report)
    # Logs and settings of the launched app go to the run's own folder.
    env["MERCHANT_ASSISTANT_HOME"] = str(folder / "home")
    command = [
        sys.executable,
        str(main),
        "--shop",
        str(shop),
        "--screenshot",
        str(folder / "window.png"),
    ]

    launched_at = time.time()
    try:
        completed = subprocess.run(
            command,
            cwd=main.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{main.name} timed out after {timeout:.0f} s") from None
    if completed.returncode != 0 or not report.is_file():
        raise RuntimeError(
            f"{main.name} exited with code {completed.returncode} and "
            f"{'wrote' if report.is_file() else 'did not write'} {REPORT_ENV}:\n"
            f"{completed.stderr[-4000:]}"
        )

    data = json.loads(report.read_text(encoding="utf-8"))
    if "window_shown_at" in data:
        window_s = float(data["window_shown_at"]) - launched_at
    else:
        window_s = float(data["window_shown_s"])
    data_s = None
    if "data_shown_at" in data and data.get("is_data_shown", True):
        data_s = float(data["data_shown_at"]) - launched_at
    heavy = [
        name for name in data.get("imported_heavy_modules", []) if name in HEAVY_MODULES
    ]
    return Launch(window_s, data_s, heavy)
