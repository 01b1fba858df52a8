"""Add-on lines such as "Shipping protection" never count as products.

Shipping-protection apps add a line to Shopify orders, often with a SKU of their
own. Every order importer classifies its lines through `Catalog.classify_line`, and
every catalog import through `Writer.add_product`, so these tests cover the
formats that share them.
"""

from __future__ import annotations

import pytest

from engine.importers import import_file
from engine.store.queries import top_products

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem sku\n"
)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def line_kinds(store):
    return dict(
        store.conn.execute(
            "SELECT coalesce(sku, title), kind FROM order_lines ORDER BY 1"
        ).fetchall()
    )


def product_kinds(store):
    return dict(store.conn.execute("SELECT sku, kind FROM products").fetchall())


def test_shopify_protection_line_with_sku(store, tmp_path):
    path = write(
        tmp_path / "orders_export.csv",
        SHOPIFY_HEADER
        + "#1001,a@example.test,paid,EUR,31.45,2024-03-09 14:22:07 -0500,1,"
        "Glaze mug,14.50,MUG-1\n"
        + "#1001,,,,,,1,Route Shipping Protection,0.98,ROUTEINS10\n"
        + "#1001,,,,,,1,Tip-top tea towel,8.00,TOWEL-1\n"
        + "#1001,,,,,,1,SPACEBOY GIFT WRAP,0.42,22703\n"
        + "#1001,,,,,,1,Gift wrap,3.00,\n"
        + "#1001,,,,,,1,Tip,4.55,\n",
    )

    report = import_file(store, path)

    assert line_kinds(store) == {
        "MUG-1": "product",
        "ROUTEINS10": "add_on",
        "TOWEL-1": "product",
        "22703": "product",
        "Gift wrap": "add_on",
        "Tip": "add_on",
    }
    assert report.counts["add_on_lines"] == 3
    assert (
        "3 line(s) are extras or charges (such as shipping protection or tips). They "
        "stay with their orders but are not products." in report.warnings
    )
    assert "ROUTEINS10" not in {product.sku for product in top_products(store)}


@pytest.mark.parametrize(
    "title",
    [
        "Shipping protection",
        "Package Protection by Route",
        "Order protection",
        "Versandschutz",
        "Donation to the food bank",
        "Tip 10%",
        "Gift wrap (add-on)",
    ],
)
def test_generic_add_on_line_with_sku(store, tmp_path, title):
    path = write(
        tmp_path / "orders.csv",
        f"order_id,customer_id,sku,item,qty,price\nA-1,C-1,EXTRA-1,{title},1,2.00\n"
        "A-1,C-1,MUG-1,Glaze mug,1,14.50\n",
    )

    report = import_file(store, path)

    assert line_kinds(store) == {"EXTRA-1": "add_on", "MUG-1": "product"}
    assert report.counts["add_on_lines"] == 1


def test_amazon_add_on_line_with_sku(store, tmp_path):
    path = write(
        tmp_path / "amazon_orders.txt",
        "amazon-order-id\torder-item-id\tpurchase-date\tsku\tproduct-name\tquantity\t"
        "item-price\n"
        "111-1\t1\t2024-05-01T10:00:00+00:00\tMUG-1\tGlaze mug\t1\t14.50\n"
        "111-1\t2\t2024-05-01T10:00:00+00:00\tPROT-1\tShipping protection\t1\t0.98\n",
    )

    report = import_file(store, path)

    assert line_kinds(store) == {"MUG-1": "product", "PROT-1": "add_on"}
    assert report.counts["add_on_lines"] == 1


def test_catalog_marks_add_ons(store, cases):
    report = import_file(store, cases / "C25-C31_catalog.csv")

    kinds = product_kinds(store)
    assert kinds["SHIP-PROT"] == "add_on"
    assert kinds["GIFT-WRAP"] == "add_on"
    assert [sku for sku, kind in kinds.items() if kind != "product"] == [
        "SHIP-PROT",
        "GIFT-WRAP",
    ]
    assert report.counts["non_product_items"] == 2


def test_gift_wrap_paper_stays_product(store, tmp_path):
    path = write(
        tmp_path / "products.csv",
        "sku,name,price\n22703,SPACEBOY GIFT WRAP,0.42\n"
        "21100,PEN IN GIFT BOX,1.25\nTT-1,Tip-top tea towel,8.00\n",
    )

    import_file(store, path)

    assert set(product_kinds(store).values()) == {"product"}


def test_catalog_after_orders_marks_lines(store, cases):
    import_file(store, cases / "C25-C31_interactions.csv")
    assert "SHIP-PROT" in {product.sku for product in top_products(store, 20)}

    report = import_file(store, cases / "C25-C31_catalog.csv")

    kinds = store.conn.execute(
        "SELECT DISTINCT kind FROM order_lines WHERE product_sku = 'SHIP-PROT'"
    ).fetchall()
    assert kinds == [("add_on",)]
    assert report.counts["order_lines_marked_not_product"] == 50
    assert (
        "50 order line(s) already in the shop are for add-ons or charges of this "
        "file (such as shipping protection), so they no longer count as product "
        "sales." in report.warnings
    )
    assert "SHIP-PROT" not in {product.sku for product in top_products(store, 20)}


def test_orders_after_catalog_stay_unchanged(store, cases):
    import_file(store, cases / "C25-C31_catalog.csv")
    import_file(store, cases / "C25-C31_interactions.csv")

    report = import_file(store, cases / "C25-C31_interactions.csv")

    assert (report.imported, report.updated) == (0, 0)
    assert line_kinds(store)["SHIP-PROT"] == "add_on"
