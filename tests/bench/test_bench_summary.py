"""The Markdown tables that bench.summary makes from benchmark JSON rows."""

from __future__ import annotations

import json

from bench import summary

ROWS = [
    {"dataset": "d1", "system": "ours", "role": "ours", "metric": "ndcg@10", "value": 0.1234,
     "setting": "split A; 95% CI 0.1100-0.1400"},
    {"dataset": "d1", "system": "ours", "role": "ours", "metric": "train_s", "value": 25.78,
     "setting": "split A; load average 1.2"},
    {"dataset": "d1", "system": "peer", "role": "peer", "metric": "ndcg@10", "value": 0.05,
     "setting": "split A"},
    {"dataset": "d1", "system": "ours", "role": "ours", "metric": "top1", "value": 0.7,
     "setting": "5-per-class"},
    {"dataset": "d1", "system": "ours", "role": "ours", "metric": "top1", "value": 0.8,
     "setting": "10-per-class"},
]


def test_table_rows_and_intervals():
    table = summary.markdown_table(ROWS, ["ndcg@10", "train_s"]).splitlines()
    assert table[0] == "| data set | system | role | ndcg@10 | train_s |"
    assert table[2] == "| d1 | ours | ours | 0.123 (0.110–0.140) | 25.8 |"
    assert table[3] == "| d1 | peer | peer | 0.050 | – |"
    assert len(table) == 4


def test_table_by_setting():
    table = summary.markdown_table(ROWS, ["top1"], by_setting=True).splitlines()
    assert "| d1 | ours | ours | 5-per-class | 0.700 |" in table
    assert "| d1 | ours | ours | 10-per-class | 0.800 |" in table


def test_command_file_and_missing_file(tmp_path, capsys):
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"benchmark": "x", "machine": "test machine", "rows": ROWS}))
    assert summary.main([str(path), "--metrics", "ndcg@10"]) == 0
    output = capsys.readouterr().out
    assert "Machine: test machine" in output
    assert "0.123 (0.110–0.140)" in output
    assert summary.main([str(tmp_path / "missing.json")]) == 1
    assert "Run the benchmark with --json first" in capsys.readouterr().err
