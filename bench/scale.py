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
from dataclasses import dataclass
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


# A step takes the shop and returns a short note for the Row's setting.
Step = Callable[[ScaleShop], str]


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


def run(args: argparse.Namespace) -> list[Row]:
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
    rows = []
    for name, step in [("generate CSV files", _generate(args.seed)), *STEPS, *feature_steps()]:
        started = time.perf_counter()
        note = step(shop)
        seconds = time.perf_counter() - started
        setting = f"{size}; {note}" if note else size
        rows.append(Row(DATASET, SYSTEM, "ours", f"{name}: seconds", seconds, setting))
        rows.append(Row(DATASET, SYSTEM, "ours", f"{name}: peak_rss_mb", _peak_rss_mb(), setting))
        # Each step's figures as soon as it ends, because the full run takes minutes.
        print(f"{name}: {seconds:.1f} s, peak RSS {_peak_rss_mb():.0f} MB; {note}", file=sys.stderr, flush=True)
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


def _overview_queries(shop: ScaleShop) -> str:
    from engine.store.queries import import_runs, revenue_by_month, top_products
    from ui.shop_access import open_for_reading

    with open_for_reading(shop.shop_path) as store:
        months = revenue_by_month(store)
        top_products(store)
        import_runs(store)
    return f"revenue by month ({len(months)} months), top products, import runs"


def _backup(shop: ScaleShop) -> str:
    from engine.store import open_store

    with open_store(shop.shop_path) as store:
        destination = store.backup(shop.folder / "manual-backup.db")
    return f"File > Back up shop, {destination.stat().st_size / 1e6:.0f} MB"


# Steps that need only the store and the importers, in order.
STEPS: list[tuple[str, Step]] = [
    ("import products", _import_products),
    ("import orders", _import_orders),
    ("open shop", _open_shop),
    ("counts", _counts),
    ("overview queries", _overview_queries),
    ("back up shop", _backup),
]


def _train_default_recommender(shop: ScaleShop) -> str:
    service = importlib.import_module("engine.recommend.service")
    service.train_shop(shop.shop_path, lambda fraction, text: None, None)
    return "engine.recommend.service.train_shop"


def feature_steps() -> list[tuple[str, Step]]:
    """Return the steps of features that exist in this build.

    Training runs when `engine.recommend.service.train_shop` exists. Opening each
    tab and timing its first results is to be added here once the tabs load their
    data. That step needs a Qt application, so it belongs in its own function.
    """
    steps = []
    try:
        service = importlib.import_module("engine.recommend.service")
    except ImportError:
        service = None
    if service is not None and hasattr(service, "train_shop"):
        steps.append(("train default recommender", _train_default_recommender))
    return steps
