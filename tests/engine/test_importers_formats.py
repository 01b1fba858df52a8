"""Importers on real export files of shop systems and on the Luma sample store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import ImportFileError, UnknownFormatError
from engine.importers import FORMATS, import_file, sniff
from engine.store.queries import counts

TEST_DATA = Path(__file__).resolve().parent.parent / "data"


def formats_dir(shared_data):
    return shared_data / "shop-export-formats"


@pytest.mark.parametrize(
    "name, format_key",
    [
        ("amazon/active_listings_report_header.tsv", "amazon_listings"),
        ("amazon/all_orders_report_by_last_update_header.tsv", "amazon_orders"),
        ("amazon/orders_report_by_order_date_header.tsv", "amazon_orders"),
        ("shopify/orders_export_header.csv", "shopify_orders"),
    ],
)
def test_header_only_exports(store, shared_data, name, format_key):
    report = import_file(store, formats_dir(shared_data) / name)

    assert report.format == format_key
    assert report.format_label == FORMATS[format_key]
    assert report.rows_read == 0
    assert report.imported == 0
    assert report.skipped_total == 0
    assert "The file has no data rows, so nothing was imported." in report.warnings
    assert counts(store).import_runs == 1


def test_amazon_reports_are_tab_separated(shared_data):
    sniffed = sniff(formats_dir(shared_data) / "amazon/all_orders_report_by_last_update_header.tsv")

    assert sniffed.delimiter == "\t"
    assert sniffed.kind == "orders"
    assert sniffed.mapping["order_id"] == "amazon-order-id"


def test_amazon_settlement_rejected(store, shared_data):
    with pytest.raises(ImportFileError) as caught:
        import_file(store, formats_dir(shared_data) / "amazon/settlement_report_v2_header.tsv")

    assert "settlement report" in str(caught.value)
    assert "All Orders report" in str(caught.value)


def test_shopify_product_template(store, shared_data):
    report = import_file(store, formats_dir(shared_data) / "shopify/product_template.csv")

    assert report.format == "shopify_products"
    assert report.rows_read == 17
    assert report.skipped_total == 0
    assert report.counts["products"] == 3
    shirt = store.conn.execute(
        "SELECT count(*) FROM product_variants WHERE product_sku = 'example-shirt'"
    ).fetchone()[0]
    assert shirt == 12
    options = store.conn.execute(
        "SELECT options FROM product_variants WHERE sku = 'SRT_COT_111'"
    ).fetchone()[0]
    assert json.loads(options) == {"Color": "Green", "Size": "S"}


def test_shopify_product_reimport_unchanged(store, shared_data):
    path = formats_dir(shared_data) / "shopify/product_template.csv"
    first = import_file(store, path)

    again = import_file(store, path)

    assert again.imported == 0
    assert again.updated == 0
    assert again.unchanged == first.imported
    assert again.counts["variants_unchanged"] == first.counts["variants_new"]
    assert again.counts["photos_unchanged"] == first.counts["photos_new"]


def test_woocommerce_sample_products(store, shared_data):
    report = import_file(store, formats_dir(shared_data) / "woocommerce/sample_products.csv")

    assert report.format == "woocommerce_products"
    assert report.rows_read == 25
    assert report.skipped_total == 0
    assert report.counts["products"] == 18
    assert report.counts["variants"] == 7
    hoodie = dict(
        store.conn.execute(
            "SELECT sku, options FROM product_variants WHERE product_sku = 'woo-hoodie'"
        )
    )
    assert json.loads(hoodie["woo-hoodie-blue-logo"]) == {"Color": "Blue", "Logo": "Yes"}
    category = store.conn.execute("SELECT category FROM products WHERE sku = 'woo-vneck-tee'").fetchone()[0]
    assert category == "Clothing > Tshirts"


@pytest.mark.parametrize(
    "name", ["experimental_sample_9_products.csv", "experimental_fashion_sample_9_products.csv"]
)
def test_woocommerce_nine_product_samples(store, shared_data, name):
    report = import_file(store, formats_dir(shared_data) / "woocommerce" / name)

    assert report.format == "woocommerce_products"
    assert report.rows_read == 9
    assert report.counts["products"] == 9
    assert report.skipped_total == 0


def test_tax_rates_not_importable(store, shared_data):
    path = formats_dir(shared_data) / "woocommerce/sample_tax_rates.csv"

    with pytest.raises(UnknownFormatError) as caught:
        import_file(store, path)

    assert "do not look like products, orders, reviews or customers" in str(caught.value)
    assert "Tax Name" in str(caught.value)


def test_spree_products_generic(store, shared_data):
    report = import_file(store, formats_dir(shared_data) / "spree/products.csv")

    assert report.format == "generic"
    assert report.kind == "products"
    assert report.mapping["sku"] == "sku"
    assert report.mapping["parent"] == "slug"
    assert report.rows_read == 211
    assert report.counts["products"] == 36
    assert report.counts["variants"] == 85
    espresso = dict(
        store.conn.execute(
            "SELECT sku, price FROM product_variants WHERE product_sku = 'AUTOMATIC-ESPRESSO-MACHINE'"
        )
    )
    assert espresso["AUTOMATIC-ESPRESSO-MACHINE-SILVER"] == 879.99
    reasons = [skipped.reason for skipped in report.skipped]
    assert sum("a price in EUR" in reason for reason in reasons) == 85
    assert "the SKU ROBOT-VACUUM already appears in row 93; the first one is kept" in reasons
    assert report.skipped_total == 211 - 36 - 85


def test_magento_native_export(store):
    report = import_file(store, TEST_DATA / "magento_products_export.csv")

    assert report.format == "magento_products"
    products = dict(store.conn.execute("SELECT sku, title FROM products"))
    assert products == {"MH01": "Chaz Kangeroo Hoodie", "24-UG06": "Affirm Water Bottle™"}
    variants = dict(store.conn.execute("SELECT sku, options FROM product_variants"))
    assert json.loads(variants["MH01-XS-Gray"]) == {"Size": "XS", "Color": "Gray"}
    price = store.conn.execute("SELECT price FROM product_variants WHERE sku = 'MH01-XS-Gray'").fetchone()[0]
    assert price == 54.5
    attributes = json.loads(
        store.conn.execute("SELECT attributes FROM products WHERE sku = 'MH01'").fetchone()[0]
    )
    assert attributes["store views"]["de"]["name"] == "Chaz Känguru-Kapuzenpullover"
    assert attributes["material"] == "Cotton"
    category = store.conn.execute("SELECT category FROM products WHERE sku = 'MH01'").fetchone()[0]
    assert category == "Men/Tops/Hoodies & Sweatshirts"
    photos = store.conn.execute(
        "SELECT location, position FROM product_photos WHERE product_sku = 'MH01' "
        "ORDER BY position IS NULL, position"
    ).fetchall()
    assert photos == [
        ("/m/h/mh01-gray_main.jpg", 1),
        ("/m/h/mh01-gray_alt1.jpg", 2),
        ("/m/h/mh01-gray_back.jpg", 3),
        ("/m/h/mh01-black_main.jpg", None),  # the child's photo, after the parent's
    ]
    assert [skipped.row_number for skipped in report.skipped] == [7]
    assert "no default row" in report.skipped[0].reason


def test_amazon_order_rows(store):
    report = import_file(store, TEST_DATA / "amazon_all_orders.tsv")

    assert report.format == "amazon_orders"
    # The third order is kept although its only line has an invalid quantity.
    assert report.counts["orders"] == 3
    assert report.imported == 3
    mug = store.conn.execute(
        "SELECT quantity, unit_price, line_total FROM order_lines WHERE sku = 'MUG-BLU-250'"
    ).fetchone()
    assert mug == (2.0, 13.0, 26.0)
    statuses = dict(store.conn.execute("SELECT order_id, status FROM orders"))
    assert statuses["302-2222222-2222222"] == "cancelled"
    assert store.conn.execute("SELECT count(*) FROM orders WHERE customer_id IS NOT NULL").fetchone()[0] == 0
    assert [(s.row_number, s.reason) for s in report.skipped] == [
        (5, "the quantity 'abc' is not a number")
    ]
    attributes = json.loads(
        store.conn.execute(
            "SELECT attributes FROM orders WHERE order_id = '302-1111111-1111111'"
        ).fetchone()[0]
    )
    assert attributes["sales-channel"] == "Amazon.de"
    assert "ship-postal-code" not in attributes


def test_amazon_listings_rows(store):
    report = import_file(store, TEST_DATA / "amazon_active_listings.tsv")

    assert report.format == "amazon_listings"
    assert report.imported == 2
    price, attributes = store.conn.execute(
        "SELECT price, attributes FROM products WHERE sku = 'MUG-BLU-250'"
    ).fetchone()
    assert price == 13.0
    assert json.loads(attributes)["quantity"] == 4
    assert counts(store).photos == 1


def test_luma_catalog_generic(store, shared_data):
    report = import_file(store, shared_data / "magento-luma-catalog/products.csv")

    assert report.format == "generic"
    assert report.mapping == {
        "sku": "sku",
        "name": "name",
        "price": "price",
        "category": "category",
        "description": "description_html",
    }
    assert report.imported == 199
    assert report.skipped_total == 0
    titles = [row[0] for row in store.conn.execute("SELECT title FROM products")]
    assert not any("&trade;" in title or "&amp;" in title for title in titles)
    assert any("™" in title for title in titles)
    description = store.conn.execute("SELECT description FROM products WHERE sku = '24-MB01'").fetchone()[0]
    assert description.startswith("<p>")


def test_luma_reviews_generic(store, shared_data):
    import_file(store, shared_data / "magento-luma-catalog/products.csv")

    report = import_file(store, shared_data / "magento-luma-reviews/reviews_with_products.csv")

    assert report.kind == "reviews"
    assert report.mapping == {
        "sku": "sku",
        "product": "product_name",
        "rating": "rating",
        "title": "title",
        "body": "review",
    }
    assert report.imported == 500
    unknown = store.conn.execute(
        "SELECT count(*) FROM reviews WHERE product_sku NOT IN (SELECT sku FROM products)"
    ).fetchone()[0]
    assert unknown == 152
    assert any(warning.startswith("152 review(s)") for warning in report.warnings)
    again = import_file(store, shared_data / "magento-luma-reviews/reviews_with_products.csv")
    assert again.imported == 0
    assert again.unchanged == 500
