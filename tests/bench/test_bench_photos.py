"""The photo benchmark's split, sampling and colour peer."""

from __future__ import annotations

import argparse

import numpy as np
from PIL import Image

from bench import photos


def test_split_keeps_products_apart():
    rows = photos._photo_labels(0)
    labels = [row["subcategory"] for row in rows]
    groups = [row["sku"] for row in rows]

    train, test = photos._split(groups, labels, None, seed=0)
    train_skus = {groups[i] for i in train}
    test_skus = {groups[i] for i in test}

    assert len(rows) == 717
    assert set(labels) == set(photos.GARMENT_TYPES)
    assert train_skus.isdisjoint(test_skus)
    assert {labels[i] for i in test} == set(photos.GARMENT_TYPES)


def test_sampling_per_class():
    rows = photos._photo_labels(0)
    labels = [row["subcategory"] for row in rows]
    groups = [row["sku"] for row in rows]

    train, _ = photos._split(groups, labels, 10, seed=1)
    counts = {label: sum(labels[i] == label for i in train) for label in set(labels)}

    assert counts["Tees"] == 10
    assert counts["Jackets"] == 10
    assert all(count <= 10 for count in counts.values())


def test_kmeans_peer_names_colour():
    pixels = np.full((120, 100, 3), 25, dtype=np.uint8)
    pixels[..., 1] = 60
    pixels[..., 2] = 160
    pixels[:20] = 250
    pixels[-20:] = 235

    assert photos._kmeans_colour(Image.fromarray(pixels)) == "blue"


def test_arguments_defaults():
    parser = argparse.ArgumentParser()
    photos.add_arguments(parser)

    args = parser.parse_args([])

    assert args.limit == 0
    assert args.cnn_epochs == 20
