"""Shopify and Magento review exports."""

from __future__ import annotations

from engine.importers import import_file

SHOPIFY = """product_handle,state,rating,title,author,email,location,body,reply,created_at,replied_at
glaze-mug,published,5,Lovely,Ann,ann@example.com,Leeds,"<p>Great mug!</p>",,2024-03-01 10:00:00 UTC,
glaze-mug,published,1,Broken,Bob,bob@example.com,York,Arrived cracked,"Sorry, a new one is on its way",2024-03-02 10:00:00 UTC,2024-03-03 09:00:00 UTC
linen-apron,spam,9,,Cy,,,N/A,,2024-03-04,
"""
MAGENTO = """sku,rating_code,rating_value,title,review,reviewer,email
24-MB01,Rating,2,"I prefer more compartments","I prefer more compartments. Good for the gym.",Chi,
24-MB02,Rating,5,"Love it","Really big, too!",Herb,
"""


def test_shopify_reviews_detected(store, tmp_path):
    path = tmp_path / "reviews_export.csv"
    path.write_text(SHOPIFY, encoding="utf-8")
    report = import_file(store, path)
    assert report.format == "shopify_reviews"
    rows = store.conn.execute("SELECT product_sku, rating, replied_at FROM reviews ORDER BY rating").fetchall()
    assert rows == [("glaze-mug", 1.0, "2024-03-03T09:00:00+00:00"), ("glaze-mug", 5.0, None)]
    assert [row.reason for row in report.skipped] == ["the rating 9 is outside 1–5 stars"]


def test_magento_reviews_detected(store, tmp_path):
    path = tmp_path / "products_reviews.csv"
    path.write_text(MAGENTO, encoding="utf-8")
    report = import_file(store, path)
    assert report.format == "magento_reviews"
    rows = store.conn.execute("SELECT product_sku, rating, author FROM reviews ORDER BY product_sku").fetchall()
    assert rows == [("24-MB01", 2.0, "Chi"), ("24-MB02", 5.0, "Herb")]
