"""What the app and the command line call: train, recommend, similar, bought together,
export.

Each function opens its own store, so it can run on any worker thread.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine import modelstore
from engine.errors import CancelledError
from engine.progress import CancelToken, ThrottledProgress, no_progress
from engine.recommend.errors import (
    InvalidCustomerIdError,
    ProductNotFoundError,
    TrainingNotFiniteError,
)
from engine.recommend.interactions import normalize_customer_id
from engine.recommend.models import MODEL_LABELS
from engine.store import open_store

log = logging.getLogger(__name__)

KIND = "recommend"
# Validation holds the newest share of orders; fewer validation customers than this
# make the metrics noise, so evaluation is skipped with a note.
VALIDATION_SHARE = 0.2
MIN_VALIDATION_CUSTOMERS = 20
# Below this many customers with purchases nothing personal can be learned.
MIN_CUSTOMERS_FOR_PERSONAL = 10

NOT_ENOUGH_DATA = (
    "Not enough orders yet to learn from; showing bestsellers and bought-together. "
    "Recommendations become personal once at least {minimum} customers have bought "
    "something; import more orders, then choose Retrain."
)
FALLBACK_NO_MODEL = "Bestsellers: recommendations are being trained"
FALLBACK_NO_HISTORY = "Bestsellers: this customer has no purchases yet"
FALLBACK_UNKNOWN = "Bestsellers: no customer with this id in the shop yet"
FALLBACK_NOT_ENOUGH = "Bestsellers: not enough orders yet for personal recommendations"


@dataclass
class ModelResult:
    name: str
    label: str
    metrics: dict
    fit_seconds: float
    settings_tried: list[dict] = field(default_factory=list)


@dataclass
class TrainingSummary:
    """What a training run did: models, their validation metrics and the choice."""

    selected: str
    selected_label: str
    models: list[ModelResult]
    customers: int
    products: int
    interactions: int
    validation_customers: int
    seconds: float
    note: str = ""
    dropped_lines: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RecommendedItem:
    sku: str
    title: str
    score: float
    reason: str


@dataclass
class CustomerRecommendations:
    customer_id: str
    items: list[RecommendedItem]
    model: str
    is_fallback: bool = False
    label: str = ""  # set when the list is the fallback, e.g. "Bestsellers: …"
    purchased: int = 0  # products the customer has bought (net of returns)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class BoughtTogetherItem:
    sku: str
    title: str
    orders: int
    support: float
    confidence: float
    lift: float


@dataclass
class ExportSummary:
    destination: Path
    customers: int
    rows: int
    fallback_customers: int


# ---------------------------------------------------------------- training


def train_shop(shop_path: Path, progress=no_progress, cancel: CancelToken | None = None) -> "TrainingSummary":
    """Train every model on the shop's orders, keep the best by validation NDCG@10.

    Steps: build interactions, hold out the newest orders for validation, fit and
    tune each model, store every model's metrics, refit the best on all orders,
    save it and make it the model in use. The previous model stays in use until the
    new one is saved, so a crash or cancel changes nothing.

    Raises:
        CancelledError: `cancel` was set; the run is recorded as cancelled.
        TrainingNotFiniteError: a model produced NaN or inf; recorded as failed.
    """
    started = time.perf_counter()
    with open_store(shop_path) as store:
        run_id = modelstore.start_training(store, KIND)
        try:
            with _one_blas_thread():
                summary = _train(store, run_id, progress, cancel or CancelToken(), started)
        except CancelledError:
            modelstore.finish_training(store, run_id, "cancelled", "Training was cancelled.")
            raise
        except BaseException as error:
            modelstore.finish_training(store, run_id, "failed", str(error)[:500])
            raise
        modelstore.finish_training(
            store, run_id, "completed", summary.note or None,
            {"selected": summary.selected, "seconds": round(summary.seconds, 2)},
        )
    return summary


def _one_blas_thread():
    """Limit NumPy's BLAS to one thread while training runs in the background.

    On the demo shop at load average 5-6 on 2 cores, training used 43.7 s of CPU
    time with OpenBLAS's default two threads and 26.5 s with one. Idle BLAS
    threads spin while they wait for a core. Two threads did not help EASE's
    Cholesky solves either: on the full UCI history each took about 17 s instead
    of 8 s, and the run used 71.4 s of CPU time instead of 46.3 s.
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    return threadpool_limits(1, "blas")


def _train(store, run_id: int, progress, cancel: CancelToken, started: float) -> TrainingSummary:
    from engine.recommend import interactions as build
    from engine.recommend.models.base import FitContext, NotFiniteError
    from engine.recommend.training import Candidate, fit_candidates, refit, select_best

    report = ThrottledProgress(progress)
    report(0.0, "Reading orders", force=True)
    catalog = _catalog(store)
    lines = build.load_order_lines(store)
    items = _item_columns(catalog, lines)
    texts = [catalog.get(sku, {}).get("text", sku) for sku in items]
    full = build.build_interactions(lines, items, include_guests=False)
    cancel.raise_if_cancelled("Training the recommendations")
    customers_with_purchases = int((np.diff(full.matrix.indptr) > 0).sum())

    train, truth = _validation_split(lines, items)
    # Only the matrices built from the order lines are needed from here on. Freeing
    # 1,000,000 lines (bench scale shop) lowered RSS from 678 MB to 321 MB.
    dropped_lines = lines.dropped_non_finite
    del lines
    note = ""
    candidates: list[Candidate] = []
    if customers_with_purchases < MIN_CUSTOMERS_FOR_PERSONAL:
        note = NOT_ENOUGH_DATA.format(minimum=MIN_CUSTOMERS_FOR_PERSONAL)
        names: tuple[str, ...] = ("popularity",)
    else:
        names = ("popularity", "item_knn", "content", "ease", "neural", "hybrid")
    if len(truth) >= MIN_VALIDATION_CUSTOMERS and len(names) > 1:
        fit_progress = ThrottledProgress(progress, start=0.05, end=0.8)
        try:
            candidates = fit_candidates(
                FitContext(train, texts), truth, names=names, progress=fit_progress, cancel=cancel
            )
        except NotFiniteError as error:
            raise TrainingNotFiniteError(str(error).split(":")[0]) from error
        chosen = select_best(candidates)
    else:
        if len(names) > 1:
            note = (
                f"Evaluation skipped: only {len(truth)} customers bought something new "
                f"in the newest {VALIDATION_SHARE:.0%} of orders (at least "
                f"{MIN_VALIDATION_CUSTOMERS} are needed), so the hybrid model is used "
                "without measured quality."
            )
        chosen = _untested(names[-1])

    results = [
        ModelResult(c.name, c.label, c.evaluation.as_dict(), round(c.fit_seconds, 3), c.tried)
        for c in candidates
    ]
    # Only the chosen model's settings are needed to refit it, so the other
    # candidates' fitted models are released before the refit.
    del candidates, train

    report(0.82, f"Training {MODEL_LABELS[chosen.name]} on all orders", force=True)
    context = FitContext(full, texts)
    try:
        model = refit(chosen, context, cancel)
        content = _content_for(model, context, cancel)
    except NotFiniteError as error:
        raise TrainingNotFiniteError(MODEL_LABELS[chosen.name]) from error
    cancel.raise_if_cancelled("Training the recommendations")

    report(0.95, "Saving the model", force=True)
    summary = TrainingSummary(
        selected=chosen.name,
        selected_label=MODEL_LABELS[chosen.name],
        models=results,
        customers=customers_with_purchases,
        products=len(items),
        interactions=int(full.matrix.nnz),
        validation_customers=len(truth),
        seconds=time.perf_counter() - started,
        note=note,
        dropped_lines=dropped_lines,
    )
    _save(store, run_id, summary, model, content, full)
    report(1.0, "Recommendations trained", force=True)
    log.info(
        "Trained recommendations in %.1f s: %s selected from %d models, %d customers",
        summary.seconds, chosen.name, len(results), summary.customers,
    )
    return summary


def _untested(name: str):
    from engine.recommend.evaluate import Evaluation
    from engine.recommend.models import model_class
    from engine.recommend.models.hybrid import Hybrid
    from engine.recommend.training import Candidate

    if name == "hybrid":
        model = Hybrid(model_class("item_knn")(), model_class("content")(), model_class("popularity")())
    else:
        model = model_class(name)()
    return Candidate(name, model, Evaluation(metrics={}), 0.0)


def _content_for(model, context, cancel):
    from engine.recommend.models import model_class

    content = getattr(model, "content", None)
    if content is not None and content.vectors is not None:
        return content
    fitted = model_class("content")()
    fitted.fit(context, cancel=cancel)
    return fitted


def _validation_split(lines, items):
    """Split at the date that leaves the newest VALIDATION_SHARE of orders out."""
    from engine.recommend import interactions as build

    frame = lines.frame
    dates = frame.drop_duplicates("order")["ordered_at"].dropna()
    if len(dates) < 2:
        return build.build_interactions(lines, items, include_guests=False), {}
    cutoff = dates.quantile(1.0 - VALIDATION_SHARE)
    train = build.build_interactions(build.split_lines(lines, end=cutoff), items, include_guests=False)
    later = build.split_lines(lines, start=cutoff)
    return train, build.new_purchases(train, later)


def _save(store, run_id, summary, model, content, full) -> None:
    from engine.recommend.registry import Bundle, save_bundle

    customers = full.users[~full.is_guest]
    purchases = full.matrix[: len(customers)].tocsc()
    bundle = Bundle(
        model=model,
        content=content,
        items=full.items,
        customers=customers,
        purchases=purchases,
        popularity=full.popularity,
        customer_counts=full.customer_counts,
        meta={"note": summary.note, "selected": summary.selected},
    )
    for result in summary.models:
        if result.name == summary.selected:
            continue
        modelstore.register_model(
            store, name=result.name, kind=KIND, version=modelstore.next_version(store, result.name),
            metrics=_stored_metrics(result), file=None, training_run_id=run_id,
        )
    version = modelstore.next_version(store, summary.selected)
    path = modelstore.model_file_path(store, KIND, summary.selected, version, ".npz")
    with modelstore.write_model_file(path) as temporary:
        save_bundle(temporary, bundle)
    selected_result = next((r for r in summary.models if r.name == summary.selected), None)
    metrics = _stored_metrics(selected_result) if selected_result else {}
    metrics["note"] = summary.note
    modelstore.register_model(
        store, name=summary.selected, kind=KIND, version=version, metrics=metrics,
        file=path, training_run_id=run_id, activate=True,
    )


def _stored_metrics(result: ModelResult) -> dict:
    return {**result.metrics, "fit_seconds": result.fit_seconds, "settings_tried": result.settings_tried}


# ---------------------------------------------------------------- catalog and history


def _catalog(store) -> dict[str, dict]:
    from engine.recommend.models.content import product_text

    rows = store.conn.execute(
        "SELECT sku, title, category, description, rebuyable FROM products WHERE kind = 'product'"
    ).fetchall()
    return {
        sku: {"title": title or sku, "text": product_text(title, category, description),
              "rebuyable": bool(rebuyable), "category": category}
        for sku, title, category, description, rebuyable in rows
    }


def _item_columns(catalog: dict, lines) -> np.ndarray:
    sold = set(lines.frame["sku"].unique()) if len(lines.frame) else set()
    # Products sold but missing from the catalog still count; non-products and
    # add-ons were already left out of the lines.
    return np.array(sorted(set(catalog) | sold), dtype=str)


def _titles(store, skus) -> dict[str, str]:
    skus = list(dict.fromkeys(skus))
    titles: dict[str, str] = {}
    for start in range(0, len(skus), 500):
        chunk = skus[start : start + 500]
        marks = ",".join("?" for _ in chunk)
        for sku, title in store.conn.execute(f"SELECT sku, title FROM products WHERE sku IN ({marks})", chunk):
            titles[sku] = title or sku
    return {sku: titles.get(sku, sku) for sku in skus}


def _customer_history(store, customer_id: str) -> dict[str, float]:
    """Return the net quantity per product the customer bought (net > 0 only)."""
    from engine.store.queries import EXCLUDED_STATUSES

    marks = ",".join("?" for _ in EXCLUDED_STATUSES)
    rows = store.conn.execute(
        f"""
        SELECT l.product_sku, sum(l.quantity), count(DISTINCT CASE WHEN l.quantity > 0 THEN o.id END)
        FROM orders o JOIN order_lines l ON l.order_ref = o.id
        LEFT JOIN products p ON p.sku = l.product_sku
        WHERE o.customer_id = ? AND l.kind = 'product' AND l.product_sku IS NOT NULL
          AND coalesce(p.kind, 'product') = 'product'
          AND coalesce(lower(o.status), '') NOT IN ({marks})
        GROUP BY l.product_sku
        """,
        (customer_id, *EXCLUDED_STATUSES),
    ).fetchall()
    return {sku: float(orders) for sku, net, orders in rows if net is not None and net > 0 and np.isfinite(net)}


def _customer_exists(store, customer_id: str) -> bool:
    row = store.conn.execute(
        "SELECT 1 FROM customers WHERE customer_id = ? UNION ALL "
        "SELECT 1 FROM orders WHERE customer_id = ? LIMIT 1",
        (customer_id, customer_id),
    ).fetchone()
    return row is not None


def _rebuyable(store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT sku FROM products WHERE rebuyable")}


def _active_bundle(store):
    from engine.recommend.registry import BUNDLES

    record = modelstore.active_model(store, KIND)
    if record is None or record.file is None or not record.file.exists():
        return None, None
    return BUNDLES.get(record.file), record


# ---------------------------------------------------------------- recommending


def recommend_for_customer(shop_path: Path, customer_id, n: int = 10) -> CustomerRecommendations:
    """Recommend n products for one customer, with a score and a plain reason each.

    The customer's whole current history is read from the shop, so orders placed
    after training count at once (fold-in). Already-bought products are left out
    unless marked re-buyable. A customer with no purchases, an unknown id, or a shop
    without a trained model gets bestsellers with a label saying so; the list is
    never empty while the shop sells anything.

    Raises:
        InvalidCustomerIdError: the id is empty or not a whole number.
    """
    try:
        customer = normalize_customer_id(customer_id)
    except ValueError as error:
        raise InvalidCustomerIdError(customer_id, str(error)) from None
    with open_store(shop_path) as store:
        return _recommend(store, customer, n)


SHOP_BESTSELLERS = "Bestsellers across the shop; pick a customer for personal recommendations"


def shop_bestsellers(shop_path: Path, n: int = 10) -> CustomerRecommendations:
    """Load the shop's model in use into the process cache and return its bestsellers.

    Run this when the Recommendations tab opens: later calls of
    `recommend_for_customer` reuse the loaded model, so they skip reading the file.
    Without a trained model the bestsellers come straight from the orders.
    """
    with open_store(shop_path) as store:
        bundle, _ = _active_bundle(store)
        if bundle is None:
            return _live_bestsellers(store, "", n, {}, SHOP_BESTSELLERS)
        return _bundle_bestsellers(store, bundle, "", n, {}, SHOP_BESTSELLERS)


def _recommend(store, customer: str, n: int) -> CustomerRecommendations:
    history = _customer_history(store, customer)
    bundle, record = _active_bundle(store)
    if bundle is None:
        return _live_bestsellers(store, customer, n, history, FALLBACK_NO_MODEL)
    if not history:
        label = FALLBACK_NO_HISTORY if _customer_exists(store, customer) else FALLBACK_UNKNOWN
        return _bundle_bestsellers(store, bundle, customer, n, history, label)
    if bundle.model.name == "popularity":
        return _bundle_bestsellers(store, bundle, customer, n, history, FALLBACK_NOT_ENOUGH)

    rows = _history_rows(bundle, [history])
    scores = np.asarray(bundle.model.scores(rows), dtype=np.float64)[0]
    ranked = _rank(scores, bundle, history, _rebuyable(store), n)
    items = _with_reasons(store, bundle, history, ranked, scores)
    return CustomerRecommendations(customer, items, bundle.model.name, purchased=len(history))


def _history_rows(bundle, histories: list[dict[str, float]]):
    from scipy import sparse

    index = bundle.item_index()
    rows, columns, values = [], [], []
    for row, history in enumerate(histories):
        for sku, orders in history.items():
            column = index.get(sku)
            if column is not None:
                rows.append(row)
                columns.append(column)
                values.append(1.0 + np.log(max(orders, 1.0)))
    return sparse.csr_matrix(
        (np.array(values, dtype=np.float32), (rows, columns)),
        shape=(len(histories), len(bundle.items)),
    )


def _rank(scores: np.ndarray, bundle, history: dict, rebuyable: set[str], n: int) -> list[int]:
    scores = scores.copy()
    index = bundle.item_index()
    for sku in history:
        column = index.get(sku)
        if column is not None and sku not in rebuyable:
            scores[column] = -np.inf
    finite = np.flatnonzero(np.isfinite(scores))
    order = finite[np.argsort(-scores[finite], kind="stable")]
    return [int(column) for column in order[:n]]


def _with_reasons(store, bundle, history, ranked, scores) -> list[RecommendedItem]:
    skus = [str(bundle.items[column]) for column in ranked]
    titles = _titles(store, list(history) + skus)
    index = bundle.item_index()
    bought = np.array([index[sku] for sku in history if sku in index], dtype=np.int64)
    items = []
    for column, sku in zip(ranked, skus):
        reason = _reason(bundle, bought, column, titles)
        items.append(RecommendedItem(sku, titles[sku], round(float(scores[column]), 4), reason))
    return items


def _reason(bundle, bought: np.ndarray, column: int, titles: dict[str, str]) -> str:
    if len(bought):
        together = np.asarray(bundle.purchases[:, bought].T @ bundle.purchases[:, column].toarray()).ravel()
        best = int(np.argmax(together))
        if together[best] >= 2:
            title = titles.get(str(bundle.items[bought[best]]), str(bundle.items[bought[best]]))
            return f"bought with {title} by {int(together[best])} customers"
        similarity = [bundle.content.item_similarities(int(b))[column] for b in bought[:50]]
        best = int(np.argmax(similarity))
        if similarity[best] > 0.1:
            title = titles.get(str(bundle.items[bought[best]]), str(bundle.items[bought[best]]))
            return f"similar to {title}"
    return _popularity_reason(bundle, column)


def _popularity_reason(bundle, column: int) -> str:
    buyers = int(bundle.customer_counts[column])
    if buyers == 0:
        return "new in the catalog, no sales data yet"
    if buyers == 1:
        return "bestseller: bought by 1 customer"
    return f"bestseller: bought by {buyers} customers"


def _bundle_bestsellers(store, bundle, customer, n, history, label) -> CustomerRecommendations:
    ranked = _rank(bundle.popularity.astype(np.float64), bundle, history, _rebuyable(store), n)
    ranked = [column for column in ranked if bundle.popularity[column] > 0] or ranked
    titles = _titles(store, [str(bundle.items[c]) for c in ranked])
    items = [
        RecommendedItem(str(bundle.items[c]), titles[str(bundle.items[c])],
                        round(float(bundle.popularity[c]), 4), _popularity_reason(bundle, c))
        for c in ranked
    ]
    return CustomerRecommendations(customer, items, "popularity", True, label, len(history))


def _live_bestsellers(store, customer, n, history, label) -> CustomerRecommendations:
    """Bestsellers straight from the orders, used before any model is trained."""
    from engine.store.queries import EXCLUDED_STATUSES

    marks = ",".join("?" for _ in EXCLUDED_STATUSES)
    rows = store.conn.execute(
        f"""
        SELECT l.product_sku, coalesce(p.title, max(l.title)),
               count(DISTINCT coalesce(o.customer_id, 'order ' || o.id)) AS buyers
        FROM order_lines l JOIN orders o ON o.id = l.order_ref
        LEFT JOIN products p ON p.sku = l.product_sku
        WHERE l.kind = 'product' AND l.quantity > 0 AND l.product_sku IS NOT NULL
          AND coalesce(p.kind, 'product') = 'product'
          AND coalesce(lower(o.status), '') NOT IN ({marks})
        GROUP BY l.product_sku ORDER BY buyers DESC, l.product_sku LIMIT ?
        """,
        (*EXCLUDED_STATUSES, n + len(history)),
    ).fetchall()
    rebuyable = _rebuyable(store)
    items = [
        RecommendedItem(sku, title or sku, float(buyers), f"bestseller: bought by {buyers} customers")
        for sku, title, buyers in rows
        if sku not in history or sku in rebuyable
    ][:n]
    return CustomerRecommendations(customer, items, "popularity", True, label, len(history))


# ---------------------------------------------------------------- products


@dataclass
class SimilarProduct:
    sku: str
    title: str
    similarity: float
    reason: str


def similar_products(shop_path: Path, sku: str, n: int = 10) -> list[SimilarProduct]:
    """Return the n products most alike `sku` by title, category and description.

    Raises:
        ProductNotFoundError: no product with this SKU.
    """
    with open_store(shop_path) as store:
        catalog = _catalog(store)
        if sku not in catalog:
            raise ProductNotFoundError(sku)
        bundle, _ = _active_bundle(store)
        if bundle is not None and sku in bundle.item_index():
            content, items = bundle.content, bundle.items
        else:
            content, items = _live_content(store, catalog)
        column = int(np.flatnonzero(items == sku)[0])
        pairs = content.similar_items(column, n)
        titles = _titles(store, [str(items[c]) for c, _ in pairs])
        result = []
        for other, similarity in pairs:
            other_sku = str(items[other])
            category = catalog.get(sku, {}).get("category")
            same = category and catalog.get(other_sku, {}).get("category") == category
            reason = f"same category ({category}) and similar wording" if same else "similar name and description"
            result.append(SimilarProduct(other_sku, titles[other_sku], round(similarity, 4), reason))
        return result


_LIVE_CONTENT: dict[tuple[str, int], tuple] = {}


def _live_content(store, catalog):
    from engine.recommend.interactions import Interactions
    from engine.recommend.models import model_class
    from engine.recommend.models.base import FitContext

    key = (str(store.path.resolve()), len(catalog))
    if key not in _LIVE_CONTENT:
        items = np.array(sorted(catalog), dtype=str)
        model = model_class("content")()
        empty = Interactions(items, np.zeros(0, bool), items, None, np.zeros(0), np.zeros(0))
        model.fit(FitContext(empty, [catalog[sku]["text"] for sku in items]))
        _LIVE_CONTENT.clear()
        _LIVE_CONTENT[key] = (model, items)
    return _LIVE_CONTENT[key]


def bought_together(shop_path: Path, sku: str, n: int = 10) -> list[BoughtTogetherItem]:
    """Return products bought in the same orders as `sku`, with support, confidence
    and lift, most frequent pairs first.

    support = orders with both / all orders; confidence = orders with both / orders
    with `sku`; lift = confidence / (orders with the other / all orders). Pairs seen
    in a single order are listed only in shops with fewer than 100 orders.
    """
    from engine.store.queries import EXCLUDED_STATUSES

    marks = ",".join("?" for _ in EXCLUDED_STATUSES)
    basket_filter = (
        "l.kind = 'product' AND l.quantity > 0 AND l.product_sku IS NOT NULL "
        f"AND coalesce(lower(o.status), '') NOT IN ({marks})"
    )
    with open_store(shop_path) as store:
        if store.conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is None:
            if store.conn.execute("SELECT 1 FROM order_lines WHERE product_sku = ? LIMIT 1", (sku,)).fetchone() is None:
                raise ProductNotFoundError(sku)
        total = store.conn.execute(
            f"SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_ref = o.id WHERE {basket_filter}",
            EXCLUDED_STATUSES,
        ).fetchone()[0]
        with_item = store.conn.execute(
            f"SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_ref = o.id "
            f"WHERE {basket_filter} AND l.product_sku = ?",
            (*EXCLUDED_STATUSES, sku),
        ).fetchone()[0]
        if not total or not with_item:
            return []
        minimum = 1 if total < 100 else 2
        pairs = store.conn.execute(
            f"""
            WITH baskets AS (
                SELECT DISTINCT o.id FROM orders o JOIN order_lines l ON l.order_ref = o.id
                WHERE {basket_filter} AND l.product_sku = ?
            )
            SELECT l.product_sku, count(DISTINCT l.order_ref) AS together
            FROM order_lines l JOIN baskets b ON b.id = l.order_ref
            LEFT JOIN products p ON p.sku = l.product_sku
            WHERE l.kind = 'product' AND l.quantity > 0 AND l.product_sku != ?
              AND coalesce(p.kind, 'product') = 'product'
            GROUP BY l.product_sku HAVING together >= ?
            ORDER BY together DESC, l.product_sku LIMIT ?
            """,
            (*EXCLUDED_STATUSES, sku, sku, minimum, n),
        ).fetchall()
        result = []
        titles = _titles(store, [other for other, _ in pairs])
        for other, together in pairs:
            other_orders = store.conn.execute(
                f"SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_ref = o.id "
                f"WHERE {basket_filter} AND l.product_sku = ?",
                (*EXCLUDED_STATUSES, other),
            ).fetchone()[0]
            confidence = together / with_item
            lift = confidence / (other_orders / total) if other_orders else 0.0
            result.append(
                BoughtTogetherItem(other, titles[other], int(together), round(together / total, 5),
                                   round(confidence, 4), round(lift, 3))
            )
        return result


# ---------------------------------------------------------------- customers and models


@dataclass
class CustomerMatch:
    customer_id: str
    name: str
    email: str
    orders: int


def find_customers(shop_path: Path, text: str, limit: int = 50) -> list[CustomerMatch]:
    """Return customers whose id, name or e-mail contains `text` (ids matching
    exactly first), with their order counts."""
    text = text.strip()
    pattern = f"%{text}%"
    with open_store(shop_path) as store:
        rows = store.conn.execute(
            """
            SELECT c.customer_id, coalesce(c.name, ''), coalesce(c.email, ''),
                   (SELECT count(*) FROM orders o WHERE o.customer_id = c.customer_id) AS orders
            FROM customers c
            WHERE c.customer_id LIKE ? OR c.name LIKE ? OR c.email LIKE ?
            ORDER BY c.customer_id != ?, orders DESC, c.customer_id LIMIT ?
            """,
            (pattern, pattern, pattern, text, limit),
        ).fetchall()
    return [CustomerMatch(*row) for row in rows]


@dataclass
class ModelsOverview:
    """The stored models' validation metrics, which one is in use, and the last run."""

    models: list[dict]
    active: str | None
    active_trained_at: str | None
    note: str
    last_run: dict | None


def models_overview(shop_path: Path) -> ModelsOverview:
    with open_store(shop_path) as store:
        active = modelstore.active_model(store, KIND)
        run_id = None
        if active is not None:
            row = store.conn.execute("SELECT training_run_id FROM models WHERE id = ?", (active.id,)).fetchone()
            run_id = row[0] if row else None
        records = [
            record for record in modelstore.latest_models(store, KIND)
            if run_id is None or _run_of(store, record.id) == run_id
        ]
        models = [
            {"name": r.name, "label": MODEL_LABELS.get(r.name, r.name), "metrics": r.metrics, "is_active": r.is_active}
            for r in records
        ]
        return ModelsOverview(
            models=models,
            active=active.name if active else None,
            active_trained_at=active.trained_at if active else None,
            note=(active.metrics.get("note") or "") if active else "",
            last_run=modelstore.last_training_run(store, KIND),
        )


def _run_of(store, model_id: int):
    row = store.conn.execute("SELECT training_run_id FROM models WHERE id = ?", (model_id,)).fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------- export


EXPORT_HEADER = ["customer_id", "name", "email", "rank", "sku", "title", "score", "reason", "source"]


def export_recommendations(
    shop_path: Path,
    destination: Path,
    n: int = 10,
    progress=no_progress,
    cancel: CancelToken | None = None,
) -> ExportSummary:
    """Write n recommendations for every customer to a CSV file for an e-mail campaign.

    Cells that start with = + - @ are escaped so spreadsheets do not run them. The
    file is written beside `destination` first and renamed, so a cancelled export
    leaves no partial file.
    """
    from engine.export import write_csv

    report = ThrottledProgress(progress)
    with open_store(shop_path) as store:
        customers = store.conn.execute(
            "SELECT customer_id, coalesce(name, ''), coalesce(email, '') FROM customers "
            "UNION SELECT DISTINCT customer_id, '', '' FROM orders WHERE customer_id IS NOT NULL "
            "AND customer_id NOT IN (SELECT customer_id FROM customers) ORDER BY 1"
        ).fetchall()
        rows: list[list] = []
        fallbacks = 0
        for position, (customer, name, email) in enumerate(customers):
            if cancel is not None and position % 50 == 0:
                cancel.raise_if_cancelled("Exporting the recommendations")
            result = _recommend(store, customer, n)
            fallbacks += result.is_fallback
            source = result.label or MODEL_LABELS.get(result.model, result.model)
            for rank, item in enumerate(result.items, start=1):
                rows.append([customer, name, email, rank, item.sku, item.title, item.score, item.reason, source])
            report((position + 1) / max(len(customers), 1), f"Customer {position + 1:,} of {len(customers):,}")
    if cancel is not None:
        cancel.raise_if_cancelled("Exporting the recommendations")
    write_csv(destination, EXPORT_HEADER, rows)
    return ExportSummary(Path(destination), len(customers), len(rows), fallbacks)
