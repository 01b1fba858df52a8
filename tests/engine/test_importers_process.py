"""Imports run in a child process: same result, errors, cancel and log records."""

from __future__ import annotations

import logging

import pytest

from engine.errors import CancelledError, UnknownFormatError
from engine.importers import import_file
from engine.importers.process import (
    ImportOptions,
    ImportProcessError,
    import_in_process,
)
from engine.progress import CancelToken
from engine.store import open_store
from engine.store.queries import import_runs
from tests.reliability.shop_state import shop_state, write_orders_csv

ORDERS = "C06_shopify_orders_export.csv"


def new_shop(path):
    open_store(path, create=True).close()
    return path


def test_same_shop_as_direct_import(tmp_path, cases):
    in_child = new_shop(tmp_path / "child" / "shop.db")
    direct = tmp_path / "direct" / "shop.db"

    report = import_in_process(in_child, cases / ORDERS)
    with open_store(direct, create=True) as store:
        expected = import_file(store, cases / ORDERS)
        expected_state = shop_state(store.conn)

    assert report.counts == expected.counts
    assert report.warnings == expected.warnings
    with open_store(in_child) as store:
        assert shop_state(store.conn) == expected_state


def test_options_reach_child(tmp_path, cases):
    shop = new_shop(tmp_path / "shop" / "shop.db")

    report = import_in_process(
        shop,
        cases / "C02_orders_cp1252.csv",
        ImportOptions(format="generic", kind="orders", encoding="cp1252"),
    )

    assert report.format == "generic"
    assert report.kind == "orders"
    assert report.encoding == "cp1252"


def test_error_message_kept(tmp_path):
    shop = new_shop(tmp_path / "shop" / "shop.db")
    path = tmp_path / "notes.csv"
    path.write_text("colour,size\nred,L\n", encoding="utf-8")

    with pytest.raises(ImportProcessError) as raised:
        import_in_process(shop, path)

    assert str(raised.value) == str(UnknownFormatError(path, ["colour", "size"]))


def test_cancel_stops_child(tmp_path):
    shop = new_shop(tmp_path / "shop" / "shop.db")
    source = tmp_path / "orders.csv"
    write_orders_csv(source, 40_000)
    token = CancelToken()

    def cancel_on_first_progress(fraction, text):
        token.cancel()

    with pytest.raises(CancelledError) as raised:
        import_in_process(shop, source, progress=cancel_on_first_progress, cancel=token)

    assert str(raised.value) == (
        "The import of orders.csv was cancelled. Nothing from it was saved."
    )
    with open_store(shop) as store:
        assert import_runs(store)[0].status == "cancelled"
        count = store.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
    assert count == 0


def test_child_log_records_reach_caller(tmp_path, cases, caplog):
    shop = new_shop(tmp_path / "shop" / "shop.db")

    with caplog.at_level(logging.INFO, logger="engine.importers.runner"):
        import_in_process(shop, cases / ORDERS)

    messages = [
        record.getMessage()
        for record in caplog.records
        if record.name == "engine.importers.runner"
    ]
    assert any(message.startswith("Import run 1 started") for message in messages)
    assert any(message.startswith("Import run 1 completed") for message in messages)
