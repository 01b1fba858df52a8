"""The benchmark runner's output format, on tiny inputs; speed is not checked here."""

from __future__ import annotations

import gzip
import json
import sys
import textwrap
from pathlib import Path

import pytest

from bench import runner

ROW_KEYS = {"dataset", "system", "role", "metric", "value", "setting"}


def check_result_structure(data: dict, benchmark: str) -> None:
    assert set(data) == {"benchmark", "machine", "rows"}
    assert data["benchmark"] == benchmark
    assert "Python" in data["machine"]
    assert data["rows"]
    for row in data["rows"]:
        assert set(row) == ROW_KEYS
        assert row["role"] in ("ours", "peer")
        assert isinstance(row["value"], float)
        assert isinstance(row["dataset"], str) and row["dataset"]


@pytest.fixture
def tiny_invoices(shared_data, tmp_path) -> Path:
    """The first 200 lines of one day of UCI Online Retail, gzip-compressed."""
    day = shared_data / "uci-online-retail" / "sample_by-day_2010-12-01.csv"
    lines = day.read_text(encoding="utf-8").splitlines(keepends=True)[:201]
    path = tmp_path / "tiny.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as file:
        file.writelines(lines)
    return path


def test_import_bench_json(tiny_invoices, tmp_path, capsys):
    out = tmp_path / "import.json"

    exit_code = runner.main(
        ["import", "--file", str(tiny_invoices), "--runs", "2", "--json", str(out)]
    )

    assert exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    check_result_structure(data, "import")
    found = {(row["role"], row["metric"]) for row in data["rows"]}
    for role in ("ours", "peer"):
        for metric in ("rows_per_s", "seconds", "peak_rss_mb"):
            assert (role, metric) in found
    settings = {row["setting"] for row in data["rows"]}
    assert settings == {"200 rows, fresh SQLite file, 1 process, 2 runs"}
    peer_systems = {row["system"] for row in data["rows"] if row["role"] == "peer"}
    assert peer_systems == {"pandas read_csv + to_sql"}
    assert "rows_per_s" in capsys.readouterr().out


STUB_MAIN = textwrap.dedent(
    """
    import json, os, sys, time
    assert sys.argv[1] == "--shop"
    assert sys.argv[3] == "--screenshot"
    with open(os.environ["MERCHANT_ASSISTANT_STARTUP_REPORT"], "w") as file:
        now = time.time()
        json.dump({"window_shown_s": 0.25, "window_shown_at": now,
                   "data_shown_at": now + 0.5, "is_data_shown": True,
                   "imported_heavy_modules": ["torch"]}, file)
    """
)


def test_startup_bench_json(tmp_path):
    stub = tmp_path / "stub_main.py"
    stub.write_text(STUB_MAIN, encoding="utf-8")
    out = tmp_path / "startup.json"

    exit_code = runner.main(
        [
            "startup",
            "--shop",
            str(tmp_path / "unused.db"),
            "--main",
            str(stub),
            "--runs",
            "2",
            "--json",
            str(out),
        ]
    )

    assert exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    check_result_structure(data, "startup")
    rows = {row["metric"]: row for row in data["rows"]}
    assert rows["window_s"]["dataset"] == "demo"
    assert 0.0 < rows["window_s"]["value"] < 30.0
    assert rows["data_shown_s"]["value"] > rows["window_s"]["value"]
    assert rows["heavy_modules_imported"]["value"] == 1.0
    assert rows["heavy_modules_imported"]["setting"] == "torch"


def test_startup_bench_missing_report(tmp_path):
    stub = tmp_path / "silent_main.py"
    stub.write_text("pass\n", encoding="utf-8")

    with pytest.raises(RuntimeError, match="did not write"):
        runner.main(
            [
                "startup",
                "--shop",
                str(tmp_path / "unused.db"),
                "--main",
                str(stub),
                "--runs",
                "1",
            ]
        )


def test_row_rejects_unknown_role():
    with pytest.raises(ValueError, match="role"):
        runner.Row("demo", "x", "baseline", "window_s", 1.0)


def test_table_lists_every_row():
    rows = [
        runner.Row("demo", "ours-system", "ours", "window_s", 1.5, "median of 5"),
        runner.Row("demo", "peer-system", "peer", "window_s", 2.0),
    ]
    result = runner.BenchmarkResult("startup", runner.machine_description(), rows)

    table = runner.format_table(result).splitlines()

    assert len(table) == 1 + 2 + len(rows)
    assert "ours-system" in table[3]
    assert "peer-system" in table[4]


def test_machine_description_fields():
    description = runner.machine_description()

    assert "cores" in description
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in description
