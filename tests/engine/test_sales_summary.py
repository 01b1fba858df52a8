"""The sales summary tables against the plain computation over every order line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.errors import CancelledError
from engine.importers import import_file
from engine.progress import CancelToken
from engine.store import open_store, schema
from engine.store.queries import EXCLUDED_STATUSES, revenue_by_month, top_products
from engine.store.sales_summary import is_counted_status, rebuild

PRODUCTS = """sku,title,price
MUG-1,Blue mug,10.00
VASE-2,Tall vase,25.00
APR-3,Linen apron,32.00
WRAP-1,Gift wrap (add-on),3.00
LAMP-4,Desk lamp,40.00
"""

# A-1 has an add-on line with a SKU, one without (shipping protection) and a
# postage line. A-2 is cancelled, A-5 refunded (upper case). A-3 is a return.
# A-4 is a guest order with no status and a product missing from the catalog.
# A-6 has no date, so it counts for products but in no month.
ORDERS = """order_id,line_id,date,customer_id,sku,item,quantity,unit_price,status
A-1,1,2024-01-05,C-1,MUG-1,Blue mug,2,10.00,paid
A-1,2,2024-01-05,C-1,WRAP-1,Gift wrap (add-on),1,3.00,paid
A-1,3,2024-01-05,C-1,,Shipping protection,1,1.50,paid
A-1,4,2024-01-05,C-1,,Shipping,1,4.90,paid
A-2,1,2024-01-20,C-2,VASE-2,Tall vase,1,25.00,Cancelled
A-2,2,2024-01-20,C-2,MUG-1,Blue mug,5,10.00,Cancelled
A-3,1,2024-02-02,C-2,MUG-1,Blue mug,-1,10.00,paid
A-4,1,2024-02-03,,GHOST-9,Mystery item,3,2.00,
A-5,1,2024-03-01,C-3,VASE-2,Tall vase,1,25.00,REFUNDED
A-5,2,2024-03-01,C-3,APR-3,Linen apron,1,32.00,REFUNDED
A-6,1,,C-3,APR-3,Linen apron,2,32.00,paid
A-9,1,2024-03-05,C-3,LAMP-4,Desk lamp,1,40.00,paid
"""

# The same export later: A-1 refunded, A-2 no longer cancelled, A-3's line now a
# vase, a line added to cancelled (its lamp is in no other changed line),
# and a new order A-7 that comes back after A-8.
ORDERS_LATER = """order_id,line_id,date,customer_id,sku,item,quantity,unit_price,status
A-1,1,2024-01-05,C-1,MUG-1,Blue mug,2,10.00,refunded
A-1,2,2024-01-05,C-1,WRAP-1,Gift wrap (add-on),1,3.00,refunded
A-2,1,2024-01-20,C-2,VASE-2,Tall vase,1,25.00,paid
A-2,2,2024-01-20,C-2,MUG-1,Blue mug,5,10.00,paid
A-3,1,2024-02-02,C-2,VASE-2,Tall vase,-1,25.00,paid
A-4,1,2024-02-03,,GHOST-9,Mystery item,3,2.00,
A-4,2,2024-02-03,,APR-3,Linen apron,1,32.00,
A-7,1,2024-04-09,C-4,APR-3,Linen apron,1,32.00,paid
A-8,1,2024-04-10,C-4,MUG-1,Blue mug,4,10.00,voided
A-7,2,2024-04-09,C-4,MUG-1,Blue mug,1,10.00,paid
A-9,1,2024-03-05,C-3,LAMP-4,Desk lamp,1,40.00,cancelled
"""

# Orders with an exported total; B-2's total is empty, so its lines count.
ORDERS_WITH_TOTALS = """order_id,line_id,date,customer_id,sku,item,quantity,unit_price,total,status
B-1,1,2024-05-02,C-5,MUG-1,Blue mug,1,10.00,14.90,paid
B-1,2,2024-05-02,C-5,,Shipping,1,4.90,14.90,paid
B-2,1,2024-05-03,C-5,APR-3,Linen apron,1,32.00,,paid
"""


def plain_top_products(conn: sqlite3.Connection) -> list[tuple]:
    """Best sellers computed from every order line, as the queries did before."""
    marks = ",".join("?" for _ in EXCLUDED_STATUSES)
    return conn.execute(
        f"""
        SELECT l.product_sku, coalesce(p.title, max(l.title)), sum(l.quantity),
               sum(l.line_total) AS revenue
        FROM order_lines l
        JOIN orders o ON o.id = l.order_ref
        LEFT JOIN products p ON p.sku = l.product_sku
        WHERE l.kind = 'product' AND l.product_sku IS NOT NULL
          AND coalesce(lower(o.status), '') NOT IN ({marks})
        GROUP BY l.product_sku
        ORDER BY revenue DESC, l.product_sku
        """,
        EXCLUDED_STATUSES,
    ).fetchall()


def plain_revenue_by_month(conn: sqlite3.Connection) -> list[tuple]:
    """Revenue by month computed from every order, as the queries did before."""
    marks = ",".join("?" for _ in EXCLUDED_STATUSES)
    rows = conn.execute(
        f"""
        SELECT substr(o.ordered_at, 1, 7) AS month,
               sum(coalesce(
                   o.total,
                   (SELECT sum(l.line_total) FROM order_lines l WHERE l.order_ref = o.id)
               ))
        FROM orders o
        WHERE o.ordered_at IS NOT NULL
          AND coalesce(lower(o.status), '') NOT IN ({marks})
        GROUP BY month ORDER BY month
        """,
        EXCLUDED_STATUSES,
    ).fetchall()
    return [(month, float(total or 0.0)) for month, total in rows]


def assert_matches_plain(store) -> None:
    expected = plain_top_products(store.conn)
    found = top_products(store, limit=1000)
    assert [product.sku for product in found] == [row[0] for row in expected]
    for product, (sku, title, quantity, revenue) in zip(found, expected):
        assert product.title == (title or sku), sku
        assert product.quantity == pytest.approx(quantity), sku
        assert product.revenue == pytest.approx(revenue or 0.0), sku

    expected_months = plain_revenue_by_month(store.conn)
    months = revenue_by_month(store)
    assert [month for month, _ in months] == [month for month, _ in expected_months]
    for (month, revenue), (_, expected_revenue) in zip(months, expected_months):
        assert revenue == pytest.approx(expected_revenue), month


def trigger_names(store) -> set[str]:
    rows = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {name for (name,) in rows}


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    written = {}
    for name, text in [
        ("products", PRODUCTS),
        ("orders", ORDERS),
        ("orders_later", ORDERS_LATER),
        ("orders_with_totals", ORDERS_WITH_TOTALS),
    ]:
        written[name] = tmp_path / f"{name}.csv"
        written[name].write_text(text, encoding="utf-8")
    return written


@pytest.fixture
def imported(store, files):
    import_file(store, files["products"], kind="products")
    import_file(store, files["orders"], kind="orders")
    return store


def test_import_matches_plain(imported):
    assert_matches_plain(imported)


def test_import_known_figures(imported):
    found = {product.sku: product for product in top_products(imported)}

    # 2 sold and 1 returned; the cancelled 5 do not count.
    assert found["MUG-1"].quantity == 1
    assert found["MUG-1"].revenue == pytest.approx(10.0)
    # The undated order counts; the refunded one does not.
    assert found["APR-3"].quantity == 2
    assert found["GHOST-9"].title == "Mystery item"
    assert "VASE-2" not in found  # sold only in cancelled and refunded orders
    assert "WRAP-1" not in found  # an add-on, not a product
    # A-1 (20 + 3 + 1.50 + 4.90) in January, A-3 (-10) and A-4 (6) in February,
    # A-9 (40) in March.
    assert revenue_by_month(imported) == [
        ("2024-01", pytest.approx(29.4)),
        ("2024-02", pytest.approx(-4.0)),
        ("2024-03", pytest.approx(40.0)),
    ]


def test_import_keeps_triggers(imported):
    expected = {
        schema.SALES_SUMMARY_TRIGGER_PREFIX + name
        for name in schema.SALES_SUMMARY_TRIGGERS_V4
    }

    assert expected <= trigger_names(imported)


def test_reimport_changed_orders(imported, files):
    import_file(imported, files["orders_later"], kind="orders")

    assert_matches_plain(imported)
    found = {product.sku: product for product in top_products(imported)}
    assert found["MUG-1"].quantity == 5 + 1  # A-2 now counts, A-7 adds one
    assert found["VASE-2"].quantity == 1 - 1  # A-2's vase, A-3's returned vase
    assert "LAMP-4" not in found


def test_reimport_same_file_unchanged(imported, files):
    before = top_products(imported, limit=100), revenue_by_month(imported)

    import_file(imported, files["orders"], kind="orders")

    assert (top_products(imported, limit=100), revenue_by_month(imported)) == before


def test_order_totals_used(imported, files):
    import_file(imported, files["orders_with_totals"], kind="orders")

    assert_matches_plain(imported)
    assert dict(revenue_by_month(imported))["2024-05"] == pytest.approx(14.90 + 32.0)


def test_cancelled_import_keeps_summary(imported, files):
    before = top_products(imported, limit=100), revenue_by_month(imported)
    triggers = trigger_names(imported)
    token = CancelToken()

    with pytest.raises(CancelledError):
        import_file(
            imported,
            files["orders_later"],
            kind="orders",
            progress=lambda fraction, text: token.cancel(),
            cancel=token,
        )

    assert (top_products(imported, limit=100), revenue_by_month(imported)) == before
    assert trigger_names(imported) == triggers


def test_sql_writes_kept_by_triggers(imported):
    conn = imported.conn
    steps = [
        "INSERT INTO orders (id, source, order_id, customer_id, ordered_at, status) "
        "VALUES (900, 'manual', 'M-1', 'C-1', '2024-06-01', 'paid')",
        "INSERT INTO order_lines (order_ref, line_id, product_sku, title, quantity, "
        "line_total, kind) VALUES (900, '1', 'MUG-1', 'Blue mug', 3, 30.0, 'product')",
        "INSERT INTO order_lines (order_ref, line_id, product_sku, title, quantity, "
        "line_total, kind) VALUES (900, '2', 'NEW-7', 'New lamp', 1, NULL, 'product')",
        "UPDATE order_lines SET quantity = 4, line_total = 40.0 "
        "WHERE order_ref = 900 AND line_id = '1'",
        "UPDATE orders SET status = 'Canceled' WHERE id = 900",
        "UPDATE orders SET status = 'shipped', ordered_at = '2024-07-02' WHERE id = 900",
        "UPDATE orders SET total = 99.0 WHERE id = 900",
        "UPDATE order_lines SET product_sku = 'APR-3' WHERE order_ref = 900 "
        "AND line_id = '2'",
        "DELETE FROM order_lines WHERE order_ref = 900 AND line_id = '1'",
        "UPDATE orders SET total = NULL WHERE id = 900",
        "DELETE FROM orders WHERE order_id = 'A-1'",
        "DELETE FROM orders WHERE id = 900",
    ]
    for statement in steps:
        with imported.transaction():
            conn.execute(statement)

        assert_matches_plain(imported)


def test_sql_writes_null_revenue(imported):
    with imported.transaction() as conn:
        conn.execute(
            "INSERT INTO orders (id, source, order_id, ordered_at, status) "
            "VALUES (901, 'manual', 'M-2', '2024-08-01', NULL)"
        )
        conn.execute(
            "INSERT INTO order_lines (order_ref, line_id, product_sku, quantity, "
            "line_total, kind) VALUES (901, '1', 'FREE-1', 1, NULL, 'product')"
        )

    row = imported.conn.execute(
        "SELECT revenue FROM product_sales WHERE product_sku = 'FREE-1'"
    ).fetchone()
    assert row == (None,)
    assert_matches_plain(imported)


def test_migration_fills_summary(tmp_path, files):
    path = tmp_path / "old" / "shop.db"
    with open_store(path, create=True) as store:
        import_file(store, files["products"], kind="products")
        import_file(store, files["orders"], kind="orders")
        expected = top_products(store, limit=100), revenue_by_month(store)
    # Make the file a version 3 shop: no summary tables, no triggers.
    conn = sqlite3.connect(path, isolation_level=None)
    for name in schema.SALES_SUMMARY_TRIGGERS_V4:
        conn.execute(f"DROP TRIGGER {schema.SALES_SUMMARY_TRIGGER_PREFIX}{name}")
    conn.execute("DROP TABLE product_sales")
    conn.execute("DROP TABLE monthly_revenue")
    conn.execute("PRAGMA user_version = 3")
    conn.close()

    with open_store(path) as store:
        assert schema.schema_version(store.conn) == schema.LATEST_VERSION
        assert (top_products(store, limit=100), revenue_by_month(store)) == expected


def test_rebuild_matches_import(imported):
    before = imported.conn.execute("SELECT * FROM product_sales ORDER BY 1").fetchall()

    with imported.transaction() as conn:
        rebuild(conn)

    after = imported.conn.execute("SELECT * FROM product_sales ORDER BY 1").fetchall()
    assert [row[0] for row in after] == [row[0] for row in before]
    for rebuilt, kept in zip(after, before):
        sku, lines, quantity, revenue, priced_lines = kept
        assert rebuilt[1] == lines, sku
        assert rebuilt[2] == pytest.approx(quantity), sku
        assert rebuilt[3] == pytest.approx(revenue), sku
        assert rebuilt[4] == priced_lines, sku


@pytest.mark.parametrize(
    ("status", "is_counted"),
    [
        (None, True),
        ("", True),
        ("paid", True),
        ("CANCELLED", False),
        ("Canceled", False),
        ("refunded", False),
        ("Voided", False),
        ("partially_refunded", True),
    ],
)
def test_counted_status(status, is_counted):
    assert is_counted_status(status) is is_counted


def test_trigger_statuses_match_queries():
    for status in EXCLUDED_STATUSES:
        assert f"'{status}'" in schema._COUNTED_STATUS
