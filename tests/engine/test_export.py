"""CSV export: formula-like cells are escaped, numbers stay numbers."""

import csv

from engine.export import escape_cell, write_csv


def test_escape_formula_starts():
    for text in ("=1+1", "+44", "-cmd", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(text) == "'" + text


def test_plain_values_unchanged():
    assert escape_cell("Blue mug") == "Blue mug"
    assert escape_cell(-3) == -3
    assert escape_cell(None) == ""


def test_write_csv_round_trip(tmp_path):
    path = write_csv(tmp_path / "out.csv", ["a", "b"], [["=HYPERLINK(1)", 2.5]])
    rows = list(csv.reader(open(path, encoding="utf-8-sig")))
    assert rows == [["a", "b"], ["'=HYPERLINK(1)", "2.5"]]
    assert not (tmp_path / "out.csv.partial").exists()
