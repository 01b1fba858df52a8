"""Importers against the bad-input files of the `cases` folder.

Each test covers one kind of input that breaks shop importers: a byte-order mark,
Windows code page text, European number formats, Shopify's multi-row exports,
WooCommerce variations before their parents, UCI returns and guest lines, and
duplicate order lines.
"""

from __future__ import annotations

import json
import random

import pytest

from engine.errors import ImportFileError
from engine.importers import import_file, sniff
from engine.importers.summary import result_line
from engine.store import open_store
from engine.store.queries import revenue_by_month


def product_rows(store):
    return store.conn.execute(
        "SELECT sku, title, description, category, price, currency, attributes, kind "
        "FROM products ORDER BY sku"
    ).fetchall()


def attributes_of(store, sku):
    row = store.conn.execute("SELECT attributes FROM products WHERE sku = ?", (sku,)).fetchone()
    return json.loads(row[0])


# A 5-product catalog saved by Excel as "CSV UTF-8": byte-order mark, CRLF lines.


def test_bom_header_read_as_sku(store, cases):
    report = import_file(store, cases / "C01_products_utf8_bom.csv")

    assert report.encoding == "utf-8-sig"
    assert report.headers[0] == "SKU"
    assert report.mapping["sku"] == "SKU"
    assert report.imported == 5
    assert report.skipped_total == 0
    skus = [row[0] for row in product_rows(store)]
    assert skus == ["APR-LIN-S", "BWL-CAF-02", "MUG-BLU-01", "MUG-GRN-01", "TOT-CNV-01"]


def test_bom_file_keeps_unicode_text(store, cases):
    import_file(store, cases / "C01_products_utf8_bom.csv")

    titles = dict(store.conn.execute("SELECT sku, title FROM products"))
    assert titles["BWL-CAF-02"] == "Café au lait bowl"
    assert titles["APR-LIN-S"] == "Linen apron – small"
    assert titles["TOT-CNV-01"] == "Canvas tote “Harbor”"
    assert attributes_of(store, "MUG-BLU-01") == {"Stock": 12}


def test_bom_and_plain_give_same_products(store, cases, tmp_path):
    source = cases / "C01_products_utf8_bom.csv"
    plain = tmp_path / "products_without_bom.csv"
    plain.write_bytes(source.read_bytes()[3:])
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")

    import_file(store, source)
    with open_store(tmp_path / "other.db", create=True) as other:
        report = import_file(other, plain)
        assert report.encoding == "utf-8"
        assert product_rows(other) == product_rows(store)


# Orders saved by Windows Excel in code page 1252, with € ’ “ ” and an "?" that
# Excel wrote for a letter cp1252 lacks.


def test_cp1252_detected_not_latin1(store, cases):
    path = cases / "C02_orders_cp1252.csv"
    assert sniff(path).encoding == "cp1252"

    report = import_file(store, path)

    assert report.encoding == "cp1252"
    assert report.imported == 5
    currencies = {row[0] for row in store.conn.execute("SELECT currency FROM orders")}
    assert currencies == {"€"}


def test_cp1252_text_exact(store, cases):
    import_file(store, cases / "C02_orders_cp1252.csv")

    names = {row[0] for row in store.conn.execute("SELECT name FROM customers")}
    assert "Zoë Lindqvist" in names
    assert "José Peña" in names
    assert "Søren Ødegård" in names
    assert "Ma?gorzata Nowak" in names  # the "?" Excel wrote is kept as it is
    notes = {
        order_id: json.loads(attributes)["note"]
        for order_id, attributes in store.conn.execute(
            "SELECT order_id, attributes FROM orders WHERE order_id IN ('A-1002', 'A-1003')"
        )
    }
    assert notes["A-1002"] == "“fragile” please"
    assert notes["A-1003"] == "customer’s second order"
    titles = {row[0] for row in store.conn.execute("SELECT title FROM order_lines")}
    assert "Linen apron – small" in titles


def test_cp1252_item_name_is_product_key(store, cases):
    report = import_file(store, cases / "C02_orders_cp1252.csv")

    assert "sku" not in report.mapping
    assert report.mapping["item"] == "item"
    assert any("no SKU column" in warning for warning in report.warnings)
    keys = {row[0] for row in store.conn.execute("SELECT product_sku FROM order_lines")}
    assert "Café au lait bowl" in keys


def test_encoding_override_used(store, cases):
    path = cases / "C02_orders_cp1252.csv"

    report = import_file(store, path, encoding="latin-1")

    # Latin-1 maps byte 0x80 to an invisible control code instead of "€": the
    # override is honoured, and shows why detection never picks latin-1.
    assert report.encoding == "iso8859-1"
    currencies = {row[0] for row in store.conn.execute("SELECT currency FROM orders")}
    assert currencies == {"\x80"}


def test_encoding_override_invalid_bytes(store, cases):
    with pytest.raises(ImportFileError) as caught:
        import_file(store, cases / "C02_orders_cp1252.csv", encoding="utf-8")

    assert "line 2" in str(caught.value)
    assert "CSV UTF-8" in str(caught.value)


# A German Excel catalog: ";" delimiter, decimal comma, thousands dots, cp1252.


def test_semicolon_decimal_comma_catalog(store, cases):
    report = import_file(store, cases / "C03_catalog_excel_de_semicolon.csv")

    assert report.delimiter == ";"
    assert report.decimal_comma is True
    assert report.encoding == "cp1252"
    assert report.rows_read == 5
    assert len(report.headers) == 6
    assert report.skipped_total == 0
    assert not any("header has" in warning for warning in report.warnings)


def test_decimal_comma_values(store, cases):
    import_file(store, cases / "C03_catalog_excel_de_semicolon.csv")

    prices = dict(store.conn.execute("SELECT sku, price FROM products"))
    assert prices["LMP-STN-01"] == 1234.56
    assert prices["MUG-BLU-01"] == 14.5
    assert attributes_of(store, "MUG-BLU-01") == {"Gewicht kg": 0.35, "Bestand": 12, "Rabatt %": 0}
    assert attributes_of(store, "BWL-CAF-02")["Rabatt %"] == 12.5
    titles = dict(store.conn.execute("SELECT sku, title FROM products"))
    assert titles["MUG-BLU-01"] == "Becher blau, glasiert"
    assert titles["BWL-CAF-02"] == 'Schale "Café"'
    assert titles["GFT-CRD-50"] == "Geschenkgutschein 50 €"


def test_negative_price_row_non_product(store, cases):
    report = import_file(store, cases / "C03_catalog_excel_de_semicolon.csv")

    price, kind = store.conn.execute(
        "SELECT price, kind FROM products WHERE sku = 'RET-ADJ-01'"
    ).fetchone()
    assert price == -3.0
    assert kind == "non_product"
    assert report.counts["products"] == 4
    assert report.counts["non_product_items"] == 1
    assert any("RET-ADJ-01" in warning for warning in report.warnings)


# Shopify's products export: one product over several rows, image-only rows,
# "Default Title" for products without options.


def variants_of(store, product_sku):
    return store.conn.execute(
        "SELECT variant_key, sku, options, price, problem FROM product_variants "
        "WHERE product_sku = ? ORDER BY variant_key",
        (product_sku,),
    ).fetchall()


def photos_of(store, product_sku):
    return store.conn.execute(
        "SELECT location, position FROM product_photos WHERE product_sku = ? ORDER BY position",
        (product_sku,),
    ).fetchall()


def test_shopify_products_two_not_seven(store, cases):
    report = import_file(store, cases / "C05_shopify_products_export.csv")

    assert report.format == "shopify_products"
    assert report.rows_read == 7
    assert report.counts["products"] == 2
    assert report.skipped_total == 0
    titles = dict(store.conn.execute("SELECT sku, title FROM products"))
    assert titles == {"glaze-mug": "Glaze mug", "linen-apron": "Linen apron"}
    assert store.conn.execute("SELECT count(*) FROM products WHERE trim(title) = ''").fetchone()[0] == 0


def test_shopify_mug_four_variants(store, cases):
    import_file(store, cases / "C05_shopify_products_export.csv")

    variants = variants_of(store, "glaze-mug")
    assert len(variants) == 4
    for _key, _sku, options, _price, _problem in variants:
        assert list(json.loads(options)) == ["Color", "Size"]
    by_key = {row[0]: row for row in variants}
    blank = by_key["glaze-mug/Green/350 ml"]
    assert blank[1] is None
    assert json.loads(blank[2]) == {"Color": "Green", "Size": "350 ml"}
    assert blank[3] == 14.5
    assert "no Variant SKU" in blank[4]
    assert by_key["MUG-BLU-250"][4] is None


def test_shopify_default_title_no_option(store, cases):
    import_file(store, cases / "C05_shopify_products_export.csv")

    variants = variants_of(store, "linen-apron")
    assert len(variants) == 1
    assert variants[0][1] == "APR-LIN-1"
    assert json.loads(variants[0][2]) == {}
    assert "options" not in attributes_of(store, "linen-apron")


def test_shopify_images_by_position(store, cases):
    import_file(store, cases / "C05_shopify_products_export.csv")

    base = "https://cdn.example.test/shop/"
    assert photos_of(store, "glaze-mug") == [
        (base + "mug-blue.jpg", 1),
        (base + "mug-blue-large.jpg", 2),
        (base + "mug-green.jpg", 3),
    ]
    assert photos_of(store, "linen-apron") == [
        (base + "apron.jpg", 1),
        (base + "apron-back.jpg", 2),
    ]


# Shopify's orders export: order fields on the first row of each order only.


def order(store, order_id):
    return store.conn.execute(
        "SELECT id, customer_id, ordered_at, status, total, currency FROM orders WHERE order_id = ?",
        (order_id,),
    ).fetchone()


def test_shopify_orders_three_orders(store, cases):
    report = import_file(store, cases / "C06_shopify_orders_export.csv")

    assert report.format == "shopify_orders"
    assert report.counts["orders"] == 3
    assert report.counts["order_lines"] == 6
    assert report.counts["customers"] == 2
    assert order(store, "#1001")[4] == 73.5
    assert order(store, "#1003")[4] == 39.0


def test_shopify_refund_inherited_by_lines(store, cases):
    import_file(store, cases / "C06_shopify_orders_export.csv")

    statuses = store.conn.execute(
        "SELECT l.line_id, o.status FROM order_lines l JOIN orders o ON o.id = l.order_ref "
        "WHERE o.order_id = '#1002' ORDER BY l.line_id"
    ).fetchall()
    assert statuses == [("1", "refunded"), ("2", "refunded")]


def test_shopify_revenue_per_order(store, cases):
    import_file(store, cases / "C06_shopify_orders_export.csv")

    # Order totals of the orders that kept their money: 73.50 + 39.00, never a
    # sum over rows and never the refunded #1002.
    paid_total = store.conn.execute(
        "SELECT sum(total) FROM orders WHERE status NOT IN ('refunded', 'voided')"
    ).fetchone()[0]
    assert paid_total == pytest.approx(112.5)
    assert revenue_by_month(store) == [("2024-03", pytest.approx(112.5))]


def test_shopify_line_value_and_guest(store, cases):
    import_file(store, cases / "C06_shopify_orders_export.csv")

    ref, customer_id, ordered_at, _status, _total, currency = order(store, "#1003")
    assert customer_id is None
    assert currency == "EUR"
    assert ordered_at == "2024-03-31T01:30:00+01:00"
    quantity, unit_price, line_total = store.conn.execute(
        "SELECT quantity, unit_price, line_total FROM order_lines WHERE order_ref = ?", (ref,)
    ).fetchone()
    assert (quantity, unit_price, line_total) == (3.0, 13.0, 39.0)
    assert order(store, "#1001")[2] == "2024-03-09T14:22:07-05:00"


def test_shopify_add_on_line_kept(store, cases):
    report = import_file(store, cases / "C06_shopify_orders_export.csv")

    sku, kind, line_total = store.conn.execute(
        "SELECT sku, kind, line_total FROM order_lines WHERE title = 'Shipping protection'"
    ).fetchone()
    assert sku is None
    assert kind == "add_on"
    assert line_total == 1.5
    assert report.counts["add_on_lines"] == 1


# WooCommerce: variations by parent SKU or id:NNN, some before their parent.


def test_woocommerce_three_products(store, cases):
    report = import_file(store, cases / "C07_woocommerce_products.csv")

    assert report.format == "woocommerce_products"
    skus = [row[0] for row in product_rows(store)]
    assert skus == ["APR-LIN", "GFT-CRD-25", "TOT-CNV"]
    variants = dict(store.conn.execute("SELECT sku, product_sku FROM product_variants"))
    assert variants == {"APR-LIN-S": "APR-LIN", "APR-LIN-M": "APR-LIN", "TOT-CNV-NAT": "TOT-CNV"}


def test_woocommerce_value_not_offered(store, cases):
    report = import_file(store, cases / "C07_woocommerce_products.csv")

    assert report.skipped_total == 1
    skipped = report.skipped[0]
    assert skipped.row_number == 3
    assert "value not offered by parent" in skipped.reason
    assert skipped.values["SKU"] == "APR-LIN-XL"
    stored = store.conn.execute(
        "SELECT row_number, reason FROM import_skipped_rows WHERE import_run_id = ?",
        (report.run_id,),
    ).fetchall()
    assert stored == [(3, skipped.reason)]


def catalog_state(store):
    return {
        "products": product_rows(store),
        "variants": store.conn.execute(
            "SELECT variant_key, product_sku, sku, title, options, price, stock, problem "
            "FROM product_variants ORDER BY variant_key"
        ).fetchall(),
        "photos": store.conn.execute(
            "SELECT product_sku, location, position FROM product_photos ORDER BY product_sku, location"
        ).fetchall(),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_woocommerce_shuffled_same_result(store, cases, tmp_path, seed):
    source = cases / "C07_woocommerce_products.csv"
    header, *rows = source.read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(seed).shuffle(rows)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(header + "".join(rows), encoding="utf-8")

    first = import_file(store, source)
    with open_store(tmp_path / "shuffled.db", create=True) as other:
        second = import_file(other, shuffled)
        assert catalog_state(other) == catalog_state(store)
    assert [s.reason for s in second.skipped] == [s.reason for s in first.skipped]


# UCI Online Retail: cancellations, guest lines, float ids, non-product codes.


def test_uci_return_cancels_purchase(store, cases):
    import_file(store, cases / "C09_online_retail_returns_missing_ids.csv")

    net = store.conn.execute(
        "SELECT sum(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_ref "
        "WHERE o.customer_id = '17850' AND l.product_sku = '85123A'"
    ).fetchone()[0]
    assert net == 0
    cancellations = {
        row[0] for row in store.conn.execute("SELECT order_id FROM orders WHERE is_cancellation = 1")
    }
    assert cancellations == {"C536402", "C536407", "C536409"}


def test_uci_customer_ids_normalised(store, cases):
    import_file(store, cases / "C09_online_retail_returns_missing_ids.csv")

    customers = {row[0] for row in store.conn.execute("SELECT customer_id FROM customers")}
    assert customers == {"17850", "12583", "14527", "15311"}
    guests = {
        row[0]
        for row in store.conn.execute("SELECT order_id FROM orders WHERE customer_id IS NULL")
    }
    assert guests == {"536403", "536404", "536406"}


def test_uci_guest_lines_count_in_sales(store, cases):
    import_file(store, cases / "C09_online_retail_returns_missing_ids.csv")

    # Invoice lines: 15.30 + 20.34 - 15.30 + 22.20 + 22.20 + 54.00 (postage)
    # + 0.00 - 27.50 (discount) + 0.85 - 19.80 + 25.50. The two 22.20 lines have
    # no customer.
    assert revenue_by_month(store) == [("2010-12", pytest.approx(97.79))]


def test_uci_non_product_lines(store, cases):
    report = import_file(store, cases / "C09_online_retail_returns_missing_ids.csv")

    kinds = dict(store.conn.execute("SELECT sku, kind FROM products"))
    assert {sku for sku, kind in kinds.items() if kind == "product"} == {
        "85123A", "71053", "22633", "22632", "22556", "21730",
    }
    assert {sku for sku, kind in kinds.items() if kind == "non_product"} == {"POST", "D", "M"}
    assert "22139" not in kinds  # seen only on a zero-price adjustment line
    line_kinds = dict(store.conn.execute("SELECT o.order_id, l.kind FROM order_lines l JOIN orders o ON o.id = l.order_ref"))
    assert line_kinds["536406"] == "non_product"
    assert line_kinds["536405"] == "non_product"
    assert report.counts["non_product_lines"] == 4
    summary = next(w for w in report.warnings if "not product sales" in w)
    for part in ("postage (POST)", "discount (D)", "manual entry (M)", "price 0"):
        assert part in summary


def test_uci_day_first_dates(store, cases):
    report = import_file(store, cases / "C09_online_retail_returns_missing_ids.csv")

    dates = {row[0] for row in store.conn.execute("SELECT ordered_at FROM orders WHERE order_id = '536401'")}
    assert dates == {"2010-12-01T08:26:00"}
    assert any("day/month/year" in warning for warning in report.warnings)


# Duplicates: two genuine identical lines, one line repeated by an export glitch.


def test_duplicate_line_skipped(store, cases):
    report = import_file(store, cases / "C10_orders_duplicates.csv")

    assert report.imported == 4
    assert store.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 4
    assert report.skipped_total == 1
    assert report.skipped[0].row_number == 5
    assert report.skipped[0].reason.startswith("duplicate of row 4")
    genuine = store.conn.execute(
        "SELECT l.line_id FROM order_lines l JOIN orders o ON o.id = l.order_ref "
        "WHERE o.order_id = 'A-2001' ORDER BY l.line_id"
    ).fetchall()
    assert genuine == [("1",), ("2",)]


def test_reimport_adds_nothing(store, cases):
    path = cases / "C10_orders_duplicates.csv"
    import_file(store, path)

    again = import_file(store, path)

    assert again.imported == 0
    assert again.updated == 0
    assert again.unchanged == 4
    assert result_line(again).startswith("0 new, 4 already present")
    assert store.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 4
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 3
    runs = store.conn.execute("SELECT status, imported, unchanged, skipped FROM import_runs ORDER BY id").fetchall()
    assert runs == [("completed", 4, 0, 1), ("completed", 0, 4, 1)]
