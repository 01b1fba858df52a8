"""The recommendation benchmark on a tiny Groceries slice; quality is not checked."""

from __future__ import annotations

import argparse

import pytest

from bench import recommend

EXPECTED_METRICS = {"ndcg@10", "hr@10", "recall@20", "coverage@10", "train_s", "latency_p95_ms", "peak_rss_mb"}


def test_dataset_option_picks_one():
    parser = argparse.ArgumentParser()
    recommend.add_arguments(parser)
    assert parser.parse_args(["--dataset", "groceries"]).datasets == ["groceries"]
    assert parser.parse_args([]).datasets is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--dataset", "netflix"])


@pytest.mark.slow
def test_run_split_rows_on_groceries_slice(shared_data, capsys):
    split = recommend.load_groceries(max_baskets=600)
    rows = recommend.run_split("groceries", split, bootstrap=20)

    systems = {row.system for row in rows}
    assert any(system.startswith("ours: selected") for system in systems)
    assert {"popularity", "implicit ALS", "implicit BPR", "implicit cosine item-kNN", "plain EASE"} <= systems
    for system in systems:
        metrics = {row.metric for row in rows if row.system == system}
        assert EXPECTED_METRICS <= metrics, system
    assert all(row.dataset == "groceries" for row in rows)
    progress = capsys.readouterr().err
    assert "groceries: plain EASE: NDCG@10" in progress
