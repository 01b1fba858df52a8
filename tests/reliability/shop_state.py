"""Helpers shared by the reliability tests: shop contents, file copies, child processes."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

# Each table's columns that come from the imported file, without run ids and times.
STATE_QUERIES = {
    "products": "SELECT sku, title, description, category, price, currency, attributes, "
    "kind FROM products ORDER BY sku",
    "variants": "SELECT variant_key, product_sku, sku, title, options, price, stock, "
    "problem FROM product_variants ORDER BY variant_key",
    "photos": "SELECT product_sku, location, position, alt_text FROM product_photos "
    "ORDER BY product_sku, location",
    "customers": "SELECT customer_id, name, email, country FROM customers "
    "ORDER BY customer_id",
    "orders": "SELECT source, order_id, customer_id, ordered_at, status, "
    "is_cancellation, currency, total, country, attributes FROM orders "
    "ORDER BY source, order_id",
    "order_lines": "SELECT o.order_id, l.line_id, l.sku, l.product_sku, l.title, "
    "l.quantity, l.unit_price, l.line_total, l.kind FROM order_lines l "
    "JOIN orders o ON o.id = l.order_ref ORDER BY o.order_id, l.line_id",
    "reviews": "SELECT review_key, product_sku, rating, title, body, author, "
    "reviewed_at FROM reviews ORDER BY review_key",
}


def shop_state(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Return the imported contents of a shop, table by table."""
    return {name: conn.execute(sql).fetchall() for name, sql in STATE_QUERIES.items()}


def row_count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def copy_read_only_files(source: Path, target: Path) -> Path:
    """Copy a folder of read-only case files into `target` as writable files."""
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        shutil.copy(item, target / item.name)
        (target / item.name).chmod(0o644)
    return target


def wait_until(condition, timeout_s: float, what: str, interval_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


def write_orders_csv(path: Path, orders: int, lines_per_order: int = 2) -> int:
    """Write a generic orders CSV (order_id, line_id, sku, qty, price); return lines."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("order_id,line_id,created_at,customer_id,sku,qty,unit_price\n")
        for number in range(1, orders + 1):
            created = f"2024-05-{1 + number % 28:02d}T10:00:00Z"
            for line in range(1, lines_per_order + 1):
                out.write(
                    f"A-{number},{line},{created},C-{number % 997},"
                    f"SKU-{(number * 7 + line) % 500},{line},4.50\n"
                )
    return orders * lines_per_order
