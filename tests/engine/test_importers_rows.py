"""Row validation, deduplication, cancel and failure of the importers."""

from __future__ import annotations

import json
import sqlite3

import pytest

from engine.errors import CancelledError, ImportFileError
from engine.importers import import_file
from engine.importers.writer import Writer
from engine.progress import CancelToken
from engine.store.queries import counts


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def stored_skips(store, run_id):
    return [
        (number, reason, json.loads(raw))
        for number, reason, raw in store.conn.execute(
            "SELECT row_number, reason, raw_values FROM import_skipped_rows "
            "WHERE import_run_id = ? ORDER BY row_number",
            (run_id,),
        )
    ]


BAD_PRODUCTS = """sku,name,price,colour
A-1,Good mug,3.50,blue
,No sku,2.00,red
A-3,Bad price,abc,green
A-4,Not a number,NaN,green
A-5,Infinite,inf,green
A-6,Extra value,4.00,blue,surprise
A-7,Missing value,4.00
A-8,Good bowl,5.00,white
A-1,Same sku again,9.99,black
"""


def test_bad_product_rows_skipped(store, tmp_path):
    report = import_file(store, write(tmp_path / "products.csv", BAD_PRODUCTS))

    assert report.rows_read == 9
    assert report.imported == 2
    reasons = {skipped.row_number: skipped.reason for skipped in report.skipped}
    assert reasons[3] == "the SKU is missing"
    assert reasons[4] == "the price 'abc' is not a number"
    assert reasons[5] == "the price 'NaN' is not a number"
    assert reasons[6] == "the price 'inf' is not a number"
    assert reasons[7].startswith("the row has 5 values but the header has 4 columns")
    assert reasons[8].startswith("the row has 3 values but the header has 4 columns")
    assert reasons[10] == "the SKU A-1 already appears in row 2; the first one is kept"
    assert report.skipped_total == 7


def test_skipped_rows_saved_with_values(store, tmp_path):
    report = import_file(store, write(tmp_path / "products.csv", BAD_PRODUCTS))

    saved = stored_skips(store, report.run_id)
    assert [number for number, _reason, _values in saved] == [3, 4, 5, 6, 7, 8, 10]
    values = {number: row_values for number, _reason, row_values in saved}
    assert values[4] == {"sku": "A-3", "name": "Bad price", "price": "abc", "colour": "green"}
    # A row with an extra value keeps it under its own key instead of shifting.
    assert values[7] == {
        "sku": "A-6",
        "name": "Extra value",
        "price": "4.00",
        "colour": "blue",
        "(extra value 1)": "surprise",
    }
    assert values[8] == {"sku": "A-7", "name": "Missing value", "price": "4.00"}


def test_column_count_never_shifts(store, tmp_path):
    import_file(store, write(tmp_path / "products.csv", BAD_PRODUCTS))

    rows = store.conn.execute("SELECT sku, title, price, attributes FROM products ORDER BY sku").fetchall()
    assert rows == [
        ("A-1", "Good mug", 3.5, '{"colour":"blue"}'),
        ("A-8", "Good bowl", 5.0, '{"colour":"white"}'),
    ]


def test_trailing_delimiter_accepted(store, tmp_path):
    path = write(tmp_path / "trailing.csv", "sku,name,price,\nA-1,Mug,3.50,\nA-2,Bowl,4.00,\n\n,,,\n")

    report = import_file(store, path)

    assert report.imported == 2
    assert report.skipped_total == 0
    assert report.rows_read == 2
    assert any("empty row" in warning for warning in report.warnings)


def test_header_only_generic_file(store, tmp_path):
    report = import_file(store, write(tmp_path / "empty.csv", "sku,name,price\n"))

    assert report.status == "completed"
    assert report.rows_read == 0
    assert report.imported == 0
    assert any("no data rows" in warning for warning in report.warnings)


def test_products_updated_and_unchanged(store, tmp_path):
    path = write(tmp_path / "products.csv", "sku,name,price\nA-1,Mug,3.50\nA-2,Bowl,4.00\n")
    first = import_file(store, path)
    write(path, "sku,name,price\nA-1,Mug,3.90\nA-2,Bowl,4.00\nA-3,Plate,6.00\n")

    second = import_file(store, path)

    assert (first.imported, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.imported, second.updated, second.unchanged) == (1, 1, 1)
    assert store.conn.execute("SELECT price FROM products WHERE sku = 'A-1'").fetchone()[0] == 3.9


ORDERS_WITHOUT_LINE_IDS = """order,date,customer,sku,qty,price
O-1,2024-05-01,C-1,MUG,1,3.50
O-1,2024-05-01,C-1,MUG,1,3.50
O-2,2024-05-02,,BOWL,2,4.00
O-3,yesterday,C-2,MUG,1,3.50
O-3,2024-05-03,C-2,BOWL,1,4.00
O-4,2024-05-04,C-2,MUG,abc,3.50
O-4,2024-05-04,C-2,BOWL,1,4.00
"""


def test_identical_lines_without_line_id_kept(store, tmp_path):
    report = import_file(store, write(tmp_path / "orders.csv", ORDERS_WITHOUT_LINE_IDS))

    lines = store.conn.execute(
        "SELECT o.order_id, l.line_id, l.sku, l.quantity FROM order_lines l "
        "JOIN orders o ON o.id = l.order_ref ORDER BY o.order_id, l.line_id"
    ).fetchall()
    assert lines == [
        ("O-1", "1", "MUG", 1.0),
        ("O-1", "2", "MUG", 1.0),
        ("O-2", "1", "BOWL", 2.0),
        ("O-4", "2", "BOWL", 1.0),
    ]
    assert report.imported == 4


def test_bad_order_rows_reported(store, tmp_path):
    report = import_file(store, write(tmp_path / "orders.csv", ORDERS_WITHOUT_LINE_IDS))

    reasons = {skipped.row_number: skipped.reason for skipped in report.skipped}
    assert reasons[5] == "the order date 'yesterday' is not a date"
    assert reasons[6] == (
        "the first row of order O-3 (row 5) was skipped: the order date 'yesterday' is not a date"
    )
    assert reasons[7] == "the quantity 'abc' is not a number"
    # A guest order has no customer, never a shared "unknown" one.
    assert store.conn.execute("SELECT customer_id FROM orders WHERE order_id = 'O-2'").fetchone() == (None,)
    assert counts(store).customers == 2


def test_reimport_orders_without_line_ids(store, tmp_path):
    path = write(tmp_path / "orders.csv", ORDERS_WITHOUT_LINE_IDS)
    import_file(store, path)

    again = import_file(store, path)

    assert (again.imported, again.updated, again.unchanged) == (0, 0, 4)
    assert counts(store).order_lines == 4


def test_order_spread_over_file(store, tmp_path):
    text = "order,line,sku,qty\nO-1,1,MUG,1\nO-2,1,BOWL,1\nO-1,2,PLATE,1\nO-1,1,MUG,1\n"

    report = import_file(store, write(tmp_path / "orders.csv", text))

    assert report.imported == 3
    assert [skipped.row_number for skipped in report.skipped] == [5]
    assert report.skipped[0].reason.startswith("duplicate of an earlier row")


def test_month_first_dates_detected(store, tmp_path):
    text = "order,date,sku,qty\nO-1,01/02/2024,MUG,1\nO-2,12/13/2024,MUG,1\n"

    report = import_file(store, write(tmp_path / "orders.csv", text))

    dates = dict(store.conn.execute("SELECT order_id, ordered_at FROM orders"))
    assert dates == {"O-1": "2024-01-02", "O-2": "2024-12-13"}
    assert any("01/02/2024 were read as month/day/year" in w for w in report.warnings)


def test_month_first_dates_restart(store, tmp_path):
    # The first 2,000 dates fit both orders; the last one proves month/day/year
    # after the import has begun reading day-first.
    rows = "".join(f"O-{i},0{1 + i % 9}/02/2024,MUG,1\n" for i in range(2000))
    text = "order,date,sku,qty\n" + rows + "O-LAST,12/13/2024,MUG,1\n"

    report = import_file(store, write(tmp_path / "orders.csv", text))

    dates = dict(store.conn.execute("SELECT order_id, ordered_at FROM orders"))
    assert dates["O-0"] == "2024-01-02"
    assert dates["O-LAST"] == "2024-12-13"
    assert report.imported == 2001
    assert any("12/13/2024 show that this file writes month/day/year" in w for w in report.warnings)


REVIEWS = """sku,rating,title,review,author,date
MUG,5,Lovely,Great mug,Ann,2024-01-02
MUG,5,Lovely,Great mug,Ann,2024-01-02
BOWL,2,Chipped,"Arrived <b>chipped</b> &lt;3",Bo,2024-01-03
NOPE,,,,,
PLATE,abc,Hm,Odd rating,Cy,2024-01-04
"""


def test_reviews_keys_and_reimport(store, tmp_path):
    path = write(tmp_path / "reviews.csv", REVIEWS)

    first = import_file(store, path)
    second = import_file(store, path)

    assert first.kind == "reviews"
    assert first.imported == 3
    assert second.imported == 0
    assert second.unchanged == 3
    keys = [row[0] for row in store.conn.execute("SELECT review_key FROM reviews ORDER BY review_key")]
    assert len(keys) == 3
    assert sorted(key.rsplit(":", 1)[1] for key in keys) == ["1", "1", "2"]
    body = store.conn.execute("SELECT body FROM reviews WHERE product_sku = 'BOWL'").fetchone()[0]
    assert body == "Arrived <b>chipped</b> &lt;3"
    reasons = [skipped.reason for skipped in first.skipped]
    assert reasons == ["the review has neither text nor a rating", "the rating 'abc' is not a number"]
    assert any("not in your catalog" in warning for warning in first.warnings)


def test_cancel_rolls_back(store, tmp_path, cases):
    import_file(store, cases / "C01_products_utf8_bom.csv")
    before = counts(store)
    token = CancelToken()
    token.cancel()

    with pytest.raises(CancelledError):
        import_file(store, cases / "C06_shopify_orders_export.csv", cancel=token)

    assert counts(store).orders == before.orders == 0
    assert counts(store).products == before.products
    status, message = store.conn.execute(
        "SELECT status, message FROM import_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert status == "cancelled"
    assert "Nothing from it was saved" in message


def test_unexpected_error_marks_run_failed(store, cases, monkeypatch):
    def broken_finish(self):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(Writer, "finish", broken_finish)

    with pytest.raises(RuntimeError):
        import_file(store, cases / "C06_shopify_orders_export.csv")

    assert counts(store).orders == 0
    assert counts(store).customers == 0
    status, message = store.conn.execute("SELECT status, message FROM import_runs").fetchone()
    assert status == "failed"
    assert "Nothing from the file was saved" in message


def test_progress_reaches_end(store, cases):
    seen = []

    import_file(store, cases / "C10_orders_duplicates.csv", progress=lambda f, text: seen.append((f, text)))

    assert seen[-1] == (1.0, "Done")
    assert all(0.0 <= fraction <= 1.0 for fraction, _text in seen)


UCI_DESCRIPTIONS = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536500,84029G,NEW NAME,1,2011-02-01 09:00:00,3.75,13047.0,United Kingdom
536400,84029G,OLD NAME,1,2010-12-01 09:00:00,3.39,13047.0,United Kingdom
536600,84029G,,2,2011-03-01 09:00:00,0,13047.0,United Kingdom
"""


def test_uci_latest_description_wins(store, tmp_path):
    report = import_file(store, write(tmp_path / "invoices.csv", UCI_DESCRIPTIONS))

    assert report.format == "uci_online_retail"
    title, price = store.conn.execute(
        "SELECT title, price FROM products WHERE sku = '84029G'"
    ).fetchone()
    # The February invoice is the latest with a description and a price, although
    # the file lists it first; the March line has price 0 and no description.
    assert title == "NEW NAME"
    assert price == 3.75


def test_catalog_names_not_overwritten_by_invoices(store, tmp_path):
    write(tmp_path / "catalog.csv", "sku,name,price\n84029G,Knitted hot water bottle,4.25\n")
    import_file(store, tmp_path / "catalog.csv")

    import_file(store, write(tmp_path / "invoices.csv", UCI_DESCRIPTIONS))

    title, price = store.conn.execute("SELECT title, price FROM products WHERE sku = '84029G'").fetchone()
    assert (title, price) == ("Knitted hot water bottle", 4.25)


def test_mapping_replaces_guess(store, cases):
    mapping = {"order_id": "order_id", "item": "item", "customer_id": "customer_name", "unit_price": "amount"}

    report = import_file(store, cases / "C02_orders_cp1252.csv", mapping=mapping)

    assert report.kind == "orders"
    assert report.mapping == mapping
    currencies = {row[0] for row in store.conn.execute("SELECT currency FROM orders")}
    assert currencies == {None}  # currency was left out of the mapping
    assert counts(store).customers == 5


@pytest.mark.parametrize(
    "mapping, message",
    [
        ({"order_id": "order_id"}, "no column is chosen for SKU or Item name"),
        ({"order_id": "order_id", "item": "Item name"}, "the column 'Item name' chosen for item is not in the file"),
        ({"order_id": "order_id", "item": "item", "colour": "note"}, "'colour' is not a field of orders"),
    ],
)
def test_invalid_mapping_rejected(store, cases, mapping, message):
    with pytest.raises(ImportFileError, match=message):
        import_file(store, cases / "C02_orders_cp1252.csv", mapping=mapping, kind="orders")
    assert counts(store).import_runs == 0


def test_generic_format_forced(store, cases):
    path = cases / "C06_shopify_orders_export.csv"
    mapping = {
        "order_id": "Name",
        "item": "Lineitem name",
        "sku": "Lineitem sku",
        "quantity": "Lineitem quantity",
        "unit_price": "Lineitem price",
    }

    with pytest.raises(ImportFileError, match="no column is chosen for Order number"):
        import_file(store, path, format="generic")
    report = import_file(store, path, format="generic", mapping=mapping)

    assert report.format == "generic"
    assert report.kind == "orders"
    assert report.imported == 6
    sources = {row[0] for row in store.conn.execute("SELECT source FROM orders")}
    assert len(sources) == 1
    assert sources.pop().startswith("csv:")


def test_wrong_forced_format_rejected(store, cases):
    with pytest.raises(ImportFileError, match="lacks the columns"):
        import_file(store, cases / "C10_orders_duplicates.csv", format="shopify_orders")


def test_shopify_bad_first_row_skips_order(store, cases, tmp_path):
    text = (cases / "C06_shopify_orders_export.csv").read_text(encoding="utf-8")
    broken = text.replace("2024-03-10 09:01:33 -0500,1,Glaze mug - Green", "tomorrow,1,Glaze mug - Green")
    assert broken != text

    report = import_file(store, write(tmp_path / "orders.csv", broken))

    reasons = {skipped.row_number: skipped.reason for skipped in report.skipped}
    assert reasons[5] == "the Created at 'tomorrow' is not a date"
    assert reasons[6].startswith("the first row of order #1002 (row 5) was skipped")
    assert counts(store).orders == 2


def test_full_disk_reported_plainly(store, cases, monkeypatch):
    def full_disk(self):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Writer, "finish", full_disk)

    with pytest.raises(ImportFileError) as caught:
        import_file(store, cases / "C06_shopify_orders_export.csv")

    assert "is full or cannot be written" in str(caught.value)
    assert "Free some disk space" in str(caught.value)
    assert counts(store).orders == 0
    status, message = store.conn.execute("SELECT status, message FROM import_runs").fetchone()
    assert status == "failed"
    assert message == str(caught.value)
