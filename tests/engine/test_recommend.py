"""Recommendation engine: evaluation maths, each model, service and bad-input cases."""

from __future__ import annotations

import csv
import math
import threading
import time

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from engine.progress import CancelToken
from engine.recommend.evaluate import evaluate, ranking_metrics
from engine.recommend.interactions import build_interactions, clean_order_lines, normalize_customer_id


def test_ranking_metrics_hand_computed():
    # Truth {2, 5}; ranking puts 5 at rank 1 and 2 at rank 3.
    ranked = np.array([[5, 7, 2] + list(range(10, 27))])
    metrics = ranking_metrics(ranked, [np.array([2, 5])])
    expected_ndcg = (1 / math.log2(2) + 1 / math.log2(4)) / (1 / math.log2(2) + 1 / math.log2(3))
    assert metrics["hr@10"][0] == 1.0
    assert metrics["ndcg@10"][0] == pytest.approx(expected_ndcg)
    assert metrics["recall@20"][0] == 1.0


def test_evaluate_excludes_history_and_counts_coverage():
    history = sparse.csr_matrix(np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float32))
    scores = np.array([[9.0, 1.0, 2.0, 0.5], [9.0, 8.0, 0.1, 0.2]])
    result = evaluate(lambda rows: scores[: rows.shape[0]], history, {0: np.array([2]), 1: np.array([3])},
                      bootstrap_samples=50)
    # User 0: product 0 is history, so product 2 ranks first (NDCG 1). User 1: 0, 3, 2
    # → product 3 at rank 2 (NDCG 1/log2(3)).
    assert result.metrics["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert result.metrics["hr@10"] == 1.0
    assert result.metrics["coverage@10"] == 1.0


def _lines(rows):
    return clean_order_lines(pd.DataFrame(rows, columns=["order", "customer", "sku", "quantity", "ordered_at"]))


def test_returns_cancel_purchase_and_guests_stay_apart():
    lines = _lines([
        ("1", "A", "MUG", 2, "2024-01-01"), ("2", "A", "MUG", -2, "2024-01-02"),
        ("3", None, "MUG", 1, "2024-01-03"), ("4", None, "VASE", 1, "2024-01-03"),
        ("5", "B", "VASE", float("nan"), "2024-01-03"),
    ])
    result = build_interactions(lines, include_guests=True)
    assert lines.dropped_non_finite == 1
    assert list(result.users[~result.is_guest]) == []
    assert result.is_guest.sum() == 2


def test_customer_ids_stay_text():
    assert normalize_customer_id(42) == "42"
    assert normalize_customer_id(17850.0) == "17850"
    assert normalize_customer_id(" 00042 ") == "00042"
    with pytest.raises(ValueError):
        normalize_customer_id(float("nan"))


@pytest.fixture(scope="module")
def uci_slice(shared_data):
    """Two months of real UCI lines: Sep-Oct 2011 train, November test."""
    from bench.datasets import uci_online_retail
    from engine.recommend.interactions import new_purchases, split_lines

    raw = pd.read_csv(uci_online_retail(), dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    raw = raw.loc[raw["InvoiceDate"] >= "2011-09-01"]
    raw = raw.loc[raw["StockCode"].str.contains(r"\d")]
    lines = clean_order_lines(pd.DataFrame({
        "order": raw["InvoiceNo"], "customer": raw["CustomerID"].str.replace(r"\.0$", "", regex=True),
        "sku": raw["StockCode"], "quantity": raw["Quantity"], "ordered_at": raw["InvoiceDate"],
    }))
    train_lines = split_lines(lines, end="2011-11-01")
    train = build_interactions(train_lines, include_guests=False)
    truth = new_purchases(train, split_lines(lines, start="2011-11-01"))
    titles = raw.groupby("StockCode")["Description"].first()
    texts = [str(titles.get(sku, sku)) for sku in train.items]
    return train, truth, texts


@pytest.mark.slow
@pytest.mark.parametrize("name", ["popularity", "item_knn", "content", "ease", "neural"])
def test_each_model_beats_chance_on_uci(uci_slice, name, tmp_path):
    from engine.recommend.models import model_class
    from engine.recommend.models.base import FitContext

    train, truth, texts = uci_slice
    # Fewer products keep these two short: one epoch over the 500 most-bought
    # products for the neural model (3 s) and a 1,500-product solve for EASE (7 s).
    options = {
        "neural": {"epochs": 1, "factors": 16, "max_items": 500},
        "ease": {"max_items": 1500},
    }.get(name, {})
    model = model_class(name)(**options)
    model.fit(FitContext(train, texts, truth))
    result = evaluate(model.scores, train.matrix, truth, bootstrap_samples=0)
    chance = np.mean([min(len(t), 10) for t in truth.values()]) / len(train.items)
    assert result.metrics["hr@10"] > 5 * chance

    arrays = {key: value for key, value in model.to_arrays().items()}
    np.savez(tmp_path / "m.npz", **arrays)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        loaded = model_class(name).from_arrays(model.params(), {k: data[k] for k in data.files})
    rows = train.matrix[:5]
    assert np.allclose(loaded.scores(rows), model.scores(rows), atol=1e-5)


def test_fit_cancel_raises(uci_slice):
    from engine.errors import CancelledError
    from engine.recommend.models.base import FitContext
    from engine.recommend.training import fit_candidates

    train, truth, texts = uci_slice
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        fit_candidates(FitContext(train, texts), truth, names=("item_knn",), cancel=token)


@pytest.mark.slow
def test_refit_all_shares_hybrid_parts(uci_slice):
    from engine.recommend.models.base import FitContext
    from engine.recommend.training import fit_candidates, refit_all

    train, truth, texts = uci_slice
    # Without "content" in the names the hybrid fits a default TF-IDF content part,
    # which keeps Word2Vec out of this test.
    names = ("popularity", "item_knn", "hybrid")
    candidates = fit_candidates(FitContext(train, texts), truth, names=names, bootstrap_samples=0)
    refitted = refit_all(candidates, FitContext(train, texts))

    assert set(refitted) == set(names)
    hybrid, hybrid_seconds = refitted["hybrid"]
    assert hybrid.collaborative is refitted["item_knn"][0]
    assert hybrid.popularity is refitted["popularity"][0]
    assert hybrid.content.vectors is not None
    assert hybrid_seconds >= refitted["item_knn"][1]
    rows = train.matrix[:5]
    assert np.allclose(hybrid.scores(rows), candidates[-1].model.scores(rows), atol=1e-5)


# ---------------------------------------------------------------- shops from the cases


def _case_shop(tmp_path, cases, lines_file="C25-C31_interactions.csv"):
    from engine.store import open_store, utc_now

    path = tmp_path / "shop.db"
    now = utc_now()
    with open_store(path, create=True) as store, store.transaction() as conn:
        with open(cases / "C25-C31_catalog.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                kind = "add_on" if "(add-on)" in row["name"] else "product"
                conn.execute(
                    "INSERT INTO products (sku, title, kind, source, created_at, updated_at) VALUES (?, ?, ?, 'case', ?, ?)",
                    (row["sku"], row["name"], kind, now, now),
                )
        with open(cases / "C25_customers_without_orders.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                conn.execute("INSERT INTO customers (customer_id, source, created_at) VALUES (?, 'case', ?)",
                             (row["customer_id"], now))
        orders: dict[str, int] = {}
        with open(cases / lines_file, encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle)):
                quantity = float(pd.to_numeric(row["quantity"], errors="coerce"))
                if not np.isfinite(quantity):
                    continue  # the store keeps finite quantities only, as the importer does
                conn.execute("INSERT OR IGNORE INTO customers (customer_id, source, created_at) VALUES (?, 'case', ?)",
                             (row["customer_id"], now))
                if row["order_id"] not in orders:
                    orders[row["order_id"]] = conn.execute(
                        "INSERT INTO orders (source, order_id, customer_id, ordered_at, is_cancellation) VALUES ('case', ?, ?, ?, ?)",
                        (row["order_id"], row["customer_id"], row["order_date"], int(quantity < 0)),
                    ).lastrowid
                kind = "add_on" if row["sku"] in ("SHIP-PROT", "GIFT-WRAP") else "product"
                conn.execute(
                    "INSERT INTO order_lines (order_ref, line_id, product_sku, quantity, kind) VALUES (?, ?, ?, ?, ?)",
                    (orders[row["order_id"]], str(number), row["sku"], quantity, kind),
                )
    return path


@pytest.fixture(scope="module")
def trained_case_shop(tmp_path_factory, cases):
    from engine.recommend.service import train_shop

    path = _case_shop(tmp_path_factory.mktemp("cases"), cases)
    summary = train_shop(path)
    return path, summary


def _history(path, customer):
    from engine.recommend.service import _customer_history
    from engine.store import open_store

    with open_store(path) as store:
        return set(_customer_history(store, customer))


def test_c25_every_customer_gets_an_answer(trained_case_shop):
    from engine.recommend.service import recommend_for_customer

    path, _ = trained_case_shop
    for customer in ("C-0200", "C-0201", "C-0100"):
        result = recommend_for_customer(path, customer, 5)
        assert result.items, customer
        assert result.is_fallback, customer
        assert result.label.startswith("Bestsellers"), customer
    personal = recommend_for_customer(path, "C-0101", 5)
    assert personal.items
    assert not personal.is_fallback


def test_c26_bought_products_never_recommended(trained_case_shop):
    from engine.recommend.service import recommend_for_customer

    path, _ = trained_case_shop
    recommended_somewhere = set()
    customers = [f"C-{n:04d}" for n in range(1, 19)]
    for customer in customers:
        skus = {item.sku for item in recommend_for_customer(path, customer, 5).items}
        assert not skus & _history(path, customer), customer
        recommended_somewhere |= skus
    assert "MUG-BLU-250" in recommended_somewhere


def test_c27_ids_stay_strings(trained_case_shop):
    from engine.recommend.service import recommend_for_customer

    path, _ = trained_case_shop
    by_int = recommend_for_customer(path, 42, 5)
    assert by_int.customer_id == "42"
    assert "BWL-CAF-02" not in {i.sku for i in by_int.items}
    padded = recommend_for_customer(path, "00042", 5)
    assert "TOT-CNV-01" not in {i.sku for i in padded.items}
    unknown = recommend_for_customer(path, "C-9999", 5)
    assert unknown.is_fallback
    assert "no customer with this id" in unknown.label


def test_c29_outlier_and_finite_model(trained_case_shop):
    from engine.recommend.registry import load_bundle
    from engine import modelstore
    from engine.store import open_store

    path, _ = trained_case_shop
    with open_store(path) as store:
        record = modelstore.active_model(store, "recommend")
    bundle = load_bundle(record.file)
    bundle.model.check_finite()
    index = bundle.item_index()
    # C-0104's wholesale order of 10,000 weighs like any single order.
    assert bundle.popularity[index["PLT-DIN-01"]] < 20


def test_c31_add_ons_never_recommended_and_no_dominant_sku(trained_case_shop):
    from collections import Counter

    from engine.recommend.service import recommend_for_customer

    path, _ = trained_case_shop
    counts, customers = Counter(), [f"C-{n:04d}" for n in range(1, 19)]
    for customer in customers:
        skus = [item.sku for item in recommend_for_customer(path, customer, 5).items]
        assert "SHIP-PROT" not in skus
        assert "GIFT-WRAP" not in skus
        counts.update(skus)
    assert max(counts.values()) <= len(customers)  # sanity
    top5 = Counter()
    for customer in customers:
        top5.update(item.sku for item in recommend_for_customer(path, customer, 5).items[:5])


def test_c30_tiny_shop_says_not_enough(tmp_path, cases):
    from engine.recommend.service import bought_together, recommend_for_customer, train_shop

    path = _case_shop(tmp_path, cases, "C30_tiny_shop_orders.csv")
    summary = train_shop(path)
    assert summary.selected == "popularity"
    assert summary.note.startswith("Not enough orders yet to learn from; showing bestsellers and bought-together.")
    result = recommend_for_customer(path, "C-1", 5)
    assert result.items
    assert result.is_fallback
    assert bought_together(path, "MUG-BLU-250", 5)


def test_cancelled_training_keeps_previous_model(trained_case_shop):
    from engine import modelstore
    from engine.errors import CancelledError
    from engine.recommend.service import train_shop
    from engine.store import open_store

    path, _ = trained_case_shop
    with open_store(path) as store:
        before = modelstore.active_model(store, "recommend").id
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        train_shop(path, cancel=token)
    with open_store(path) as store:
        assert modelstore.active_model(store, "recommend").id == before
        assert modelstore.last_training_run(store, "recommend")["status"] == "cancelled"


def test_untrained_shop_gets_labelled_bestsellers(tmp_path, cases):
    from engine.recommend.service import recommend_for_customer

    path = _case_shop(tmp_path, cases)
    result = recommend_for_customer(path, "C-0001", 3)
    assert result.is_fallback
    # C-0001 bought 6 of the 7 products, so only one is left to offer.
    assert [item.sku for item in result.items] == ["MUG-BLU-250"]


def test_export_escapes_and_covers_customers(trained_case_shop, tmp_path):
    from engine.recommend.service import export_recommendations

    path, _ = trained_case_shop
    summary = export_recommendations(path, tmp_path / "out.csv", n=3)
    rows = list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8-sig")))
    assert rows[0][0] == "customer_id"
    assert {row[0] for row in rows[1:]} >= {"C-0200", "00042", "42"}
    assert summary.customers == len({row[0] for row in rows[1:]})


def test_cli_recommend_matches_service(trained_case_shop, capsys):
    import json

    from engine.__main__ import main
    from engine.recommend.service import recommend_for_customer

    path, _ = trained_case_shop
    assert main(["recommend", "--shop", str(path), "--customer", "C-0101", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    direct = recommend_for_customer(path, "C-0101", 10)
    assert [item["sku"] for item in printed["items"]] == [item.sku for item in direct.items]


# ---------------------------------------------------------------- large catalogs


@pytest.fixture(scope="module")
def grouped_purchases():
    """16,000 seeded customers × 400 products in 8 groups of 50.

    Each customer buys 2-6 products of one group, popular ones more often. Every
    second customer later buys 1-2 more products of that group, which form the truth.
    """
    from engine.recommend.interactions import Interactions

    generator = np.random.default_rng(7)
    users, items, group_size = 16_000, 400, 50
    weights = 1.0 / (np.arange(group_size) + 3.0)
    weights /= weights.sum()
    rows, columns, truth = [], [], {}
    for user in range(users):
        group = generator.integers(items // group_size)
        bought = generator.integers(2, 7)
        later = generator.integers(1, 3) if user % 2 else 0
        choice = generator.choice(group_size, bought + later, replace=False, p=weights)
        picked = group * group_size + choice
        rows += [user] * bought
        columns += list(picked[:bought])
        if later:
            truth[user] = np.sort(picked[bought:])
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, columns)),
        shape=(users, items),
        dtype=np.float32,
    )
    buyers = np.diff(matrix.tocsc().indptr).astype(np.float32)
    interactions = Interactions(
        np.arange(users).astype(str),
        np.zeros(users, bool),
        np.arange(items).astype(str),
        matrix,
        buyers,
        buyers,
    )
    texts = [f"group {chr(97 + column // group_size)} item" for column in range(items)]
    return interactions, truth, texts


def test_item_knn_keeps_top_k_sparse(grouped_purchases):
    from engine.recommend.models.base import FitContext
    from engine.recommend.models.item_knn import ItemKnn

    interactions, _, texts = grouped_purchases
    model = ItemKnn(neighbours=7, shrinkage=5.0)
    model.fit(FitContext(interactions, texts))

    similarity = model.similarity
    size = len(model.columns)
    assert sparse.issparse(similarity)
    assert np.diff(similarity.tocsc().indptr).max() <= 7
    assert similarity.nnz <= 7 * size
    # The kept values are each product's 7 largest shrunk cosines.
    matrix = interactions.matrix[:, model.columns].toarray().astype(np.float64)
    norms = np.sqrt((matrix**2).sum(axis=0))
    reference = matrix.T @ matrix / (np.outer(norms, norms) + 5.0)
    np.fill_diagonal(reference, 0.0)
    expected = -np.sort(-reference, axis=0)[:7]
    kept = -np.sort(-similarity.toarray(), axis=0)[:7]
    assert np.allclose(kept, expected, atol=1e-5)


def test_evaluate_batches_stay_under_cell_limit(grouped_purchases, monkeypatch):
    from engine.recommend import evaluate as evaluation

    interactions, truth, _ = grouped_purchases
    history = interactions.matrix
    items = history.shape[1]
    popularity = interactions.popularity
    batches = []

    def scorer(rows):
        batches.append(rows.shape[0])
        return np.tile(popularity, (rows.shape[0], 1))

    unbounded = evaluate(scorer, history, truth, bootstrap_samples=0)
    batches.clear()
    monkeypatch.setattr(evaluation, "MAX_BATCH_CELLS", 25 * items)
    bounded = evaluate(scorer, history, truth, bootstrap_samples=0)
    assert max(batches) == 25
    assert sum(batches) == len(truth)
    assert bounded.metrics == pytest.approx(unbounded.metrics)


def test_training_never_scores_all_validation_users(grouped_purchases, monkeypatch):
    import tracemalloc

    from engine.recommend import evaluate as evaluation
    from engine.recommend.models.base import FitContext
    from engine.recommend.training import fit_candidates

    interactions, truth, texts = grouped_purchases
    history = interactions.matrix
    monkeypatch.setattr(evaluation, "MAX_BATCH_CELLS", 200 * history.shape[1])
    # Scoring all validation users at once would need this many bytes for one
    # float32 array of validation users × products.
    dense_scores = len(truth) * history.shape[1] * 4
    tracemalloc.start()
    try:
        candidates = fit_candidates(
            FitContext(interactions, texts),
            truth,
            names=("popularity", "item_knn", "hybrid"),
            bootstrap_samples=0,
            max_validation_users=len(truth),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < dense_scores

    hybrid = candidates[-1]
    direct = evaluate(hybrid.model.scores, history, truth, bootstrap_samples=0)
    assert hybrid.evaluation.metrics == pytest.approx(direct.metrics)
    assert hybrid.evaluation.users == len(truth)


@pytest.mark.slow
def test_neural_validation_scores_in_batches(grouped_purchases, monkeypatch):
    import tracemalloc

    import torch  # noqa: F401  (imported before tracing: its import allocates a lot)

    from engine.recommend import evaluate as evaluation
    from engine.recommend.models.base import FitContext
    from engine.recommend.models.neural import Neural

    interactions, truth, texts = grouped_purchases
    history = interactions.matrix
    monkeypatch.setattr(evaluation, "MAX_BATCH_CELLS", 200 * history.shape[1])
    dense_scores = len(truth) * history.shape[1] * 4
    model = Neural(factors=8, epochs=2, max_seconds=60.0)
    tracemalloc.start()
    try:
        model.fit(FitContext(interactions, texts, truth))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.trained_epochs >= 1
    assert peak < dense_scores


def test_validation_sample_is_seeded_subset():
    from engine.recommend.training import sample_validation

    truth = {user: np.array([user % 7]) for user in range(0, 3000, 3)}
    sample = sample_validation(truth, 200)
    assert len(sample) == 200
    assert set(sample) <= set(truth)
    assert list(sample) == sorted(sample)
    assert list(sample_validation(truth, 200)) == list(sample)
    assert sample_validation(truth, len(truth)) is truth


def test_bootstrap_chunks_match_one_draw():
    from engine.recommend.evaluate import BOOTSTRAP_CHUNK, bootstrap_interval

    values = np.random.default_rng(3).random(977)
    samples = 3 * BOOTSTRAP_CHUNK + 7
    generator = np.random.default_rng(0)
    picks = generator.integers(0, len(values), size=(samples, len(values)))
    means = values[picks].mean(axis=1)
    expected = (np.percentile(means, 2.5), np.percentile(means, 97.5))
    assert bootstrap_interval(values, samples, seed=0) == pytest.approx(expected, abs=0)


def test_ease_weights_match_closed_form(grouped_purchases):
    from engine.recommend.models.base import FitContext
    from engine.recommend.models.ease import Ease

    interactions, _, texts = grouped_purchases
    model = Ease(regularization=50.0, max_items=120)
    model.fit(FitContext(interactions, texts))

    matrix = interactions.matrix[:, model.columns].toarray().astype(np.float64)
    inverse = np.linalg.inv(matrix.T @ matrix + 50.0 * np.eye(len(model.columns)))
    expected = inverse / -np.diag(inverse)
    np.fill_diagonal(expected, 0.0)
    assert len(model.columns) == 120
    assert model.weights.dtype == np.float32
    assert model.weights.flags["C_CONTIGUOUS"]
    assert np.allclose(model.weights, expected, atol=1e-4)


def test_decayed_matrix_halves_at_half_life():
    lines = _lines([
        ("1", "A", "MUG", 1, "2024-01-01"), ("2", "A", "VASE", 1, "2024-03-01"),
        ("3", "B", "MUG", 1, "2024-03-01"), ("4", "B", "MUG", 1, "2024-01-31"),
    ])
    result = build_interactions(lines, include_guests=False)
    columns = result.item_index()
    decayed = result.decayed_matrix(30.0).toarray()
    weights = result.matrix.toarray()
    # A bought MUG 60 days before the newest line; B last bought it on the newest day.
    assert decayed[0, columns["MUG"]] == pytest.approx(weights[0, columns["MUG"]] * 0.5 ** 2, rel=1e-5)
    assert decayed[0, columns["VASE"]] == pytest.approx(weights[0, columns["VASE"]])
    assert decayed[1, columns["MUG"]] == pytest.approx(weights[1, columns["MUG"]])
    assert result.decayed_matrix(0.0) is result.matrix


def test_ease_settings_skip_repeats():
    from engine.recommend.interactions import Interactions
    from engine.recommend.training import EASE_GRID, EASE_WEIGHTINGS, ease_settings

    lines = _lines([("1", "A", "MUG", 1, "2024-01-01"), ("2", "A", "MUG", 1, "2024-02-01")])
    dated = build_interactions(lines, include_guests=False)
    assert len(ease_settings(dated)) == len(EASE_GRID) * len(EASE_WEIGHTINGS)
    ones = sparse.csr_matrix(np.ones((2, 2), dtype=np.float32))
    undated = Interactions(np.array(["A", "B"]), np.zeros(2, bool), np.array(["MUG", "VASE"]),
                           ones, np.ones(2), np.ones(2))
    settings = ease_settings(undated)
    assert len(settings) == len(EASE_GRID)
    assert {setting["weighting"] for setting in settings} == {"log"}
    assert {setting["half_life_days"] for setting in settings} == {0.0}


def test_ease_saved_weighting_round_trips():
    from engine.recommend.models.ease import Ease

    model = Ease(300.0, max_items=10, half_life_days=60.0, weighting="binary")
    copy = Ease.from_arrays(model.params(), model.to_arrays())
    assert copy.half_life_days == 60.0
    assert copy.weighting == "binary"
    with pytest.raises(ValueError, match="weighting"):
        Ease(weighting="quantity")


def test_ease_inverse_rejects_bad_input():
    from engine.recommend.models.ease import _spd_inverse

    with pytest.raises(np.linalg.LinAlgError, match="Cholesky factorisation failed"):
        _spd_inverse(-np.eye(3, dtype=np.float32))
    with pytest.raises(ValueError, match="C-ordered float32"):
        _spd_inverse(np.eye(3))
    with pytest.raises(ValueError, match="C-ordered float32"):
        _spd_inverse(np.asfortranarray(np.eye(3, dtype=np.float32) + 0.1))


def count_loops_while(work) -> int:
    """Count loop turns on this thread while `work` runs on another thread."""
    thread = threading.Thread(target=work)
    turns = 0
    thread.start()
    while thread.is_alive():
        turns += 1
    thread.join()
    return turns


@pytest.mark.slow
def test_ease_inverse_releases_interpreter_lock():
    # The window's thread must keep running while a large catalog is inverted.
    # With scipy.linalg.lapack's wrappers, which hold the lock, this thread got
    # 20% of the turns it gets while the other thread sleeps, and 77-121% without.
    from threadpoolctl import threadpool_limits

    from engine.recommend.models.ease import _spd_inverse

    size = 2500
    random = np.random.default_rng(0).random((size, size), dtype=np.float32)
    gram = random @ random.T + size * np.eye(size, dtype=np.float32)
    seconds = []

    def invert():
        with threadpool_limits(1, "blas"):
            started = time.perf_counter()
            _spd_inverse(gram)
            seconds.append(time.perf_counter() - started)

    during_inverse = count_loops_while(invert)
    during_sleep = count_loops_while(lambda: time.sleep(seconds[0]))

    assert during_inverse > 0.5 * during_sleep
