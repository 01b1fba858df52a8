"""Recommendation quality and speed against public recommenders.

Data sets, each with one split shared by every system:
- uci-online-retail: train on invoices before 2011-09-01, test on products each
  customer with earlier history bought from 2011-09-01 to 2011-11-30 and had not
  bought before; validation for our model selection is August 2011.
- movielens-latest-small: ratings >= 4 are positives, a seeded random 80/20 split
  per user; our validation holds out 20% of each user's training positives.
- groceries: one item held out per basket (baskets of 2+ items), rank the rest;
  our validation holds out one more item from 20% of the training baskets.
Peers: popularity, implicit's ALS, BPR and cosine item-kNN, and a plain EASE.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time

import numpy as np

from bench import datasets
from bench.runner import Row

log = logging.getLogger(__name__)
UCI_NON_PRODUCT_CODES = {
    "POST", "D", "M", "DOT", "BANK CHARGES", "C2", "CRUK", "AMAZONFEE", "PADS", "S", "B",
}
DATASETS = ("uci-online-retail", "movielens-latest-small", "groceries")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this benchmark's options."""
    parser.add_argument("--dataset", dest="datasets", action="append", choices=DATASETS,
                        help="run only this data set; repeat for more (default all)")
    parser.add_argument("--datasets", dest="datasets", nargs="+", action="extend", choices=DATASETS,
                        help="run only these data sets (default all)")
    parser.add_argument("--bootstrap", type=int, default=1000,
                        help="bootstrap samples for the 95%% intervals (default 1000)")


def run(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    loaders = {"uci-online-retail": load_uci, "movielens-latest-small": load_movielens, "groceries": load_groceries}
    for name in args.datasets or DATASETS:
        started = time.perf_counter()
        split = loaders[name]()
        report(f"{name}: loaded {split.train.matrix.shape[0]:,} users × {split.train.matrix.shape[1]:,} "
               f"products, {len(split.truth):,} test users in {time.perf_counter() - started:.1f} s")
        rows += run_split(name, split, args.bootstrap)
    return rows


_STARTED = time.perf_counter()


def report(text: str) -> None:
    """Print one progress line to stderr, because stdout receives the result table."""
    elapsed = time.perf_counter() - _STARTED
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    print(f"[{elapsed:7.1f} s, load {load}] {text}", file=sys.stderr, flush=True)


class Split:
    """Train interactions, test truth, validation for our selection, product texts."""

    def __init__(self, train, truth, validation_train, validation_truth, texts, setting):
        self.train = train
        self.truth = truth
        self.validation_train = validation_train
        self.validation_truth = validation_truth
        self.texts = texts
        self.setting = setting


def load_uci() -> Split:
    import pandas as pd

    from engine.recommend.interactions import build_interactions, clean_order_lines, new_purchases, split_lines

    raw = pd.read_csv(datasets.uci_online_retail(), dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    code = raw["StockCode"].str.strip().str.upper()
    raw = raw.loc[~code.isin(UCI_NON_PRODUCT_CODES) & code.str.contains(r"\d")]
    frame = pd.DataFrame({
        "order": raw["InvoiceNo"],
        "customer": raw["CustomerID"].str.replace(r"\.0$", "", regex=True),
        "sku": raw["StockCode"].str.strip().str.upper(),
        "quantity": raw["Quantity"],
        "ordered_at": raw["InvoiceDate"],
    })
    lines = clean_order_lines(frame)
    titles = raw.assign(sku=raw["StockCode"].str.strip().str.upper()).groupby("sku")["Description"].first()
    train_lines = split_lines(lines, "2010-12-01", "2011-09-01")
    known = train_lines.frame["customer"].notna()
    items = np.array(sorted(train_lines.frame.loc[known, "sku"].unique()), dtype=str)
    train = build_interactions(train_lines, items, include_guests=False)
    truth = new_purchases(train, split_lines(lines, "2011-09-01", "2011-12-01"))
    validation_train = build_interactions(split_lines(lines, "2010-12-01", "2011-08-01"), items, include_guests=False)
    validation_truth = new_purchases(validation_train, split_lines(lines, "2011-08-01", "2011-09-01"))
    texts = [str(titles.get(sku, sku)) for sku in items]
    return Split(train, truth, validation_train, validation_truth, texts, "train < 2011-09-01, test Sep-Nov 2011")


def _holdout(matrix, share: float, seed: int):
    """Move a seeded random `share` of each row's entries to the truth."""
    from scipy import sparse

    generator = np.random.default_rng(seed)
    matrix = matrix.tocsr()
    keep_rows, keep_cols, truth = [], [], {}
    for row in range(matrix.shape[0]):
        columns = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
        if len(columns) == 0:
            continue
        count = int(round(len(columns) * share)) if len(columns) >= 2 else 0
        chosen = generator.permutation(columns)
        if count:
            truth[row] = np.sort(chosen[:count])
        keep_cols.append(chosen[count:])
        keep_rows.append(np.full(len(chosen) - count, row))
    rows = np.concatenate(keep_rows)
    kept = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, np.concatenate(keep_cols))), shape=matrix.shape
    )
    return kept, truth


def _as_interactions(matrix, items, users=None):
    from engine.recommend.interactions import Interactions

    buyers = np.diff(matrix.tocsc().indptr).astype(np.float32)
    users = np.arange(matrix.shape[0]).astype(str) if users is None else users
    return Interactions(users, np.zeros(matrix.shape[0], bool), np.asarray(items, str), matrix.tocsr(), buyers, buyers)


def load_movielens(max_users: int | None = None) -> Split:
    """Load MovieLens latest-small; `max_users` keeps only the lowest user ids (for
    quick checks)."""
    import pandas as pd
    from scipy import sparse

    folder = datasets.movielens_small()
    ratings = pd.read_csv(folder / "ratings.csv")
    if max_users is not None:
        ratings = ratings.loc[ratings["userId"].isin(sorted(ratings["userId"].unique())[:max_users])]
    movies = pd.read_csv(folder / "movies.csv").set_index("movieId")
    positives = ratings.loc[ratings["rating"] >= 4]
    users = pd.Index(sorted(positives["userId"].unique()))
    items = np.array(sorted(positives["movieId"].unique()))
    matrix = sparse.csr_matrix(
        (np.ones(len(positives), np.float32), (users.get_indexer(positives["userId"]), pd.Index(items).get_indexer(positives["movieId"]))),
        shape=(len(users), len(items)),
    )
    train, truth = _holdout(matrix, 0.2, seed=0)
    validation_train, validation_truth = _holdout(train, 0.2, seed=1)
    texts = [f"{movies.loc[m, 'title']} {movies.loc[m, 'genres'].replace('|', ' ')}" for m in items]
    return Split(_as_interactions(train, items.astype(str)), truth, _as_interactions(validation_train, items.astype(str)),
                 validation_truth, texts, "ratings >= 4, random 80/20 per user, seed 0")


def load_groceries(max_baskets: int | None = None) -> Split:
    """Load the Groceries baskets; `max_baskets` keeps only the first ones (for quick
    checks)."""
    from scipy import sparse

    baskets = [
        sorted({item.strip() for item in line.split(",") if item.strip()})
        for line in datasets.groceries_baskets().read_text(encoding="utf-8").splitlines()
    ]
    baskets = [basket for basket in baskets if basket][:max_baskets]
    items = np.array(sorted({item for basket in baskets for item in basket}))
    index = {item: column for column, item in enumerate(items)}
    generator = np.random.default_rng(0)
    rows, columns, truth = [], [], {}
    for row, basket in enumerate(baskets):
        held = generator.integers(len(basket)) if len(basket) >= 2 else None
        for position, item in enumerate(basket):
            if position == held:
                truth[row] = np.array([index[item]])
            else:
                rows.append(row)
                columns.append(index[item])
    train = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, columns)), shape=(len(baskets), len(items)))
    validation_train, validation_truth = train.copy(), {}
    validation_train = validation_train.tolil()
    for row in generator.permutation(train.shape[0])[: train.shape[0] // 5]:
        bought = train.indices[train.indptr[row] : train.indptr[row + 1]]
        if len(bought) >= 2:
            held = bought[generator.integers(len(bought))]
            validation_train[row, held] = 0
            validation_truth[int(row)] = np.array([held])
    validation_train = validation_train.tocsr()
    validation_train.eliminate_zeros()
    return Split(_as_interactions(train, items), truth, _as_interactions(validation_train, items), validation_truth,
                 list(items), "one item held out per basket of 2+, seed 0")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_split(dataset: str, split: Split, bootstrap: int) -> list[Row]:
    """Fit, select and evaluate our models and the peers on one split."""
    rows: list[Row] = []
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"

    def record(system: str, role: str, scorer, fit_seconds: float, setting: str, by_user: bool = False) -> None:
        from engine.recommend.evaluate import evaluate

        result = evaluate(scorer, split.train.matrix, split.truth, bootstrap_samples=bootstrap,
                          measure_latency=True, by_user=by_user)
        for metric, value in result.metrics.items():
            low, high = result.intervals.get(metric, (float("nan"), float("nan")))
            interval = "" if np.isnan(low) else f"; 95% CI {low:.4f}-{high:.4f}"
            rows.append(Row(dataset, system, role, metric, value, f"{setting}{interval}"))
        rows.append(Row(dataset, system, role, "train_s", fit_seconds, f"{setting}; load average {load}"))
        rows.append(Row(dataset, system, role, "latency_p50_ms", result.latency_ms["p50"], setting))
        rows.append(Row(dataset, system, role, "latency_p95_ms", result.latency_ms["p95"], setting))
        rows.append(Row(dataset, system, role, "peak_rss_mb", _peak_rss_mb(), "process peak so far"))
        report(f"{dataset}: {system}: NDCG@10 {result.metrics['ndcg@10']:.4f}, fit {fit_seconds:.1f} s")

    _run_ours(dataset, split, record)
    for system, scorer, seconds, setting, by_user in _peers(split):
        record(system, "peer", scorer, seconds, setting, by_user)
    return rows


def _run_ours(dataset: str, split: Split, record) -> None:
    """Run the shop's selection: tune every model on validation, pick the best by
    NDCG@10, then refit each model once on the whole training split."""
    from engine.recommend.models.base import FitContext
    from engine.recommend.training import fit_candidates, refit_all, select_best

    started = time.perf_counter()

    def fit_progress(fraction: float, text: str) -> None:
        if text.startswith("Training "):
            report(f"{dataset}: validation: {text[len('Training '):]}")

    candidates = fit_candidates(
        FitContext(split.validation_train, split.texts), split.validation_truth,
        bootstrap_samples=0, progress=fit_progress,
    )
    chosen = select_best(candidates)
    selection_seconds = time.perf_counter() - started
    report(f"{dataset}: selected {chosen.name} on validation in {selection_seconds:.1f} s; refitting")
    refitted = refit_all(candidates, FitContext(split.train, split.texts))
    model, seconds = refitted[chosen.name]
    record(f"ours: selected ({chosen.name})", "ours", model.scores, selection_seconds + seconds,
           f"{split.setting}; all models fitted, tuned and selected on validation, then refitted")
    for candidate in candidates:
        if candidate.name != chosen.name:
            other, seconds = refitted[candidate.name]
            record(f"ours: {candidate.name}", "ours", other.scores, seconds, split.setting)


def _peers(split: Split):
    import implicit
    from threadpoolctl import threadpool_limits

    from engine.recommend.models.base import FitContext
    from engine.recommend.models.ease import Ease

    matrix = split.train.matrix.tocsr()
    binary = matrix.copy()
    binary.data[:] = 1.0

    popularity = np.asarray(binary.sum(axis=0)).ravel()
    yield "popularity", (lambda history: np.broadcast_to(popularity, (history.shape[0], len(popularity))).copy()), 0.0, "customers per product", False

    def implicit_scorer(model, item_count):
        # The learned user factors score every product; the evaluation removes
        # history products itself.
        def scorer(users, history):
            return model.user_factors[users] @ model.item_factors.T
        return scorer

    item_count = matrix.shape[1]
    with threadpool_limits(1, "blas"):
        configurations = [
            ("implicit ALS", implicit.cpu.als.AlternatingLeastSquares(factors=128, regularization=0.1, alpha=10.0, random_state=0, num_threads=2),
             lambda m: m.copy().tocsr().log1p() if hasattr(m, "log1p") else m, "128 factors, reg 0.1, alpha 10, log1p weights"),
            ("implicit BPR", implicit.cpu.bpr.BayesianPersonalizedRanking(factors=64, random_state=0, num_threads=2),
             lambda m: m, "64 factors"),
            ("implicit cosine item-kNN", implicit.nearest_neighbours.CosineRecommender(K=300, num_threads=2),
             lambda m: m, "K=300"),
        ]
        for system, model, transform, setting in configurations:
            train_matrix = transform(binary if system != "implicit ALS" else matrix)
            started = time.perf_counter()
            model.fit(train_matrix, show_progress=False)
            seconds = time.perf_counter() - started
            if system == "implicit cosine item-kNN":
                similarity = model.similarity.T.tocsr()
                yield system, (lambda history, s=similarity: (history @ s).toarray()), seconds, setting, False
            else:
                yield system, implicit_scorer(model, item_count), seconds, setting, True

    started = time.perf_counter()
    ease = Ease(regularization=1000.0)
    ease.fit(FitContext(split.train, split.texts))
    yield "plain EASE", ease.scores, time.perf_counter() - started, "lambda 1000, no tuning", False
