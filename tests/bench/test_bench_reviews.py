"""The reviews benchmark on a small slice of each data set."""

from __future__ import annotations

import argparse

import pytest

from bench import reviews


def test_uci_split_is_stratified(shared_data):
    split = reviews.load_uci("amazon")
    assert len(split.test_texts) == 250
    assert split.test_labels.mean() == 0.5


def test_clothing_stars_drop_three_stars(shared_data):
    split = reviews.load_clothing("stars", limit=2000)
    assert set(split.train_labels.tolist()) == {0, 1}


@pytest.mark.slow
def test_rows_for_every_system(shared_data):
    args = argparse.Namespace(limit=300, no_minilm=True, datasets="uci-yelp")
    rows = reviews.run(args)
    systems = {row.system for row in rows}
    assert {"VADER", "TextBlob", "bag-of-words LR", "Word2Vec + CNN", "ensemble (ours)"} <= systems
    metrics = {row.metric for row in rows}
    assert metrics == {"accuracy", "macro_f1", "reviews_per_s", "train_s"}


@pytest.mark.slow
def test_ensemble_counts_every_candidate(shared_data):
    args = argparse.Namespace(limit=300, no_minilm=False, datasets="uci-amazon")
    rows = {(row.system, row.metric): row for row in reviews.run(args)}
    assert ("MiniLM + logistic head", "accuracy") in rows
    ensemble_train_s = rows[("ensemble (ours)", "train_s")].value
    assert ensemble_train_s >= rows[("MiniLM + logistic head", "train_s")].value
    assert ensemble_train_s >= rows[("Word2Vec + CNN", "train_s")].value
    assert "stacked" in rows[("ensemble (ours)", "accuracy")].setting
