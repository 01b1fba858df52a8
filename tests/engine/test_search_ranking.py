"""Catalog search: fillers, misheard words, BM25 index, reasons and rebuilds."""

from __future__ import annotations

import pytest

from engine.search.service import search_catalog, search_store
from engine.search.text import query_terms
from engine.store import open_store, utc_now

PRODUCTS = [
    ("20725", "LUNCH BAG RED RETROSPOT", "", ""),
    ("20718", "RED RETROSPOT SHOPPER BAG", "", ""),
    ("22352", "LUNCH BOX WITH CUTLERY RETROSPOT", "", ""),
    ("21239", "PINK POLKA DOT CUP", "", ""),
    ("72130", "COLUMBIAN CANDLE ROUND", "", ""),
    ("21872", "GLAMOROUS MUG", "", ""),
    ("22383", "LUNCH BAG SUKI DESIGN", "", ""),
    ("24-MB01", "Joust Duffle Bag", "Gear/Bags", "<p>A sporty bag for the gym</p>"),
    ("WP01", "Karmen Yoga Pant", "Women/Bottoms", "<p>Stretchy leggings</p>"),
    ("23130", "MISTLETOE HEART WREATH GREEN", "", ""),
    ("84997", "SET OF 6 TEA TIME BAKING CASES", "", ""),
]


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.db"
    now = utc_now()
    with open_store(path, create=True) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (sku, title, category, description, source, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 'test', ?, ?)",
            [(sku, title, category, text, now, now) for sku, title, category, text in PRODUCTS],
        )
    return path


def test_fillers_removed():
    terms, removed = query_terms("Do you have the red retrospot lunch bag, please?")
    assert terms == ["red", "retrospot", "lunch", "bag"]
    assert removed[:3] == ["do", "you", "have"]


def test_only_fillers_give_nothing(shop):
    assert search_catalog(shop, "show me please").results == []


def test_exact_name_first(shop):
    results = search_catalog(shop, "do you have the red retrospot lunch bag")
    assert results.skus[0] == "20725"
    assert results.results[0].reasons == ["name has 'red', 'retrospot', 'lunch', 'bag'"]


def test_split_word_joins(shop):
    results = search_catalog(shop, "retro spot lunch bag")
    assert results.skus[0] == "20725"
    assert results.results[0].reasons == ["name has 'retrospot', 'lunch', 'bag'"]


def test_joined_word_splits(shop):
    assert search_catalog(shop, "polkadot cup").skus[0] == "21239"


def test_misspelling_matches(shop):
    results = search_catalog(shop, "glamourous mugs")
    assert results.skus[0] == "21872"


def test_sound_alike_matches(shop):
    results = search_catalog(shop, "colombian candle")
    assert results.skus[0] == "72130"


def test_number_words_match_digits(shop):
    assert search_catalog(shop, "set of six baking cases").skus[0] == "84997"


def test_category_and_description(shop):
    assert search_catalog(shop, "leggings").skus[0] == "WP01"
    assert search_catalog(shop, "duffel bag").skus[0] == "24-MB01"


def test_partial_name(shop):
    assert search_catalog(shop, "heart wreath green").skus[0] == "23130"


def test_index_rebuilt_after_change(shop):
    search_catalog(shop, "mug")
    with open_store(shop) as store:
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO products (sku, title, source, created_at, updated_at) "
                "VALUES ('NEW1', 'ENAMEL FLOWER JUG', 'test', ?, ?)",
                (utc_now(), utc_now()),
            )
        assert search_store(store, "enamel jug").skus[0] == "NEW1"
        fts = store.conn.execute(
            "SELECT sku FROM product_search WHERE product_search MATCH 'enamel'"
        ).fetchall()
    assert fts == [("NEW1",)]


def test_index_not_rebuilt_when_unchanged(shop):
    from engine.search.index import ensure_index

    with open_store(shop) as store:
        ensure_index(store)
        assert ensure_index(store) is False


def test_similar_names_by_spelling():
    from engine.search.similar_names import SimilarNames

    names = SimilarNames([title for _, title, _, _ in PRODUCTS])
    nearest = names.nearest(["show me do not jack it"], 3, by="spelling")[0]
    assert nearest  # "do not jack it" shares letter pairs with several names
    best = names.nearest(["columbian candel"], 1, by="spelling")[0]
    assert [PRODUCTS[index][1] for index in best] == ["COLUMBIAN CANDLE ROUND"]


def test_similar_names_by_sound():
    from engine.search.similar_names import SimilarNames

    names = SimilarNames(
        ["AERO DAILY FITNESS TEE", "ROUND COMPACT MIRROR", "JUNO JACKET"]
    )
    nearest = names.nearest(["I'm looking for an early fit to see"], 3, by="sound")
    assert nearest[0][0] == 0


def test_similar_names_batch_and_fillers():
    from engine.search.similar_names import SimilarNames

    names = SimilarNames(["PINK POLKA DOT CUP", "GLAMOROUS MUG"])
    nearest = names.nearest(["show me please", "glamorous mug", ""], 2, by="spelling")
    assert nearest[0] == []
    assert nearest[1][0] == 1
    assert nearest[2] == []


def test_similar_names_empty_catalog():
    from engine.search.similar_names import SimilarNames

    assert SimilarNames([]).nearest(["mug"], 5, by="sound") == [[]]


def test_nearest_names_returns_skus(shop):
    from engine.search.service import open_for_search, ranker_for

    with open_for_search(shop) as store:
        ranker = ranker_for(store)
        by_sound = ranker.nearest_names(["mistle toe hart reath"], 2, by="sound")
        result = ranker.result_for("23130", 0.5, ["a reason"])
    assert by_sound[0][0] == "23130"
    assert result.title == "MISTLETOE HEART WREATH GREEN"
    assert result.reasons == ["a reason"]
