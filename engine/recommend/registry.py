"""Save and load a trained recommendation bundle as one .npz file (no pickle).

A bundle holds the chosen model's arrays, the product SKUs of its columns, the
customer × product purchase matrix (for "bought with X by N customers" reasons),
a content model (for "similar to Y" reasons and similar products) and the product
popularity. Metadata is JSON text stored in a NumPy string array.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.recommend.models import model_class
from engine.recommend.models.base import Recommender

BUNDLE_FORMAT = 1


@dataclass
class Bundle:
    """Everything the service needs to recommend without touching the training data."""

    model: Recommender
    content: Recommender
    items: np.ndarray  # SKUs of the columns
    customers: np.ndarray  # customer ids of the purchase matrix rows
    purchases: object  # csc matrix customers × items, 1 where bought
    popularity: np.ndarray
    customer_counts: np.ndarray
    meta: dict

    def item_index(self) -> dict[str, int]:
        if not hasattr(self, "_item_index"):
            self._item_index = {sku: column for column, sku in enumerate(self.items)}
        return self._item_index


def save_bundle(path: Path, bundle: Bundle) -> None:
    """Write `bundle` to `path` with numpy.savez_compressed (no pickled objects)."""
    purchases = bundle.purchases.tocsc()
    arrays = {
        "items": np.asarray(bundle.items, dtype=str),
        "customers": np.asarray(bundle.customers, dtype=str),
        "purchases.indptr": purchases.indptr,
        "purchases.indices": purchases.indices,
        "popularity": bundle.popularity,
        "customer_counts": bundle.customer_counts,
    }
    for prefix, model in (("model", bundle.model), ("content", bundle.content)):
        for key, value in model.to_arrays().items():
            arrays[f"{prefix}.{key}"] = value
    meta = {
        **bundle.meta,
        "format": BUNDLE_FORMAT,
        "model_name": bundle.model.name,
        "model_params": bundle.model.params(),
        "content_params": bundle.content.params(),
    }
    arrays["meta"] = np.array(json.dumps(meta))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def load_bundle(path: Path) -> Bundle:
    """Read a bundle written by `save_bundle`; never unpickles anything."""
    from scipy import sparse

    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("meta")))

    def part(prefix: str) -> dict[str, np.ndarray]:
        return {key[len(prefix) + 1 :]: value for key, value in arrays.items() if key.startswith(prefix + ".")}

    items = arrays["items"]
    customers = arrays["customers"]
    indices = arrays["purchases.indices"]
    purchases = sparse.csc_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, arrays["purchases.indptr"]),
        shape=(len(customers), len(items)),
    )
    return Bundle(
        model=model_class(meta["model_name"]).from_arrays(meta["model_params"], part("model")),
        content=model_class("content").from_arrays(meta["content_params"], part("content")),
        items=items,
        customers=customers,
        purchases=purchases,
        popularity=arrays["popularity"],
        customer_counts=arrays["customer_counts"],
        meta=meta,
    )


class BundleCache:
    """Keeps the last few loaded bundles, keyed by file path and modification time."""

    def __init__(self, size: int = 2) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, float], Bundle] = {}

    def get(self, path: Path) -> Bundle:
        key = (str(Path(path).resolve()), Path(path).stat().st_mtime)
        with self._lock:
            bundle = self._entries.get(key)
        if bundle is not None:
            return bundle
        bundle = load_bundle(path)
        with self._lock:
            self._entries[key] = bundle
            while len(self._entries) > self._size:
                self._entries.pop(next(iter(self._entries)))
        return bundle

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


BUNDLES = BundleCache()
