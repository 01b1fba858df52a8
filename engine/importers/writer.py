"""Write imported records in batches inside the import's one transaction.

Every record kind is upserted by its natural key: products by SKU, variants by
variant key, photos by (product, location), customers by id, reviews by review key,
order lines by (order, line id). Each batch reads the existing rows with one query,
compares values and then inserts or updates with `executemany`, so a second import
of the same file writes nothing and reports everything as unchanged.

Counts go into `Writer.counts` as `<kind>_new`, `<kind>_updated` and
`<kind>_unchanged`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from typing import Any, Callable, Iterable, Sequence

from engine.importers.catalog import is_add_on_title
from engine.importers.order_writer import OrderWriter

BATCH_SIZE = 5000
# SQLite accepts up to 32,766 parameters per statement; 500 keeps queries short.
_LOOKUP_CHUNK = 500


def to_json(value: dict | list | None) -> str | None:
    """Return compact JSON text for a non-empty dict or list, else None."""
    if not value:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _merge_product(old: tuple, new: tuple) -> tuple:
    """Combine a stored product with the same SKU's values from another file.

    A file updates only what it contains: a column it lacks or a blank cell keeps
    the stored value, so a stock list never erases prices or descriptions, and its
    attributes are added to the stored ones.
    """
    merged = [value if value is not None else stored for value, stored in zip(new, old)]
    if old[6] and new[6]:
        attributes = json.loads(old[6])
        attributes.update(json.loads(new[6]))
        merged[6] = to_json(attributes)
    return tuple(merged)


def product_count_key(kind: str) -> str:
    """Return the counts key for a products-table row of `kind`."""
    return "products" if kind == "product" else "non_product_items"


class Writer:
    """Buffered writer of one import run's records."""

    def __init__(self, conn: sqlite3.Connection, run_id: int, source: str, now: str) -> None:
        self.conn = conn
        self.run_id = run_id
        self.source = source
        self.now = now
        self.counts: Counter[str] = Counter()
        self.orders: OrderWriter | None = None
        # Share of the file read so far, 0 to 1; the import context sets it.
        self.fraction_read: Callable[[], float] = lambda: 0.0

        self._products: list[tuple] = []
        self._product_rows: dict[str, int | None] = {}
        self._variants: list[tuple] = []
        self._variant_rows: dict[str, int | None] = {}
        self._photos: list[tuple] = []
        self._photo_keys: set[tuple[str, str]] = set()
        self._customers: list[tuple] = []
        self._customer_ids: set[str] = set()
        self._reviews: list[tuple] = []
        self._review_occurrences: Counter[str] = Counter()
        self._skipped: list[tuple] = []

    def open_orders(self, *, explicit_line_ids: bool, computed_totals: bool) -> OrderWriter:
        """Create the order writer for an orders file and return it."""
        self.orders = OrderWriter(
            self.conn,
            self.run_id,
            self.source,
            self.counts,
            explicit_line_ids=explicit_line_ids,
            computed_totals=computed_totals,
            fraction_read=self.fraction_read,
        )
        return self.orders

    # Products, variants, photos

    def add_product(
        self,
        sku: str,
        title: str,
        *,
        description: str | None = None,
        category: str | None = None,
        price: float | None = None,
        currency: str | None = None,
        attributes: dict[str, Any] | None = None,
        kind: str = "product",
        row_number: int | None = None,
        keep_other_sources: bool = False,
    ) -> bool:
        """Queue a product; return False when this run already has that SKU.

        A product whose title names an extra such as "Shipping protection" is
        stored as kind 'add_on' (see `catalog.is_add_on_title`).

        Args:
            keep_other_sources: leave a product alone when another source (a
                catalog import) created it; order files use this so their item
                names never overwrite the catalog's.
        """
        if sku in self._product_rows:
            return False
        self._product_rows[sku] = row_number
        if kind == "product" and is_add_on_title(title):
            kind = "add_on"
        values = (sku, title, description, category, price, currency, to_json(attributes), kind)
        self._products.append((values, keep_other_sources))
        if len(self._products) >= BATCH_SIZE:
            self._flush_products()
        return True

    def product_row(self, sku: str) -> int | None:
        """Return the row that added `sku` in this run, if it came from a row."""
        return self._product_rows.get(sku)

    def has_product(self, sku: str) -> bool:
        """Return True when this run added the product `sku`."""
        return sku in self._product_rows

    def add_variant(
        self,
        variant_key: str,
        product_sku: str,
        *,
        sku: str | None,
        title: str | None,
        options: dict[str, str] | None,
        price: float | None,
        stock: float | None,
        problem: str | None = None,
        row_number: int | None = None,
    ) -> bool:
        """Queue a product variant; return False when this run already has its key."""
        if variant_key in self._variant_rows:
            return False
        self._variant_rows[variant_key] = row_number
        options_json = json.dumps(options or {}, ensure_ascii=False, separators=(",", ":"))
        self._variants.append(
            (variant_key, product_sku, sku, title, options_json, price, stock, problem)
        )
        if len(self._variants) >= BATCH_SIZE:
            self._flush_variants()
        return True

    def variant_row(self, variant_key: str) -> int | None:
        """Return the row that added the variant in this run, if it came from a row."""
        return self._variant_rows.get(variant_key)

    def add_photo(
        self, product_sku: str, location: str, position: int | None, alt_text: str | None = None
    ) -> bool:
        """Queue a product photo; return False when this run already has it."""
        key = (product_sku, location)
        if key in self._photo_keys:
            return False
        self._photo_keys.add(key)
        self._photos.append((product_sku, location, position, alt_text or None))
        if len(self._photos) >= BATCH_SIZE:
            self._flush_photos()
        return True

    # Customers

    def add_customer(
        self,
        customer_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        country: str | None = None,
    ) -> None:
        """Queue a customer the first time this run meets the id."""
        if customer_id in self._customer_ids:
            return
        self._customer_ids.add(customer_id)
        self._customers.append((customer_id, name or None, email or None, country or None))
        if len(self._customers) >= BATCH_SIZE:
            self._flush_customers()

    # Reviews

    def add_review(
        self,
        *,
        product_sku: str | None,
        product_title: str | None,
        rating: float | None,
        title: str | None,
        body: str | None,
        author: str | None,
        reviewed_at: str | None,
    ) -> None:
        """Queue a review keyed by its content and how often that content came before.

        Two identical reviews in one file stay two (occurrence 1 and 2), and
        importing the file again finds both keys already present.
        """
        content = "\x1f".join(
            part or "" for part in (product_sku, title, body, author, reviewed_at)
        )
        digest = hashlib.sha1(content.encode("utf-8")).hexdigest()[:20]
        self._review_occurrences[digest] += 1
        key = f"{self.source}:{digest}:{self._review_occurrences[digest]}"
        self._reviews.append(
            (key, product_sku, product_title, rating, title, body, author, reviewed_at)
        )
        if len(self._reviews) >= BATCH_SIZE:
            self._flush_reviews()

    # Skipped rows

    def add_skipped(self, row_number: int, reason: str, values: dict[str, str]) -> None:
        """Queue a skipped row so it is saved with the import run."""
        raw = json.dumps(values, ensure_ascii=False)
        self._skipped.append((self.run_id, row_number, reason, raw))
        if len(self._skipped) >= BATCH_SIZE:
            self._flush_skipped()

    # Flushing

    def flush(self) -> None:
        """Write everything queued."""
        self._flush_customers()
        if self.orders is not None:
            self.orders.flush()
        self._flush_products()
        self._flush_variants()
        self._flush_photos()
        self._flush_reviews()
        self._flush_skipped()

    def finish(self) -> None:
        """Write everything queued and the values computed from the whole file."""
        self.flush()
        if self.orders is not None:
            self.orders.finish()

    def _fetch_existing(self, sql: str, keys: Sequence[str]) -> dict[str, tuple]:
        # The first column of `sql` is the key.
        return {row[0]: row for row in self._fetch_rows(sql, keys)}

    def _flush_products(self) -> None:
        pending, self._products = self._products, []
        if not pending:
            return
        existing = self._fetch_existing(
            "SELECT sku, title, description, category, price, currency, attributes, "
            "kind, source FROM products WHERE sku IN ({})",
            [values[0] for values, _ in pending],
        )
        inserts, updates, not_products = [], [], []
        for values, keep_other_sources in pending:
            key = product_count_key(values[7])
            old = existing.get(values[0])
            if old is None:
                inserts.append((*values, self.source, self.run_id, self.now, self.now))
                self.counts[f"{key}_new"] += 1
                if values[7] != "product":
                    not_products.append((values[7], values[0]))
                continue
            merged = _merge_product(old[:8], values)
            if merged == old[:8] or (keep_other_sources and old[8] != self.source):
                self.counts[f"{key}_unchanged"] += 1
            else:
                updates.append((*merged[1:], self.source, self.run_id, self.now, values[0]))
                self.counts[f"{key}_updated"] += 1
                if merged[7] != "product":
                    not_products.append((merged[7], values[0]))
        self.conn.executemany(
            "INSERT INTO products (sku, title, description, category, price, currency, "
            "attributes, kind, source, import_run_id, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            inserts,
        )
        self.conn.executemany(
            "UPDATE products SET title=?, description=?, category=?, price=?, currency=?, "
            "attributes=?, kind=?, source=?, import_run_id=?, updated_at=? WHERE sku=?",
            updates,
        )
        self._mark_order_lines(not_products)

    def _mark_order_lines(self, not_products: list[tuple[str, str]]) -> None:
        # Orders imported before the catalog stored these items' lines as products.
        # Marking them here keeps add-ons and charges out of sales and
        # recommendations whichever file came first.
        if not not_products:
            return
        cursor = self.conn.executemany(
            "UPDATE order_lines SET kind = ? "
            "WHERE product_sku = ? AND kind = 'product'",
            not_products,
        )
        self.counts["order_lines_marked_not_product"] += max(cursor.rowcount, 0)

    def _flush_variants(self) -> None:
        pending, self._variants = self._variants, []
        if not pending:
            return
        existing = self._fetch_existing(
            "SELECT variant_key, product_sku, sku, title, options, price, stock, problem "
            "FROM product_variants WHERE variant_key IN ({})",
            [values[0] for values in pending],
        )
        inserts, updates = [], []
        for values in pending:
            old = existing.get(values[0])
            if old is None:
                inserts.append((*values, self.source, self.run_id))
                self.counts["variants_new"] += 1
                continue
            # A value missing from this file keeps the stored one.
            values = tuple(new if new is not None else stored for new, stored in zip(values, old))
            if old == values:
                self.counts["variants_unchanged"] += 1
            else:
                updates.append((*values[1:], self.source, self.run_id, values[0]))
                self.counts["variants_updated"] += 1
        self.conn.executemany(
            "INSERT INTO product_variants (variant_key, product_sku, sku, title, options, "
            "price, stock, problem, source, import_run_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            inserts,
        )
        self.conn.executemany(
            "UPDATE product_variants SET product_sku=?, sku=?, title=?, options=?, price=?, "
            "stock=?, problem=?, source=?, import_run_id=? WHERE variant_key=?",
            updates,
        )

    def _flush_photos(self) -> None:
        pending, self._photos = self._photos, []
        if not pending:
            return
        existing: dict[tuple[str, str], tuple] = {}
        for row in self._fetch_rows(
            "SELECT product_sku, location, position, alt_text FROM product_photos "
            "WHERE product_sku IN ({})",
            [values[0] for values in pending],
        ):
            existing[(row[0], row[1])] = row
        inserts, updates = [], []
        for values in pending:
            old = existing.get((values[0], values[1]))
            if old is None:
                inserts.append((*values, self.source, self.run_id, self.now))
                self.counts["photos_new"] += 1
            elif old == values:
                self.counts["photos_unchanged"] += 1
            else:
                updates.append((values[2], values[3], self.run_id, values[0], values[1]))
                self.counts["photos_updated"] += 1
        self.conn.executemany(
            "INSERT INTO product_photos (product_sku, location, position, alt_text, source, "
            "import_run_id, added_at) VALUES (?,?,?,?,?,?,?)",
            inserts,
        )
        self.conn.executemany(
            "UPDATE product_photos SET position=?, alt_text=?, import_run_id=? "
            "WHERE product_sku=? AND location=?",
            updates,
        )

    def _fetch_rows(self, sql: str, keys: Iterable[str]) -> list[tuple]:
        # `sql` has one `{}` for the placeholders of a chunk of keys.
        unique = list(dict.fromkeys(keys))
        rows: list[tuple] = []
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start : start + _LOOKUP_CHUNK]
            rows += self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    def _flush_customers(self) -> None:
        pending, self._customers = self._customers, []
        if not pending:
            return
        existing = self._fetch_existing(
            "SELECT customer_id, name, email, country FROM customers "
            "WHERE customer_id IN ({})",
            [values[0] for values in pending],
        )
        inserts, updates = [], []
        for values in pending:
            old = existing.get(values[0])
            if old is None:
                inserts.append((*values, self.source, self.run_id, self.now))
                self.counts["customers_new"] += 1
                continue
            # A customer's details are only filled in, never overwritten: another
            # file may know them better.
            filled = tuple(old[i] if old[i] is not None else values[i] for i in (1, 2, 3))
            if filled == old[1:]:
                self.counts["customers_unchanged"] += 1
            else:
                updates.append((*filled, values[0]))
                self.counts["customers_updated"] += 1
        self.conn.executemany(
            "INSERT INTO customers (customer_id, name, email, country, source, "
            "import_run_id, created_at) VALUES (?,?,?,?,?,?,?)",
            inserts,
        )
        self.conn.executemany(
            "UPDATE customers SET name=?, email=?, country=? WHERE customer_id=?", updates
        )

    def _flush_reviews(self) -> None:
        pending, self._reviews = self._reviews, []
        if not pending:
            return
        existing = self._fetch_existing(
            "SELECT review_key, product_sku, product_title, rating, title, body, author, "
            "reviewed_at FROM reviews WHERE review_key IN ({})",
            [values[0] for values in pending],
        )
        inserts, updates = [], []
        for values in pending:
            old = existing.get(values[0])
            if old is None:
                inserts.append((values[0], self.source, *values[1:], self.run_id))
                self.counts["reviews_new"] += 1
            elif old == values:
                self.counts["reviews_unchanged"] += 1
            else:
                updates.append((*values[1:], self.run_id, values[0]))
                self.counts["reviews_updated"] += 1
        self.conn.executemany(
            "INSERT INTO reviews (review_key, source, product_sku, product_title, rating, "
            "title, body, author, reviewed_at, import_run_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            inserts,
        )
        self.conn.executemany(
            "UPDATE reviews SET product_sku=?, product_title=?, rating=?, title=?, body=?, "
            "author=?, reviewed_at=?, import_run_id=? WHERE review_key=?",
            updates,
        )

    def _flush_skipped(self) -> None:
        pending, self._skipped = self._skipped, []
        self.conn.executemany(
            "INSERT INTO import_skipped_rows (import_run_id, row_number, reason, raw_values) "
            "VALUES (?,?,?,?)",
            pending,
        )
