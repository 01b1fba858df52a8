"""The catalog's FTS5 index (table product_search) and the catalog rows it covers.

The index is rebuilt only when the catalog signature changes: a digest of the
product and tag counts and their latest change times, so checking it costs one
aggregate query per search.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from dataclasses import dataclass

from engine.search.text import clean_text
from engine.store import Store, utc_now

log = logging.getLogger(__name__)

INDEX_NAME = "product_search"

# Descriptions are cut to this many characters in the index: the opening of a
# description names the product, the rest is care notes and sizes.
DESCRIPTION_CHARS = 600


@dataclass(frozen=True)
class CatalogEntry:
    """One searchable product."""

    sku: str
    title: str
    category: str
    price: float | None
    currency: str | None
    description: str
    tags: str


def catalog_signature(conn: sqlite3.Connection) -> str:
    """Return a digest that changes whenever a searchable product or tag changes."""
    products = conn.execute(
        "SELECT count(*), max(updated_at), total(length(title)), "
        "total(length(coalesce(category, ''))) FROM products WHERE kind != 'non_product'"
    ).fetchone()
    tags = conn.execute(
        "SELECT count(*), max(coalesce(updated_at, created_at)) FROM tags "
        "WHERE status != 'removed'"
    ).fetchone()
    return hashlib.sha256(repr((products, tags)).encode()).hexdigest()[:32]


def load_catalog(conn: sqlite3.Connection) -> list[CatalogEntry]:
    """Read every product that can be searched for, in SKU order."""
    rows = conn.execute(
        """
        SELECT p.sku, p.title, coalesce(p.category, ''), p.price, p.currency,
               coalesce(p.description, ''),
               coalesce((SELECT group_concat(DISTINCT t.value) FROM tags t
                         WHERE t.product_sku = p.sku AND t.status != 'removed'), '')
        FROM products p
        WHERE p.kind != 'non_product'
        ORDER BY p.sku
        """
    ).fetchall()
    return [
        CatalogEntry(
            sku=sku,
            title=" ".join((title or "").split()),
            category=category,
            price=price,
            currency=currency,
            description=clean_text(description)[:DESCRIPTION_CHARS],
            tags=tags.replace(",", ", "),
        )
        for sku, title, category, price, currency, description, tags in rows
    ]


def indexed_signature(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(
        "SELECT signature FROM search_index_state WHERE name = ?", (INDEX_NAME,)
    ).fetchone()
    return row[0] if row else None


def ensure_index(store: Store) -> bool:
    """Rebuild the FTS5 index when the catalog changed since the last build.

    Returns:
        True when the index was rebuilt.
    """
    signature = catalog_signature(store.conn)
    if indexed_signature(store.conn) == signature:
        return False

    started = time.monotonic()
    entries = load_catalog(store.conn)
    with store.transaction() as conn:
        conn.execute("DELETE FROM product_search")
        conn.executemany(
            "INSERT INTO product_search (sku, title, description, category, tags) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (entry.sku, entry.title, entry.description, entry.category, entry.tags)
                for entry in entries
            ],
        )
        conn.execute(
            "INSERT OR REPLACE INTO search_index_state (name, signature, built_at) "
            "VALUES (?, ?, ?)",
            (INDEX_NAME, signature, utc_now()),
        )
    log.info(
        "Rebuilt the search index of %s: %d products in %.2f s",
        store.path,
        len(entries),
        time.monotonic() - started,
    )
    return True


def fts_search(
    conn: sqlite3.Connection, terms: list[str], limit: int = 200
) -> dict[str, float]:
    """Return BM25 scores (higher is better) of products matching any of `terms`.

    Title words count ten times, category and tags three times and description
    words once.
    """
    quoted = sorted({f'"{term}"' for term in terms if term})
    if not quoted:
        return {}
    rows = conn.execute(
        "SELECT sku, bm25(product_search, 0.0, 10.0, 1.0, 3.0, 3.0) AS rank "
        "FROM product_search WHERE product_search MATCH ? ORDER BY rank LIMIT ?",
        (" OR ".join(quoted), limit),
    ).fetchall()
    # SQLite's bm25() is negative, more negative for better matches.
    return {sku: -rank for sku, rank in rows}
