"""Read-only queries the overview, the command line and the models share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from engine.store.connection import Store
from engine.store.sales_summary import EXCLUDED_STATUSES


@dataclass
class ShopCounts:
    products: int
    non_product_items: int
    variants: int
    photos: int
    customers: int
    orders: int
    order_lines: int
    reviews: int
    import_runs: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def counts(store: Store) -> ShopCounts:
    """Count the rows of each kind in the shop."""

    def scalar(sql: str) -> int:
        return store.conn.execute(sql).fetchone()[0]

    return ShopCounts(
        products=scalar("SELECT count(*) FROM products WHERE kind = 'product'"),
        non_product_items=scalar("SELECT count(*) FROM products WHERE kind != 'product'"),
        variants=scalar("SELECT count(*) FROM product_variants"),
        photos=scalar("SELECT count(*) FROM product_photos"),
        customers=scalar("SELECT count(*) FROM customers"),
        orders=scalar("SELECT count(*) FROM orders"),
        order_lines=scalar("SELECT count(*) FROM order_lines"),
        reviews=scalar("SELECT count(*) FROM reviews"),
        import_runs=scalar("SELECT count(*) FROM import_runs"),
    )


def revenue_by_month(store: Store) -> list[tuple[str, float]]:
    """Return (YYYY-MM, revenue) pairs in month order.

    An order's revenue is its total when the export has one (Shopify's Total, with
    shipping and taxes), else the sum of all its lines, postage and discounts
    included. Refunded or cancelled orders count nothing, and cancellation invoices
    carry negative totals, so they reduce the month they fall in. The month is the
    one written in the order's own time, offset not applied.

    Reads the monthly_revenue table, which the importer and triggers keep
    (engine.store.sales_summary), instead of every order.
    """
    rows = store.conn.execute(
        "SELECT month, revenue FROM monthly_revenue ORDER BY month"
    ).fetchall()
    return [(month, float(total or 0.0)) for month, total in rows]


@dataclass
class TopProduct:
    sku: str
    title: str
    quantity: float
    revenue: float


def top_products(store: Store, limit: int = 10) -> list[TopProduct]:
    """Return the best-selling products by revenue, net of returns and refunds.

    Product lines count, add-on and non-product lines (postage, discounts) do not.
    Lines of refunded or cancelled orders count nothing. Reads the product_sales
    table (engine.store.sales_summary). A product missing from the catalog is named
    by the greatest title among its counted lines. Equal revenues are in SKU order.
    """
    placeholders = ",".join("?" for _ in EXCLUDED_STATUSES)
    rows = store.conn.execute(
        f"""
        SELECT s.product_sku,
               coalesce(p.title, (
                   SELECT max(l.title) FROM order_lines l JOIN orders o ON o.id = l.order_ref
                   WHERE l.product_sku = s.product_sku AND l.kind = 'product'
                     AND coalesce(lower(o.status), '') NOT IN ({placeholders})
               )),
               s.quantity, s.revenue
        FROM product_sales s
        LEFT JOIN products p ON p.sku = s.product_sku
        ORDER BY s.revenue DESC, s.product_sku
        LIMIT ?
        """,
        (*EXCLUDED_STATUSES, limit),
    ).fetchall()
    return [TopProduct(sku, title or sku, float(q or 0), float(r or 0)) for sku, title, q, r in rows]


@dataclass
class ImportRunSummary:
    id: int
    file_name: str
    format: str | None
    encoding: str | None
    status: str
    started_at: str
    finished_at: str | None
    rows_read: int
    imported: int
    updated: int
    unchanged: int
    skipped: int
    message: str | None
    mapping: dict = field(default_factory=dict)
    # Notes the import made about the file, e.g. how dates were read.
    warnings: list[str] = field(default_factory=list)


def import_runs(store: Store, limit: int = 20) -> list[ImportRunSummary]:
    """Return the most recent import runs, newest first."""
    rows = store.conn.execute(
        "SELECT id, file_name, format, encoding, status, started_at, finished_at, "
        "rows_read, imported, updated, unchanged, skipped, message, mapping, summary "
        "FROM import_runs ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    runs = []
    for row in rows:
        summary = json.loads(row[-1]) if row[-1] else {}
        runs.append(
            ImportRunSummary(
                *row[:-2],
                mapping=json.loads(row[-2]) if row[-2] else {},
                warnings=list(summary.get("warnings", [])),
            )
        )
    return runs


@dataclass
class SkippedRow:
    row_number: int
    reason: str
    values: dict | list


def skipped_rows(store: Store, import_run_id: int, limit: int = 1000) -> list[SkippedRow]:
    """Return the rows an import skipped, with the reason and the original values."""
    rows = store.conn.execute(
        "SELECT row_number, reason, raw_values FROM import_skipped_rows "
        "WHERE import_run_id = ? ORDER BY row_number LIMIT ?",
        (import_run_id, limit),
    ).fetchall()
    return [SkippedRow(number, reason, json.loads(raw)) for number, reason, raw in rows]


# recent_customers reads at most this many of the newest orders.
RECENT_ORDERS_READ = 2_000


@dataclass
class CustomerSummary:
    customer_id: str
    name: str
    email: str
    orders: int


def recent_customers(store: Store, limit: int = 50) -> list[CustomerSummary]:
    """Return the customers who ordered most recently, newest first, with order counts.

    Only the newest `RECENT_ORDERS_READ` dated orders are read, through the index on
    the order date, however large the shop is. Customers found no other way (no
    dated orders, or fewer recent buyers than `limit`) fill the list up in
    customer id order. One statement returns the rows: while another thread
    computes in Python, each statement and fetched row waits for the GIL, up to
    the 5 ms switch interval of CPython 3.11 each time, and 50 customers read one
    by one took 3 s to show in `python -m bench scale` at 10 % size.
    """
    rows = store.conn.execute(
        """
        SELECT r.customer_id, coalesce(c.name, ''), coalesce(c.email, ''),
               (SELECT count(*) FROM orders o WHERE o.customer_id = r.customer_id)
        FROM (
            SELECT customer_id, max(ordered_at) AS last_order
            FROM (
                SELECT customer_id, ordered_at FROM orders
                WHERE ordered_at IS NOT NULL AND customer_id IS NOT NULL
                ORDER BY ordered_at DESC LIMIT ?
            )
            GROUP BY customer_id ORDER BY last_order DESC, customer_id LIMIT ?
        ) r
        LEFT JOIN customers c ON c.customer_id = r.customer_id
        ORDER BY r.last_order DESC, r.customer_id
        """,
        (RECENT_ORDERS_READ, limit),
    ).fetchall()
    found = [CustomerSummary(*row) for row in rows]
    if len(found) < limit:
        seen = {customer.customer_id for customer in found}
        rest = store.conn.execute(
            "SELECT customer_id FROM customers ORDER BY customer_id LIMIT ?",
            (limit + len(found),),
        ).fetchall()
        missing = [customer_id for (customer_id,) in rest if customer_id not in seen]
        found += [_customer_summary(store, customer_id) for customer_id in missing]
    return found[:limit]


def _customer_summary(store: Store, customer_id: str) -> CustomerSummary:
    row = store.conn.execute(
        "SELECT coalesce(name, ''), coalesce(email, '') FROM customers WHERE customer_id = ?",
        (customer_id,),
    ).fetchone()
    orders = store.conn.execute(
        "SELECT count(*) FROM orders WHERE customer_id = ?", (customer_id,)
    ).fetchone()[0]
    name, email = row if row is not None else ("", "")
    return CustomerSummary(customer_id, name, email, orders)
