"""Full-ranking evaluation of recommenders: HR@10, NDCG@10, Recall@20, coverage.

Every model ranks the whole catalog (no sampled negatives). Products already in a
user's history are removed from the ranking, and the truth holds only products the
user had not bought before, as in a time split.

Definitions (per user, then averaged over users):
- HR@k: 1 when at least one true product is in the top k, else 0.
- NDCG@k: DCG of the top k (gain 1 per true product, discount 1 / log2(rank + 1))
  divided by the DCG of a perfect ranking of min(k, |truth|) true products.
- Recall@k: true products in the top k divided by |truth|.
- coverage@k: distinct products in all users' top k divided by the catalog size.
Intervals are 95% percentile bootstrap intervals over users.

Users are scored in batches of at most `MAX_BATCH_CELLS` users × products, so the
dense score arrays stay bounded however large the catalog is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.progress import CancelToken, no_progress

Scorer = Callable[[object], np.ndarray]  # history rows (csr, k × items) → k × items

METRIC_NAMES = ("hr@10", "ndcg@10", "recall@20", "coverage@10")
# Users × products scored at once. On 50,000 products that is 80 users per batch,
# and ranking a batch raised peak RSS by about 60 MB (bench scale shop). Catalogs
# of up to 7,812 products keep the full batch of 512 users.
MAX_BATCH_CELLS = 4_000_000
# Bootstrap resamples drawn per step: for 100,000 users, 50 resamples of int64
# indices take 40 MB.
BOOTSTRAP_CHUNK = 50


@dataclass
class Evaluation:
    """Metrics of one model on one split, with 95% bootstrap intervals."""

    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    users: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            **{name: round(value, 5) for name, value in self.metrics.items()},
            "intervals": {
                name: [round(low, 5), round(high, 5)]
                for name, (low, high) in self.intervals.items()
            },
            "users": self.users,
        }


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Return the column indices of the k highest scores per row, best first."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def exclude_history(scores: np.ndarray, history, rebuyable: np.ndarray | None = None) -> None:
    """Set the scores of products in each row's history to -inf, in place, except
    products marked re-buyable."""
    rows, columns = history.nonzero()
    if rebuyable is not None and len(columns):
        keep = ~rebuyable[columns]
        rows, columns = rows[keep], columns[keep]
    scores[rows, columns] = -np.inf


def ranking_metrics(ranked: np.ndarray, truth: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Per-user HR@10, NDCG@10 and Recall@20 from ranked lists (users × ≥20)."""
    ranked = np.asarray(ranked)[:, :20]
    users, depth = ranked.shape
    sizes = np.array([len(relevant) for relevant in truth], dtype=np.int64)
    if users == 0:
        empty = np.zeros(0)
        return {"hr@10": empty, "ndcg@10": empty, "recall@20": empty}

    # One membership test for all users: (row, product) pairs become single keys.
    width = int(max(ranked.max(initial=0), max((r.max(initial=0) for r in truth), default=0))) + 1
    truth_keys = np.concatenate(
        [row * width + np.asarray(relevant, dtype=np.int64) for row, relevant in enumerate(truth)]
    )
    ranked_keys = np.arange(users, dtype=np.int64)[:, None] * width + ranked.astype(np.int64)
    is_hit = np.isin(ranked_keys, truth_keys)

    discounts = 1.0 / np.log2(np.arange(2, 12))
    top10 = is_hit[:, :10]
    dcg = (top10 * discounts[: top10.shape[1]]).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(sizes, 10) - 1]
    return {
        "hr@10": top10.any(axis=1).astype(np.float64),
        "ndcg@10": dcg / ideal,
        "recall@20": is_hit.sum(axis=1) / sizes,
    }


def batch_rows(item_count: int, batch_size: int = 512) -> int:
    """Return how many users to score at once: at most `batch_size`, and at most
    MAX_BATCH_CELLS users × products."""
    return max(1, min(batch_size, MAX_BATCH_CELLS // max(item_count, 1)))


def bootstrap_interval(
    values: np.ndarray, samples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Return the 95% percentile bootstrap interval of the mean of `values`.

    Resamples are drawn BOOTSTRAP_CHUNK at a time. NumPy's Generator draws the
    same indices in chunks as in one call, so the interval does not change.
    """
    if len(values) == 0 or samples <= 0:
        return (float("nan"), float("nan"))
    generator = np.random.default_rng(seed)
    means = np.empty(samples)
    for start in range(0, samples, BOOTSTRAP_CHUNK):
        count = min(BOOTSTRAP_CHUNK, samples - start)
        picks = generator.integers(0, len(values), size=(count, len(values)))
        means[start : start + count] = values[picks].mean(axis=1)
    return (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


class MetricsAccumulator:
    """Per-user metrics collected batch by batch, and the products in any top 10."""

    def __init__(self, item_count: int) -> None:
        self.per_user: dict[str, list[np.ndarray]] = {
            "hr@10": [],
            "ndcg@10": [],
            "recall@20": [],
        }
        self.shown = np.zeros(item_count, dtype=bool)

    def add(self, scores: np.ndarray, truth: list[np.ndarray]) -> None:
        """Rank one batch (users × items, history already set to -inf) and keep its
        per-user metrics."""
        ranked = top_k(scores, 20)
        self.shown[ranked[:, :10].ravel()] = True
        for name, values in ranking_metrics(ranked, truth).items():
            self.per_user[name].append(values)

    def mean(self, name: str) -> float:
        return float(np.concatenate(self.per_user[name]).mean())

    def evaluation(self, bootstrap_samples: int, catalog_size: int) -> Evaluation:
        metrics, intervals = {}, {}
        users = 0
        for name, parts in self.per_user.items():
            values = np.concatenate(parts)
            users = len(values)
            metrics[name] = float(values.mean())
            intervals[name] = bootstrap_interval(values, bootstrap_samples)
        metrics["coverage@10"] = float(self.shown.sum()) / max(catalog_size, 1)
        return Evaluation(metrics, intervals, users=users)


def evaluate(
    scorer: Scorer,
    history,
    truth: dict[int, np.ndarray],
    *,
    candidates: np.ndarray | None = None,
    batch_size: int = 512,
    bootstrap_samples: int = 1000,
    progress=no_progress,
    cancel: CancelToken | None = None,
    measure_latency: bool = False,
    by_user: bool = False,
) -> Evaluation:
    """Rank the whole catalog for each user in `truth` and compute the metrics.

    Args:
        scorer: maps history rows (csr, k × items) to a dense k × items score array.
        history: the training matrix (csr, users × items); its products are excluded.
        truth: user row → products bought later and never before.
        candidates: bool mask of products that may be recommended (default all).
        batch_size: users scored at once, lowered to keep MAX_BATCH_CELLS.
        measure_latency: also time single-user calls (p50/p95 in ms) on up to 200 users.
        by_user: call `scorer(user_rows, history_rows)` instead, for peers that keep
            learned per-user factors.
    """
    if by_user:
        user_scorer = scorer
        current: list[np.ndarray] = []

        def scorer(rows):
            return user_scorer(current[0], rows)
    else:
        current = None
    users = np.array(sorted(truth), dtype=np.int64)
    item_count = history.shape[1]
    if len(users) == 0:
        return Evaluation(metrics={name: float("nan") for name in METRIC_NAMES})

    accumulator = MetricsAccumulator(item_count)
    step = batch_rows(item_count, batch_size)
    for start in range(0, len(users), step):
        if cancel is not None:
            cancel.raise_if_cancelled("Evaluating the recommendations")
        batch = users[start : start + step]
        rows = history[batch]
        if current is not None:
            current[:] = [batch]
        scores = np.asarray(scorer(rows), dtype=np.float64)
        exclude_history(scores, rows)
        if candidates is not None:
            scores[:, ~candidates] = -np.inf
        accumulator.add(scores, [truth[u] for u in batch])
        del scores
        progress(min(1.0, (start + len(batch)) / len(users)), "Evaluating")

    catalog = int(candidates.sum()) if candidates is not None else item_count
    result = accumulator.evaluation(bootstrap_samples, catalog)
    if measure_latency:
        result.latency_ms = _latency(scorer, history, users, current)
    return result


def _latency(scorer: Scorer, history, users: np.ndarray, current) -> dict[str, float]:
    timings = []
    for user in users[:200]:
        if current is not None:
            current[:] = [np.array([user])]
        started = time.perf_counter()
        row = history[[int(user)]]
        scores = np.asarray(scorer(row), dtype=np.float64)
        exclude_history(scores, row)
        top_k(scores, 10)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50": float(np.percentile(timings, 50)),
        "p95": float(np.percentile(timings, 95)),
    }
