"""Benchmark helpers: word error rate, ranking metrics, the catalog and the data."""

from __future__ import annotations

import pytest

from bench import voice


def test_word_errors_normalise_numbers():
    assert voice.word_errors("go forward ten meters", "Go forward 10 meters.") == (0, 4)


def test_word_errors_count_edits():
    assert voice.word_errors("seven of clubs", "seven clubs") == (1, 3)


def test_ranking_metrics():
    metrics = voice.ranking_metrics([1, 2, None, 6])
    assert metrics["hit@1"] == 0.25
    assert metrics["hit@5"] == 0.5
    assert metrics["mrr"] == pytest.approx((1 + 0.5 + 1 / 6) / 4)


def test_queries_and_slices(shared_data):
    queries = voice.spoken_queries(120)
    assert len(queries) == 120
    assert all(query.file.exists() for query in queries)
    assert len(voice.digit_slice(1)) == 30


def test_noise_files_written(tmp_path, cases):
    files = voice.silence_and_noise(tmp_path)
    assert len(files) == 6
    assert all(path.exists() for _, path in files)


def test_half_rows_split_even_and_odd():
    latencies = [0.5, 0.7, 0.5, 0.7]
    run_ = voice.SystemRun("system", "ours", "setting", [1, None, 2, 6], latencies=latencies)
    rows = {(row.dataset, row.metric): row.value for row in voice._half_rows({"ours": run_})}
    even = "spoken-queries, even-numbered (development half)"
    odd = "spoken-queries, odd-numbered (held out)"
    assert rows[(even, "hit@1")] == 0.5
    assert rows[(even, "mrr")] == 0.75
    assert rows[(odd, "hit@5")] == 0.0
    assert rows[(odd, "mrr")] == pytest.approx(1 / 12)
    assert rows[(even, "latency_p95_s")] == 0.5
    assert rows[(odd, "latency_p95_s")] == pytest.approx(0.7)
