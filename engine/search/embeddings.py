"""Sentence embeddings of product names, cached next to the shop file.

Computing them takes about 3 s per 1,000 products on two cores, so they are made
in a background job (`prepare_search`) and saved as `.npz` keyed by the catalog
signature. Search works without them and adds the meaning share once they exist.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from engine.search.index import CatalogEntry

log = logging.getLogger(__name__)

CACHE_FILE = "product_name_embeddings.npz"


def embedding_text(entry: CatalogEntry) -> str:
    category = entry.category.replace("/", ", ")
    return f"{entry.title.lower()} ({category})" if category else entry.title.lower()


def load_cached(folder: Path, signature: str, count: int) -> np.ndarray | None:
    """Return cached vectors for this catalog, or None when missing or stale."""
    path = folder / CACHE_FILE
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["signature"]) != signature or data["vectors"].shape[0] != count:
                return None
            return data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError) as error:
        log.warning("Ignored the unreadable embedding cache %s: %s", path, error)
        return None


def compute_and_cache(
    folder: Path, signature: str, entries: list[CatalogEntry], cancel=None
) -> np.ndarray:
    """Embed every product name and save the vectors; return shape (len(entries), 384)."""
    from engine import text_embeddings

    texts = [embedding_text(entry) for entry in entries]
    parts = []
    for start in range(0, len(texts), 512):
        if cancel is not None:
            cancel.raise_if_cancelled("Preparing the search")
        parts.append(text_embeddings.embed(texts[start : start + 512]))
    vectors = np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (CACHE_FILE + ".partial.npz")
    np.savez(partial, signature=np.array(signature), vectors=vectors)
    partial.replace(folder / CACHE_FILE)
    return vectors
