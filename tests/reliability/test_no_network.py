"""The main paths of the app run with every network connection blocked.

`socket.socket.connect`, `connect_ex`, `socket.create_connection` and
`socket.getaddrinfo` are replaced by functions that record the attempt and raise.
A path passes when it finishes and nothing tried to connect. Feature paths
(training, tagging, review scoring, voice search) are added to `PATHS` the same way.
"""

from __future__ import annotations

import socket

import pytest

from engine.importers import import_file
from engine.store import open_store


class NetworkBlocked(OSError):
    pass


@pytest.fixture
def blocked_network(monkeypatch) -> list[str]:
    """Block outgoing connections and return the list of attempts made."""
    attempts: list[str] = []

    def refuse(kind):
        def blocked(*args, **kwargs):
            target = args[1] if kind.startswith("socket.") and len(args) > 1 else args[:1]
            attempts.append(f"{kind} {target!r}")
            raise NetworkBlocked(f"network blocked in tests: {kind} {target!r}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    return attempts


def open_new_shop(tmp_path, cases):
    open_store(tmp_path / "shop" / "shop.db", create=True).close()


def import_case_files(tmp_path, cases):
    with open_store(tmp_path / "shop" / "shop.db", create=True) as store:
        for name in (
            "C05_shopify_products_export.csv",
            "C06_shopify_orders_export.csv",
            "C09_online_retail_returns_missing_ids.csv",
        ):
            import_file(store, cases / name)


def back_up_and_restore(tmp_path, cases):
    from engine.store.backup import restore_backup

    import_case_files(tmp_path, cases)
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop) as store:
        backup = store.backup(tmp_path / "copy.db")
    restore_backup(shop, backup)
    open_store(shop).close()


def build_demo(tmp_path, cases):
    from engine.demo import build_demo_shop

    build_demo_shop(tmp_path / "demo" / "shop.db")


# name -> function(tmp_path, cases). Each runs one path end to end.
PATHS = {
    "open a new shop": open_new_shop,
    "import CSV files": import_case_files,
    "back up and restore": back_up_and_restore,
    "build the demo shop": pytest.param(build_demo, marks=pytest.mark.slow),
}


def test_blocking_catches_a_connection(blocked_network):
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("127.0.0.1", 9))
    assert blocked_network == ["create_connection (('127.0.0.1', 9),)"]


@pytest.mark.parametrize("run_path", list(PATHS.values()), ids=list(PATHS))
def test_path_without_network(blocked_network, tmp_path, cases, run_path):
    run_path(tmp_path, cases)

    assert blocked_network == []
