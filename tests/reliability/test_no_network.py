"""The main paths of the app run with every network connection blocked.

`socket.socket.connect`, `connect_ex`, `socket.create_connection` and
`socket.getaddrinfo` are replaced by functions that record the attempt and raise.
A path passes when it finishes, its result is real (a trained model, tags, scores,
search results), and nothing tried to connect. The blocks cover Python code,
including libraries that would fetch models (huggingface_hub, torch.hub, urllib);
a native library that opens its own sockets is not covered.

The feature paths run on the smallest real inputs: the recommendation and review
cases, two Luma catalog photos and a 16 kHz spoken query.
"""

from __future__ import annotations

import socket

import pytest

from engine import modelstore
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


def case_shop(tmp_path, cases, *names):
    """Create a shop and import the named case files into it; return its path."""
    shop = tmp_path / "shop" / "shop.db"
    with open_store(shop, create=True) as store:
        for name in names:
            import_file(store, cases / name)
    return shop


def train_and_recommend(tmp_path, cases):
    from engine.recommend.service import recommend_for_customer, train_shop

    shop = case_shop(
        tmp_path,
        cases,
        "C25-C31_catalog.csv",
        "C25_customers_without_orders.csv",
        "C25-C31_interactions.csv",
    )
    train_shop(shop)
    result = recommend_for_customer(shop, "C-0101", 5)

    with open_store(shop) as store:
        assert modelstore.active_model(store, "recommend") is not None
    assert not result.is_fallback
    assert result.items


def tag_a_photo(tmp_path, cases):
    from bench.datasets import luma_catalog_dir
    from engine.vision.service import tag_photos

    shop = case_shop(tmp_path, cases)
    photos = sorted((luma_catalog_dir() / "images").rglob("*.jpg"))[:2]
    report = tag_photos(shop, photos)

    assert len(report.photos) == 2
    assert all(photo.tags for photo in report.photos)


def score_reviews(tmp_path, cases):
    from engine.reviews import service

    shop = case_shop(tmp_path, cases, "C32-C36_reviews_edge_cases.csv")
    service.analyse(shop)

    assert not service.needs_analysis(shop)


def search_typed(tmp_path, cases):
    from engine.search.service import search_catalog

    shop = case_shop(tmp_path, cases, "C25-C31_catalog.csv")
    results = search_catalog(shop, "blue mug", n=5)

    assert "MUG-BLU-250" in [result.sku for result in results.results]


def search_spoken(tmp_path, cases):
    from engine.voice.service import search_by_voice

    shop = case_shop(tmp_path, cases, "C25-C31_catalog.csv")
    result = search_by_voice(shop, cases / "C38_speech_16k_mono_reference.wav", n=5)

    assert result.transcript
    assert result.products


# name -> function(tmp_path, cases). Each runs one path end to end.
PATHS = {
    "open a new shop": open_new_shop,
    "import CSV files": import_case_files,
    "back up and restore": back_up_and_restore,
    "build the demo shop": pytest.param(build_demo, marks=pytest.mark.slow),
    "train recommendations and recommend": train_and_recommend,
    "tag photos": tag_a_photo,
    "score reviews": score_reviews,
    "typed catalog search": search_typed,
    "voice search on a WAV file": search_spoken,
}


def test_blocking_catches_a_connection(blocked_network):
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("127.0.0.1", 9))
    assert blocked_network == ["create_connection (('127.0.0.1', 9),)"]


@pytest.mark.parametrize("run_path", list(PATHS.values()), ids=list(PATHS))
def test_path_without_network(blocked_network, tmp_path, cases, run_path):
    run_path(tmp_path, cases)

    assert blocked_network == []
