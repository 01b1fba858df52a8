"""Each bad-input kind of the CSV cases, applied to every case file it fits.

tests/engine/test_importers_cases.py checks each case file against its expected
result. These tests take the kind of problem (a byte-order mark, Windows code page
text, a semicolon with decimal commas, an export imported twice) and apply it to
the other importers' files too, so the shared reading code is what passes, not
one importer.
"""

from __future__ import annotations

import csv
import io

import pytest

from engine.importers import import_file
from engine.store import open_store
from tests.reliability.shop_state import shop_state

# Case files in UTF-8 without a byte-order mark, one per importer.
UTF8_CASES = [
    "C05_shopify_products_export.csv",
    "C06_shopify_orders_export.csv",
    "C07_woocommerce_products.csv",
    "C09_online_retail_returns_missing_ids.csv",
    "C10_orders_duplicates.csv",
]


def imported_state(path, tmp_path, name, **options):
    with open_store(tmp_path / name / "shop.db", create=True) as store:
        report = import_file(store, path, **options)
        return report, shop_state(store.conn)


@pytest.mark.parametrize("case", UTF8_CASES)
def test_bom_and_crlf_same_state(cases, tmp_path, case):
    text = (cases / case).read_text(encoding="utf-8")
    variant = tmp_path / f"bom-{case}"
    variant.write_bytes(b"\xef\xbb\xbf" + text.replace("\r\n", "\n").replace("\n", "\r\n").encode())

    plain_report, plain = imported_state(cases / case, tmp_path, "plain")
    bom_report, with_bom = imported_state(variant, tmp_path, "bom")

    assert bom_report.encoding == "utf-8-sig"
    assert bom_report.headers == plain_report.headers
    assert bom_report.format == plain_report.format
    assert with_bom == plain


@pytest.mark.parametrize("case", UTF8_CASES)
def test_cp1252_same_state(cases, tmp_path, case):
    text = (cases / case).read_text(encoding="utf-8")
    # Characters cp1252 lacks become "?", as Excel writes them.
    encoded = text.encode("cp1252", errors="replace")
    variant = tmp_path / f"cp1252-{case}"
    variant.write_bytes(encoded)
    reference = tmp_path / f"reference-{case}"
    reference.write_text(encoded.decode("cp1252"), encoding="utf-8")

    _, expected = imported_state(reference, tmp_path, "utf8")
    report, state = imported_state(variant, tmp_path, "cp1252")

    if encoded.isascii():
        assert report.encoding in ("utf-8", "cp1252")
    else:
        assert report.encoding == "cp1252"
    assert state == expected


def to_excel_german(text: str, decimal_columns: set[str]) -> str:
    """Rewrite a comma CSV as German Excel saves it: ';' and decimal commas."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    columns = {index for index, name in enumerate(header) if name in decimal_columns}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows[1:]:
        writer.writerow(
            [value.replace(".", ",") if index in columns else value for index, value in enumerate(row)]
        )
    return out.getvalue()


@pytest.mark.parametrize(
    "case, decimal_columns",
    [
        (
            "C06_shopify_orders_export.csv",
            {"Subtotal", "Shipping", "Taxes", "Total", "Lineitem price", "Refunded Amount"},
        ),
        ("C10_orders_duplicates.csv", {"unit_price"}),
        ("C07_woocommerce_products.csv", {"Regular price"}),
    ],
)
def test_semicolon_decimal_comma_same_state(cases, tmp_path, case, decimal_columns):
    text = (cases / case).read_text(encoding="utf-8")
    variant = tmp_path / f"de-{case}"
    variant.write_text(to_excel_german(text, decimal_columns), encoding="utf-8")

    _, expected = imported_state(cases / case, tmp_path, "comma")
    report, state = imported_state(variant, tmp_path, "semicolon")

    assert report.delimiter == ";"
    assert report.decimal_comma is True
    # Extra order columns (Shipping, Taxes) are kept as the text the file had, so
    # they differ; every parsed number and all other values are the same.
    without_extras = [row[:-1] for row in state["orders"]]
    assert without_extras == [row[:-1] for row in expected["orders"]]
    del state["orders"], expected["orders"]
    assert state == expected


@pytest.mark.parametrize("case", UTF8_CASES + ["C03_catalog_excel_de_semicolon.csv", "C02_orders_cp1252.csv"])
def test_second_import_adds_nothing(store, cases, case):
    first = import_file(store, cases / case)
    before = shop_state(store.conn)

    second = import_file(store, cases / case)

    assert second.imported == 0
    assert second.updated == 0
    assert second.unchanged == first.imported + first.updated + first.unchanged
    assert second.skipped_total == first.skipped_total
    assert shop_state(store.conn) == before


@pytest.mark.parametrize("case", UTF8_CASES + ["C03_catalog_excel_de_semicolon.csv", "C02_orders_cp1252.csv"])
def test_every_row_accounted_for(store, cases, case):
    report = import_file(store, cases / case)

    stored = store.conn.execute(
        "SELECT count(*) FROM import_skipped_rows WHERE import_run_id = ?", (report.run_id,)
    ).fetchone()[0]
    assert report.rows_read > 0
    assert stored == report.skipped_total
    assert all(row.reason.strip() for row in report.skipped)
    status, rows_read, skipped = store.conn.execute(
        "SELECT status, rows_read, skipped FROM import_runs WHERE id = ?", (report.run_id,)
    ).fetchone()
    assert (status, rows_read, skipped) == ("completed", report.rows_read, report.skipped_total)
