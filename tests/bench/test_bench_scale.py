"""The large-shop benchmark on a tiny shop: every step, query and tab reports figures."""

from __future__ import annotations

import argparse

import pytest

from bench import scale
from bench.window_timing import RESULT_JOBS

TABS = ["overview", "recommendations", "photos", "reviews", "voice"]


def parse(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    scale.add_arguments(parser)
    return parser.parse_args(arguments)


def test_reuse_needs_keep():
    with pytest.raises(SystemExit, match="--reuse needs --keep"):
        scale.run(parse(["--reuse"]))


def test_reuse_needs_shop(tmp_path):
    with pytest.raises(SystemExit, match="No shop to reuse"):
        scale.run(parse(["--reuse", "--keep", str(tmp_path)]))


def test_skip_training_leaves_step_out():
    names = [name for name, _ in scale.feature_steps(parse(["--skip-training"]))]

    assert "train default recommender" not in names
    assert names[-1] == "open window and switch tabs"


def test_result_jobs_cover_every_tab():
    from ui.main_window import TAB_NAMES

    assert list(RESULT_JOBS) == TAB_NAMES


@pytest.mark.slow
def test_tiny_run_times_every_tab(tmp_path, monkeypatch, qapp):
    from ui.tabs import voice_tab

    # The sentence model takes about 10 s to load and plays no part here.
    monkeypatch.setattr(voice_tab, "LOAD_EMBEDDINGS", False)
    folder = tmp_path / "scale"
    arguments = ["--scale", "0.002", "--skip-training", "--keep", str(folder)]

    rows = scale.run(parse(arguments))
    reused = scale.run(parse([*arguments, "--reuse"]))

    figures = {row.metric: row.value for row in rows}
    assert figures["import orders: seconds"] > 0
    for query in ("counts", "revenue_by_month", "top_products", "import_runs"):
        assert figures[f"overview queries: {query}: seconds"] >= 0
    for tab in TABS:
        shown = figures[f"open window and switch tabs: {tab} tab: seconds to first results"]
        assert 0 <= shown < 60, tab
        assert figures[f"open window and switch tabs: {tab} tab: longest stall ms"] > 0
    reused_metrics = {row.metric for row in reused}
    assert "import orders: seconds" not in reused_metrics
    assert "open window and switch tabs: voice tab: seconds to first results" in (
        reused_metrics
    )
