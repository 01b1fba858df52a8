"""Catalog search for typed and spoken queries.

    results = search_catalog(shop_path, "do you have red retrospot lunch bags")

The first search of a shop reads its catalog (tens of milliseconds for a few
thousand products) and keeps it in memory until the catalog changes. Meaning
(embedding) similarity joins the ranking once `prepare_search` has run in this
process; until then search ranks by words, sound and BM25 only.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator

from engine import heavy_imports
from engine.progress import CancelToken, ProgressCallback, no_progress
from engine.search.index import catalog_signature, ensure_index, load_catalog
from engine.search.ranking import CatalogRanker, SearchResult, SearchResults
from engine.store import BUSY_TIMEOUT_MS, Store, open_store

log = logging.getLogger(__name__)

__all__ = [
    "SearchResult",
    "SearchResults",
    "add_photos",
    "prepare_search",
    "search_catalog",
    "search_store",
]

_lock = threading.Lock()
_rankers: dict[Path, CatalogRanker] = {}
# Shops already opened once through open_store (checked and migrated) in this
# process. Later searches connect directly: open_store's quick_check reads the
# whole file, about 0.15 s for the demo shop, which is too slow per keystroke.
_checked: set[Path] = set()


@contextlib.contextmanager
def open_for_search(shop_path: Path) -> Iterator[Store]:
    """Open the shop for searching, checking it fully only the first time."""
    key = Path(shop_path).resolve()
    with _lock:
        is_checked = key in _checked and key.exists()
    if not is_checked:
        with open_store(shop_path) as store:
            with _lock:
                _checked.add(key)
            yield store
        return

    conn = sqlite3.connect(key, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        yield Store(Path(shop_path), conn)
    finally:
        conn.close()


def _embedding_folder(store: Store) -> Path:
    from engine.modelstore import model_dir

    return model_dir(store, "voice")


def ranker_for(store: Store) -> CatalogRanker:
    """Return the in-memory ranker of this shop's current catalog."""
    key = store.path.resolve()
    signature = catalog_signature(store.conn)
    with _lock:
        ranker = _rankers.get(key)
        if ranker is not None and ranker.signature == signature:
            return ranker

    ensure_index(store)
    with heavy_imports.paused_collection():
        ranker = CatalogRanker(load_catalog(store.conn), signature)
    from engine.search.embeddings import load_cached

    ranker.embeddings = load_cached(
        _embedding_folder(store), signature, len(ranker.entries)
    )
    with _lock:
        _rankers[key] = ranker
    return ranker


def prepare_search(
    shop_path: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    with_embeddings: bool = True,
) -> CatalogRanker:
    """Build the search index, the in-memory ranker, its name n-grams and embeddings.

    Loading the sentence model takes about 10 s the first time in a process, so
    the window runs this in a background job when a shop is opened.
    """
    cancel = cancel or CancelToken()
    progress(0.0, "Reading the catalog")
    with open_for_search(shop_path) as store:
        ranker = ranker_for(store)
        # Spoken queries compare whole names by character n-grams; fitting that
        # index here keeps it out of the first voice search.
        ranker.similar_names()
        if not with_embeddings or ranker.embeddings is not None:
            progress(1.0, "Search is ready")
            return ranker
        progress(0.1, "Loading the sentence model")
        from engine import text_embeddings

        text_embeddings.load_model()
        cancel.raise_if_cancelled("Preparing the search")
        progress(0.5, "Embedding product names")
        from engine.search.embeddings import compute_and_cache

        ranker.embeddings = compute_and_cache(
            _embedding_folder(store), ranker.signature, ranker.entries, cancel
        )
    progress(1.0, "Search is ready")
    return ranker


def search_store(store: Store, query: str, n: int = 20) -> SearchResults:
    """Rank the products of an open shop for `query`; see `search_catalog`."""
    started = time.perf_counter()
    ranker = ranker_for(store)
    query_vector = None
    if ranker.embeddings is not None:
        from engine import text_embeddings

        if text_embeddings.is_loaded():
            query_vector = text_embeddings.embed([query.lower()])[0]
    results = ranker.rank(query, n, conn=store.conn, query_vector=query_vector)
    add_photos(store, results.results)
    results.elapsed_s = time.perf_counter() - started
    return results


def search_catalog(shop_path: Path, query: str, n: int = 20) -> SearchResults:
    """Rank the shop's products for a typed query or a transcript.

    Args:
        shop_path: the shop's SQLite file.
        query: free text; filler words such as "do you have" are ignored.
        n: maximum number of results.

    Returns:
        SearchResults with up to `n` products, best first, each with the reasons
        it matched. No results when the query holds only filler words.

    Raises:
        ShopNotFoundError, ShopDamagedError and the other errors of `open_store`.
    """
    with open_for_search(shop_path) as store:
        return search_store(store, query, n)


def add_photos(store: Store, results: list[SearchResult]) -> None:
    """Set each result's `photo` to the product's first photo, or None."""
    if not results:
        return
    placeholders = ",".join("?" for _ in results)
    rows = store.conn.execute(
        f"SELECT product_sku, location FROM product_photos "
        f"WHERE product_sku IN ({placeholders}) ORDER BY coalesce(position, 0), id",
        [result.sku for result in results],
    ).fetchall()
    first: dict[str, str] = {}
    for sku, location in rows:
        first.setdefault(sku, location)
    for result in results:
        result.photo = first.get(result.sku)
