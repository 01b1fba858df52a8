"""Small shops with known contents for widget tests."""

from __future__ import annotations


def seed_shop(path):
    """Create a small shop with known records by SQL; return its path.

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


def write_customers_slowly(shop_path, progress, cancel, batches=400, pause_s=0.01):
    """Insert customers in one transaction, batch by batch, like an import.

    Runs as a job for about `batches` × `pause_s` seconds; a cancel rolls it all back.
    """
    import time

    from engine.store import open_store, utc_now

    with open_store(shop_path) as store, store.transaction() as conn:
        for batch in range(batches):
            cancel.raise_if_cancelled("The import")
            rows = [(f"C-{batch}-{index}", utc_now()) for index in range(50)]
            conn.executemany(
                "INSERT INTO customers (customer_id, source, created_at) "
                "VALUES (?, 'test', ?)",
                rows,
            )
            progress(batch / batches, f"batch {batch + 1} of {batches}")
            time.sleep(pause_s)
    return batches * 50


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
