"""Customer lists: customers without orders are imported and get recommendations."""

from __future__ import annotations

import pytest

from engine.importers import import_file, sniff
from engine.importers.summary import result_line


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def customer_rows(store):
    return store.conn.execute(
        "SELECT customer_id, name, email, country FROM customers ORDER BY customer_id"
    ).fetchall()


def order_count(store, customer_id):
    return store.conn.execute(
        "SELECT count(*) FROM orders WHERE customer_id = ?", (customer_id,)
    ).fetchone()[0]


def test_customer_list_imported(store, cases):
    path = cases / "C25_customers_without_orders.csv"

    assert sniff(path).kind == "customers"
    report = import_file(store, path)

    assert report.kind == "customers"
    assert result_line(report) == "2 new, 0 already present, 0 skipped (2 rows read)"
    assert customer_rows(store) == [
        ("C-0200", None, None, None),
        ("C-0201", None, None, None),
    ]
    assert order_count(store, "C-0200") == 0
    assert (
        "The columns signup_date are not stored; customers keep their id, name, "
        "e-mail and country." in report.warnings
    )


def test_customer_list_reimport_adds_nothing(store, cases):
    path = cases / "C25_customers_without_orders.csv"
    import_file(store, path)

    report = import_file(store, path)

    assert (report.imported, report.updated, report.unchanged) == (0, 0, 2)


def test_customers_without_orders_get_fallback(store, cases):
    from engine.recommend.service import recommend_for_customer

    for name in (
        "C25-C31_catalog.csv",
        "C25_customers_without_orders.csv",
        "C25-C31_interactions.csv",
    ):
        import_file(store, cases / name)

    for customer in ("C-0200", "C-0201", "C-0100"):
        result = recommend_for_customer(store.path, customer, 5)
        assert len(result.items) == 5, customer
        assert result.is_fallback, customer
        assert result.label, customer
        skus = {item.sku for item in result.items}
        assert not skus & {"SHIP-PROT", "GIFT-WRAP"}, customer


def test_customers_rows_skipped_with_reasons(store, tmp_path):
    path = write(
        tmp_path / "customers.csv",
        "Customer ID,First Name,Last Name,Email,Country\n"
        "17850.0,Ada,Lovelace,ADA@example.test,GB\n"
        ",Ben,Okafor,ben@example.test,NG\n"
        "17850,Ada,L.,ada2@example.test,GB\n"
        "00042,Cem,,,TR\n",
    )

    report = import_file(store, path)

    assert [(row.row_number, row.reason) for row in report.skipped] == [
        (3, "the customer id is missing"),
        (4, "customer 17850 appears twice in the file; row 2 was imported"),
    ]
    assert customer_rows(store) == [
        ("00042", "Cem", None, "TR"),
        ("17850", "Ada Lovelace", "ada@example.test", "GB"),
    ]


def test_customers_keyed_by_email_without_id(store, tmp_path):
    path = write(
        tmp_path / "newsletter.csv",
        "Email,Full name\nMira.K@example.test,Mira K\n,Nobody\n",
    )

    report = import_file(store, path)

    assert report.kind == "customers"
    assert customer_rows(store) == [
        ("mira.k@example.test", "Mira K", "mira.k@example.test", None)
    ]
    assert [row.reason for row in report.skipped] == [
        "the e-mail, which identifies the customer, is missing"
    ]


def test_customers_file_fills_in_details_only(store, tmp_path):
    orders = write(
        tmp_path / "orders.csv",
        "order_id,customer_id,customer_name,sku,qty\nA-1,C-1,Ann from orders,MUG,1\n",
    )
    import_file(store, orders)
    customers = write(
        tmp_path / "customers.csv",
        "customer_id,name,email\nC-1,Ann Other,ann@example.test\n",
    )

    report = import_file(store, customers)

    assert (report.imported, report.updated, report.unchanged) == (0, 1, 0)
    assert customer_rows(store) == [("C-1", "Ann from orders", "ann@example.test", None)]


@pytest.mark.parametrize(
    "mapping, kind",
    [
        ({"customer_id": "customer_id"}, "customers"),
        ({"email": "email", "name": "name"}, "customers"),
    ],
)
def test_customers_kind_from_mapping(store, tmp_path, mapping, kind):
    path = write(
        tmp_path / "people.csv",
        "customer_id,email,name\nC-7,c7@example.test,Cara\n",
    )

    report = import_file(store, path, mapping=mapping)

    assert report.kind == kind
    assert report.imported == 1
