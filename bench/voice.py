"""Voice search hits, word error rate and latency against pocketsphinx and plain Whisper.

Data sets (see docs/bench-voice.md for sources and licences):
- spoken-queries: 120 spoken product queries with their target product, searched
  in a catalog of every UCI Online Retail product plus the Luma catalog;
- pocketsphinx-recordings: 11 real recordings with transcripts (word error rate);
- fsdd: a stratified slice of the free spoken digit dataset (word error rate);
- silence-and-noise: the silent, noise-only and all-zero case files plus
  generated noise (false queries).

Every system runs in this process on the same files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import logging
import resource
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import datasets
from bench.runner import Row

log = logging.getLogger(__name__)

# UCI stock codes that are postage, fees and adjustments, not products.
NON_PRODUCT_CODES = {
    "POST", "D", "M", "DOT", "BANK CHARGES", "C2", "CRUK", "AMAZONFEE", "PADS", "S", "B",
}  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this benchmark's options."""
    parser.add_argument(
        "--queries",
        type=int,
        default=120,
        help="number of spoken queries to run (default: all 120)",
    )
    parser.add_argument(
        "--digits",
        type=int,
        default=5,
        help="recordings per digit and speaker from the spoken digit set (default 5)",
    )
    parser.add_argument(
        "--skip-sphinx-grammar",
        action="store_true",
        help="leave out the slow pocketsphinx catalog-grammar peer",
    )


# -- data ------------------------------------------------------------------------


def uci_products() -> dict[str, tuple[str, float | None]]:
    """Return StockCode → (most frequent description, median unit price)."""
    names: dict[str, Counter] = defaultdict(Counter)
    prices: dict[str, list[float]] = defaultdict(list)
    with gzip.open(datasets.uci_online_retail(), "rt", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            code = row["StockCode"].strip()
            description = " ".join((row["Description"] or "").split())
            if code in NON_PRODUCT_CODES or not any(c.isdigit() for c in code):
                continue
            if not description or description.startswith("?") or description.islower():
                continue
            names[code][description] += 1
            try:
                prices[code].append(float(row["UnitPrice"]))
            except ValueError:
                pass
    return {
        code: (counts.most_common(1)[0][0], float(np.median(prices[code])) if prices[code] else None)
        for code, counts in names.items()
    }


def build_catalog_shop(folder: Path) -> Path:
    """Create a shop holding every UCI product and the Luma catalog; return its path."""
    from engine.store import open_store, utc_now

    path = folder / "catalog" / "shop.db"
    now = utc_now()
    rows = [
        (code, name, None, price, "GBP", None, "uci_online_retail", now, now)
        for code, (name, price) in uci_products().items()
    ]
    with open(datasets.luma_catalog_dir() / "products.csv", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            price = float(row["price"]) if row["price"] else None
            rows.append(
                (
                    row["sku"], row["name"], row["description_html"], price, "USD",
                    row["category"], "luma", now, now,
                )
            )  # fmt: skip
    with open_store(path, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, description, price, currency, category, "
            "source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return path


@dataclass(frozen=True)
class SpokenQuery:
    file: Path
    text: str
    target: str
    sample_rate: int


def spoken_queries(limit: int) -> list[SpokenQuery]:
    folder = datasets.spoken_queries_dir()
    with open(folder / "queries.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        SpokenQuery(folder / row["file"], row["spoken_text"], row["product_id"], int(row["sample_rate_hz"]))
        for row in rows[:limit]
    ]
