"""Small shops with known contents for widget tests."""

from __future__ import annotations


def seed_shop(path):
    """Create a small shop with known records by SQL and return its path.

    Revenue: 2024-01 = 2 × 10.00 + 1 × 25.00 = 45.00, 2024-02 = 3 × 10.00 = 30.00.
    The last import run skipped two rows.
    """
    import json

    from engine.store import open_store, utc_now

    now = utc_now()
    with open_store(path, create=True) as store, store.transaction() as conn:
        run_id = conn.execute(
            "INSERT INTO import_runs (file_name, file_path, format, encoding, "
            "status, started_at, finished_at, rows_read, imported, updated, "
            "unchanged, skipped) "
            "VALUES ('orders.csv', '/tmp/orders.csv', 'generic', 'cp1252', "
            "'completed', ?, ?, 7, 5, 0, 0, 2)",
            (now, now),
        ).lastrowid
        for row_number, reason, values in [
            (4, "quantity 'two' is not a number", {"order": "A-3", "qty": "two"}),
            (7, "order number is missing", {"order": "", "qty": "1"}),
        ]:
            conn.execute(
                "INSERT INTO import_skipped_rows (import_run_id, row_number, reason, "
                "raw_values) VALUES (?, ?, ?, ?)",
                (run_id, row_number, reason, json.dumps(values)),
            )
        for sku, title, price in [
            ("MUG-1", "Blue mug", 10.0),
            ("VASE-2", "Tall vase", 25.0),
            ("APR-3", "Linen apron", 32.0),
        ]:
            conn.execute(
                "INSERT INTO products (sku, title, price, source, created_at, "
                "updated_at) VALUES (?, ?, ?, 'test', ?, ?)",
                (sku, title, price, now, now),
            )
        conn.execute(
            "INSERT INTO product_photos (product_sku, location, source, added_at) "
            "VALUES ('MUG-1', 'photos/mug.jpg', 'test', ?)",
            (now,),
        )
        for customer in ("C-1", "C-2"):
            conn.execute(
                "INSERT INTO customers (customer_id, source, created_at) "
                "VALUES (?, 'test', ?)",
                (customer, now),
            )
        orders = [
            ("A-1", "C-1", "2024-01-05", [("MUG-1", 2, 10.0), ("VASE-2", 1, 25.0)]),
            ("A-2", "C-2", "2024-02-10", [("MUG-1", 3, 10.0)]),
            ("A-4", "C-2", "2024-02-11", []),
        ]
        for order_id, customer, ordered_at, lines in orders:
            order_ref = conn.execute(
                "INSERT INTO orders (source, order_id, customer_id, ordered_at) "
                "VALUES ('test', ?, ?, ?)",
                (order_id, customer, ordered_at),
            ).lastrowid
            for line_number, (sku, quantity, price) in enumerate(lines, start=1):
                conn.execute(
                    "INSERT INTO order_lines (order_ref, line_id, sku, product_sku, "
                    "title, quantity, unit_price, line_total) "
                    "VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
                    (
                        order_ref,
                        str(line_number),
                        sku,
                        sku,
                        quantity,
                        price,
                        quantity * price,
                    ),
                )
        conn.execute(
            "INSERT INTO reviews (review_key, source, product_sku, rating, body) "
            "VALUES ('r1', 'test', 'MUG-1', 5, 'Lovely mug')"
        )
    return path


def open_and_wait(qtbot, window, shop_path):
    """Open `shop_path` in `window` and wait until its data is shown."""
    with qtbot.waitSignal(window.data_shown, timeout=15000) as blocker:
        window.open_shop(shop_path)
    assert blocker.args == [True], window.notice_area.messages()


def integrity_check(shop_path) -> str:
    import sqlite3

    conn = sqlite3.connect(shop_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def count_rows(shop_path, table: str) -> int:
    import sqlite3

    conn = sqlite3.connect(shop_path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def write_shopify_orders(source, path, orders: int):
    """Write `orders` Shopify orders built from the first order of `source`.

    `source` is a Shopify orders export. Its first order's rows are repeated with
    fresh order names, ids and months, which keeps the layout Shopify writes.
    Returns the number of order lines written.
    """
    import csv

    with open(source, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        headers = reader.fieldnames
        rows = list(reader)
    first_name = rows[0]["Name"]
    template = [row for row in rows if row["Name"] == first_name]

    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=headers)
        writer.writeheader()
        for number in range(orders):
            month = f"2024-{number % 12 + 1:02d}"
            for row in template:
                copy = dict(row)
                copy["Name"] = f"#{100000 + number}"
                copy["Email"] = f"customer{number % 997}@example.test"
                for column in ("Created at", "Paid at"):
                    if copy[column]:
                        copy[column] = month + copy[column][7:]
                if copy["Id"]:
                    copy["Id"] = str(7_000_000 + number)
                writer.writerow(copy)
    return orders * len(template)
