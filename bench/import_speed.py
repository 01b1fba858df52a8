"""Import speed and peak memory: UCI Online Retail into a fresh shop, against pandas.

Each run of each system is its own child process, so the peak resident set size
(RSS) is that process's own: interpreter, libraries and the import itself. Times
cover the import call only, not the interpreter start or the library imports.
rows_per_s is the row count divided by the median time of the runs.

- ours: `engine.importers.import_file` into a new shop file.
- peer: pandas `read_csv` then `DataFrame.to_sql` into a new SQLite file, one
  table, no checks; the plainest way to get the same rows into SQLite.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets
from bench.runner import Row

DATASET = "uci-online-retail"
OUR_SYSTEM = "Merchant Assistant import_file"
PEER_SYSTEM = "pandas read_csv + to_sql"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        help="invoice file to import (default: the full UCI Online Retail file)",
    )
    parser.add_argument(
        "--dataset", default=DATASET, help="data set name written in the result rows"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs per system; times are medians, peak RSS the maximum (default 3)",
    )


def run(args: argparse.Namespace) -> list[Row]:
    source = args.file or datasets.uci_online_retail()
    if not source.is_file():
        raise SystemExit(
            f"Invoice file not found: {source}. Set MERCHANT_ASSISTANT_DATA."
        )

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        for role, system in (("ours", OUR_SYSTEM), ("peer", PEER_SYSTEM)):
            runs = [
                _run_child(role, source, Path(folder) / f"{role}-{index}.db")
                for index in range(args.runs)
            ]
            rows += _summarize(args.dataset, system, role, runs)
    return rows


def _summarize(dataset: str, system: str, role: str, runs: list[dict]) -> list[Row]:
    row_count = runs[0]["rows"]
    seconds = statistics.median(run["seconds"] for run in runs)
    peak_rss_mb = max(run["peak_rss_mb"] for run in runs)
    setting = f"{row_count:,} rows, fresh SQLite file, 1 process, {len(runs)} runs"
    return [
        Row(dataset, system, role, "rows_per_s", row_count / seconds, setting),
        Row(dataset, system, role, "seconds", seconds, setting),
        Row(dataset, system, role, "peak_rss_mb", peak_rss_mb, setting),
    ]


def _run_child(role: str, source: Path, target: Path) -> dict:
    result_file = target.with_suffix(".json")
    command = [
        sys.executable,
        "-m",
        "bench.import_speed",
        role,
        str(source),
        str(target),
        str(result_file),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=datasets.REPO_ROOT
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"The {role} import of {source} failed with exit code "
            f"{completed.returncode}:\n{completed.stderr[-4000:]}"
        )
    return json.loads(result_file.read_text(encoding="utf-8"))


def _import_ours(source: Path, target: Path) -> int:
    from engine.importers import import_file
    from engine.store import open_store

    store = open_store(target, create=True)
    try:
        report = import_file(store, source)
    finally:
        store.close()
    if report.status != "completed":
        raise RuntimeError(f"import ended with status {report.status!r}")
    return report.rows_read


def _import_peer(source: Path, target: Path) -> int:
    import sqlite3

    import pandas

    frame = pandas.read_csv(source)
    connection = sqlite3.connect(target)
    try:
        frame.to_sql("online_retail", connection, index=False)
        connection.commit()
    finally:
        connection.close()
    return len(frame)


def _child_main(role: str, source: Path, target: Path, result_file: Path) -> None:
    # Import the libraries before the clock starts, so only the import is timed.
    if role == "ours":
        import engine.importers  # noqa: F401
        import engine.store  # noqa: F401

        work = _import_ours
    else:
        import pandas  # noqa: F401

        work = _import_peer

    started = time.perf_counter()
    row_count = work(source, target)
    seconds = time.perf_counter() - started

    # ru_maxrss is in KiB on Linux.
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"rows": row_count, "seconds": seconds, "peak_rss_mb": peak_rss_mb}
    result_file.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    _child_main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
