"""A second file about the same products or orders updates, and never erases."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
from pathlib import Path

import pytest

from engine.errors import ImportFileError
from engine.importers import import_file


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


CATALOG = (
    "sku,name,price,category,description,weight_kg\n"
    "MUG-1,Blue mug,14.50,Kitchen,Hand-glazed stoneware mug,0.35\n"
    "BWL-1,Cafe bowl,18.00,Kitchen,Wide bowl for cafe au lait,0.60\n"
)


def product(store, sku: str) -> tuple:
    return store.conn.execute(
        "SELECT title, price, category, description, attributes FROM products WHERE sku = ?",
        (sku,),
    ).fetchone()


def test_stock_list_keeps_catalog_fields(store, tmp_path):
    import_file(store, write(tmp_path / "catalog.csv", CATALOG))
    stock = "sku,name,stock\nMUG-1,Blue mug,12\nBWL-1,Cafe bowl,7\n"

    report = import_file(store, write(tmp_path / "stock.csv", stock))

    title, price, category, description, attributes = product(store, "MUG-1")
    assert report.updated == 2
    assert (title, price, category) == ("Blue mug", 14.5, "Kitchen")
    assert description == "Hand-glazed stoneware mug"
    assert json.loads(attributes) == {"weight_kg": 0.35, "stock": 12}


def test_blank_cells_keep_stored_values(store, tmp_path):
    import_file(store, write(tmp_path / "catalog.csv", CATALOG))
    blanks = "sku,name,price,category,description\nMUG-1,Blue mug,,,\n"

    report = import_file(store, write(tmp_path / "blanks.csv", blanks))

    assert report.unchanged == 1
    assert product(store, "MUG-1")[1:4] == (14.5, "Kitchen", "Hand-glazed stoneware mug")


def test_new_price_replaces_old(store, tmp_path):
    import_file(store, write(tmp_path / "catalog.csv", CATALOG))
    prices = "sku,name,price\nMUG-1,Blue mug,16.00\n"

    report = import_file(store, write(tmp_path / "prices.csv", prices))

    assert report.updated == 1
    assert product(store, "MUG-1")[1] == 16.0


def test_other_layout_orders_never_merge(store, tmp_path):
    shop_a = (
        "order_id,date,customer_id,sku,qty,unit_price\n"
        "1001,2024-05-01,C1,MUG-1,2,14.50\n"
        "1001,2024-05-01,C1,BWL-1,1,18.00\n"
    )
    other = "Order,Date,Customer,Item SKU,Quantity,Price\n1001,2024-06-10,X9,BWL-1,5,18.00\n"
    import_file(store, write(tmp_path / "shop_a.csv", shop_a))

    report = import_file(store, write(tmp_path / "other.csv", other))

    orders = store.conn.execute(
        "SELECT customer_id, ordered_at FROM orders WHERE order_id = '1001' ORDER BY customer_id"
    ).fetchall()
    assert report.imported == 1
    assert [customer for customer, _ in orders] == ["C1", "X9"]
    assert store.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 3


def test_same_layout_orders_deduplicated(store, tmp_path):
    first = "order_id,date,sku,qty,unit_price\nA-1,2024-05-01,MUG-1,1,14.50\n"
    again = "order_id,date,sku,qty,unit_price\nA-1,2024-05-01,MUG-1,1,14.50\n"
    import_file(store, write(tmp_path / "may.csv", first))

    report = import_file(store, write(tmp_path / "may-again.csv", again))

    assert report.imported == 0
    assert report.unchanged == 1


def test_busy_shop_plain_message(store, tmp_path):
    path = write(tmp_path / "catalog.csv", CATALOG)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store.conn.execute("PRAGMA busy_timeout = 100")
    store.write_wait_s = 0.3
    try:
        with pytest.raises(ImportFileError) as error:
            import_file(store, path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert "another import or job kept the shop busy" in str(error.value)
    assert "Wait until the other import finishes" in str(error.value)


def test_truncated_gzip_plain_message(store, tmp_path):
    # Random descriptions keep the compressed file large, so the cut lies past the
    # part that is read to detect the format.
    rows = "".join(
        f"SKU-{number},Item {number},{number}.50,{os.urandom(32).hex()}\n"
        for number in range(20000)
    )
    packed = gzip.compress(("sku,name,price,description\n" + rows).encode("utf-8"))
    path = tmp_path / "catalog.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])

    with pytest.raises(ImportFileError, match="damaged or ends early"):
        import_file(store, path)

    assert store.conn.execute("SELECT count(*) FROM products").fetchone()[0] == 0


def test_cell_over_128_kib_imports(store, tmp_path):
    description = "<p>" + "stoneware " * 20000 + "</p>"
    path = write(tmp_path / "long.csv", f'sku,name,description\nMUG-1,Mug,"{description}"\n')

    report = import_file(store, path)

    assert report.imported == 1
    assert product(store, "MUG-1")[3] == description
