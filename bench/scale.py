"""Large shop: generate, import and query 1,000,000 order lines; time and peak memory.

The shop is generated with a fixed seed: a generic products CSV (SKU, name,
category, price) and a generic orders CSV (one row per order line), written to a
temporary folder. Product popularity follows a Zipf-like law and customers place
a few orders each, as in a real shop. Each step runs in this process. A Row records its
seconds and the process's peak RSS after it. Peak RSS only grows, so a step's
figure includes the steps before it.

Steps that need features (training the default recommender, opening each tab)
are appended to `STEPS` when they exist; see `feature_steps`.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench.runner import Row

DATASET = "generated large shop"
SYSTEM = "Merchant Assistant"
ORDER_LINES = 1_000_000
PRODUCTS = 50_000
CUSTOMERS = 100_000
SEED = 20240601
CATEGORIES = ["Mugs", "Bowls", "Plates", "Aprons", "Totes", "Vases", "Candles", "Cards"]


@dataclass
class ScaleShop:
    """Files and shop of one run, shared by the steps."""

    folder: Path
    products_csv: Path
    orders_csv: Path
    shop_path: Path
    order_lines: int
    products: int
    customers: int


@dataclass
class StepOutcome:
    """A step's note for the Row's setting, and figures of its own."""

    note: str
    # (metric, value) pairs, e.g. ("top_products: seconds", 0.02).
    figures: list[tuple[str, float]] = field(default_factory=list)


# A step takes the shop and returns a short note for the Row's setting, or a
# StepOutcome when it has figures of its own.
Step = Callable[[ScaleShop], "str | StepOutcome"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full size (1.0 = 1,000,000 order lines, 50,000 "
        "products, 100,000 customers)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="random seed of the data")
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the files and shop here and keep them"
    )
    parser.add_argument(
        "--skip-training",
        action="store_true",
        help="leave out training the default recommender; the other steps still run",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: use the files and shop already in that folder, skipping "
        "generating and importing them",
    )


def run(args: argparse.Namespace) -> list[Row]:
    if args.reuse and args.keep is None:
        raise SystemExit("--reuse needs --keep FOLDER: the folder of an earlier run.")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return _run_in(args.keep, args)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        return _run_in(Path(folder), args)


def _run_in(folder: Path, args: argparse.Namespace) -> list[Row]:
    shop = ScaleShop(
        folder=folder,
        products_csv=folder / "products.csv",
        orders_csv=folder / "orders.csv",
        shop_path=folder / "shop" / "shop.db",
        order_lines=max(1, int(ORDER_LINES * args.scale)),
        products=max(1, int(PRODUCTS * args.scale)),
        customers=max(1, int(CUSTOMERS * args.scale)),
    )
    size = f"{shop.order_lines:,} order lines, {shop.products:,} products, {shop.customers:,} customers"
    steps = [("generate CSV files", _generate(args.seed)), *IMPORT_STEPS]
    if args.reuse:
        if not shop.shop_path.exists():
            raise SystemExit(
                f"No shop to reuse at {shop.shop_path}. Run once with --keep "
                f"{folder} and without --reuse."
            )
        steps = []
    rows = []
    for name, step in [*steps, *STEPS, *feature_steps(args)]:
        started = time.perf_counter()
        outcome = step(shop)
        seconds = time.perf_counter() - started
        if isinstance(outcome, str):
            outcome = StepOutcome(outcome)
        note = outcome.note
        setting = f"{size}; {note}" if note else size
        rows.append(Row(DATASET, SYSTEM, "ours", f"{name}: seconds", seconds, setting))
        rows.append(Row(DATASET, SYSTEM, "ours", f"{name}: peak_rss_mb", _peak_rss_mb(), setting))
        # Each step's figures as soon as it ends, because the full run takes minutes.
        print(f"{name}: {seconds:.1f} s, peak RSS {_peak_rss_mb():.0f} MB; {note}", file=sys.stderr, flush=True)
        for metric, value in outcome.figures:
            rows.append(Row(DATASET, SYSTEM, "ours", f"{name}: {metric}", value, size))
            print(f"  {metric}: {value:,.3f}", file=sys.stderr, flush=True)
    return rows


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(seed: int) -> Step:
    def generate(shop: ScaleShop) -> str:
        rng = random.Random(seed)
        prices = _write_products(shop, rng)
        orders = _write_orders(shop, rng, prices)
        size_mb = (shop.products_csv.stat().st_size + shop.orders_csv.stat().st_size) / 1e6
        return f"{orders:,} orders, {size_mb:.0f} MB of CSV"

    return generate


def _write_products(shop: ScaleShop, rng: random.Random) -> list[float]:
    prices = []
    with open(shop.products_csv, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["sku", "name", "category", "price"])
        for number in range(shop.products):
            category = CATEGORIES[number % len(CATEGORIES)]
            price = round(rng.uniform(2, 120), 2)
            prices.append(price)
            writer.writerow([f"SKU-{number:06d}", f"{category[:-1]} no. {number}", category, f"{price:.2f}"])
    return prices


def _write_orders(shop: ScaleShop, rng: random.Random, prices: list[float]) -> int:
    # Zipf-like popularity: product k is chosen with weight 1 / (k + 10).
    weights = [1.0 / (rank + 10) for rank in range(shop.products)]
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    written = 0
    order_number = 0
    with open(shop.orders_csv, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["order_id", "line_id", "date", "customer_id", "sku", "quantity", "unit_price"])
        while written < shop.order_lines:
            order_number += 1
            customer = f"C-{rng.randrange(shop.customers):06d}"
            day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(8, 21):02d}:00:00"
            line_count = min(rng.choice((1, 1, 2, 2, 3, 4, 6)), shop.order_lines - written)
            products = rng.choices(range(shop.products), cum_weights=cumulative, k=line_count)
            for line, product in enumerate(products, start=1):
                writer.writerow(
                    [f"O-{order_number:07d}", line, day, customer, f"SKU-{product:06d}",
                     rng.choice((1, 1, 1, 2, 3)), f"{prices[product]:.2f}"]
                )
            written += line_count
    return order_number


def _import_products(shop: ScaleShop) -> str:
    from engine.importers import import_file
    from engine.store import open_store

    with open_store(shop.shop_path, create=True) as store:
        report = import_file(store, shop.products_csv, kind="products")
    return f"{report.imported:,} products imported, {report.skipped_total:,} skipped"


def _import_orders(shop: ScaleShop) -> str:
    from engine.importers import import_file
    from engine.store import open_store

    with open_store(shop.shop_path) as store:
        report = import_file(store, shop.orders_csv, kind="orders")
    backup = "with the automatic backup before it" if report.backup else "no backup"
    return f"{report.counts.get('order_lines', 0):,} order lines imported, {backup}"


def _open_shop(shop: ScaleShop) -> str:
    from engine.store import open_store

    open_store(shop.shop_path).close()
    return "open_store: quick_check, migrations, interrupted-run check"


def _counts(shop: ScaleShop) -> str:
    from engine.store.queries import counts
    from ui.shop_access import open_for_reading

    with open_for_reading(shop.shop_path) as store:
        found = counts(store)
    return f"{found.order_lines:,} order lines, {found.customers:,} customers counted"


def _overview_queries(shop: ScaleShop) -> StepOutcome:
    from engine.store import queries
    from ui.shop_access import open_for_reading

    # The queries of `ui.tabs.overview_tab.load_overview_data`, in its order.
    calls = [
        ("counts", queries.counts),
        ("revenue_by_month", queries.revenue_by_month),
        ("top_products", lambda store: queries.top_products(store, limit=10)),
        ("import_runs", lambda store: queries.import_runs(store, limit=1)),
    ]
    figures = []
    results = {}
    with open_for_reading(shop.shop_path) as store:
        for name, call in calls:
            started = time.perf_counter()
            results[name] = call(store)
            figures.append((f"{name}: seconds", time.perf_counter() - started))
    months = len(results["revenue_by_month"])
    return StepOutcome(
        f"counts, revenue by month ({months} months), top products, import runs", figures
    )


def _backup(shop: ScaleShop) -> str:
    from engine.store import open_store

    with open_store(shop.shop_path) as store:
        destination = store.backup(shop.folder / "manual-backup.db")
    return f"File > Back up shop, {destination.stat().st_size / 1e6:.0f} MB"


# Steps that make the shop; --reuse leaves them out.
IMPORT_STEPS: list[tuple[str, Step]] = [
    ("import products", _import_products),
    ("import orders", _import_orders),
]
# Steps that need only the store and the importers, in order.
STEPS: list[tuple[str, Step]] = [
    ("open shop", _open_shop),
    ("counts", _counts),
    ("overview queries", _overview_queries),
    ("back up shop", _backup),
]


def _train_default_recommender(shop: ScaleShop) -> str:
    service = importlib.import_module("engine.recommend.service")
    service.train_shop(shop.shop_path, lambda fraction, text: None, None)
    return "engine.recommend.service.train_shop"


def _open_window(allow_training: bool) -> Step:
    def open_window(shop: ScaleShop) -> StepOutcome:
        from bench.window_timing import time_tabs

        open_seconds, timings = time_tabs(shop.shop_path, allow_training=allow_training)
        figures = [("open shop in the window: seconds", open_seconds)]
        notes = []
        for timing in timings:
            shown = -1.0 if timing.seconds is None else timing.seconds
            figures.append((f"{timing.tab} tab: seconds to first results", shown))
            figures.append((f"{timing.tab} tab: longest stall ms", timing.longest_stall_ms))
            jobs = ", ".join(timing.jobs) or "no jobs"
            problem = f"; {timing.problem}" if timing.problem else ""
            notes.append(f"{timing.tab}: {jobs}{problem}")
            print(f"  {timing.tab}: {jobs}{problem}", file=sys.stderr, flush=True)
        training = "" if allow_training else "; the tab's automatic training skipped"
        return StepOutcome(
            "offscreen main window; -1 s means no results (see the note)"
            f"{training}; " + " | ".join(notes),
            figures,
        )

    return open_window


def feature_steps(args: argparse.Namespace) -> list[tuple[str, Step]]:
    """Return the steps of features that exist in this build.

    Training runs when `engine.recommend.service.train_shop` exists, unless
    `--skip-training` is given. Then the main window opens offscreen on the
    shop, and each tab's seconds to first results and longest event-loop stall
    are recorded (`bench.window_timing`).
    """
    steps = []
    try:
        service = importlib.import_module("engine.recommend.service")
    except ImportError:
        service = None
    has_training = service is not None and hasattr(service, "train_shop")
    if has_training and not args.skip_training:
        steps.append(("train default recommender", _train_default_recommender))
    steps.append(("open window and switch tabs", _open_window(not args.skip_training)))
    return steps
