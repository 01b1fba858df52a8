"""Splits and scores for photo classifiers: split by product, top-1, macro-F1."""

from __future__ import annotations

import numpy as np


def group_split(
    groups: list[str], labels: list[str], test_share: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices so that all photos of one group (product) fall on one side.

    Groups are assigned per class label of their first photo, so each class with
    two or more groups has at least one group on each side.
    """
    rng = np.random.default_rng(seed)
    group_labels: dict[str, str] = {}
    for group, label in zip(groups, labels):
        group_labels.setdefault(group, label)
    by_label: dict[str, list[str]] = {}
    for group, label in group_labels.items():
        by_label.setdefault(label, []).append(group)
    test_groups: set[str] = set()
    for label in sorted(by_label):
        members = sorted(by_label[label])
        rng.shuffle(members)
        if len(members) < 2:
            continue
        count = min(len(members) - 1, max(1, round(len(members) * test_share)))
        test_groups.update(members[:count])
    is_test = np.array([group in test_groups for group in groups])
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    """Return the unweighted mean F1 over the classes present in `truth`."""
    scores = []
    for label in sorted(set(truth)):
        true_positive = sum(t == label and p == label for t, p in zip(truth, predicted))
        predicted_count = sum(p == label for p in predicted)
        true_count = sum(t == label for t in truth)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / true_count
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return float(np.mean(scores)) if scores else 0.0
