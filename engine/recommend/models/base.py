"""The interface every recommendation model implements."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.progress import CancelToken, no_progress
from engine.recommend.interactions import Interactions

# EASE solves an N × N system. At 6,000 products a float32 matrix is 144 MB and the
# solve needs about three of them, which keeps a 50,000-product shop under 1 GB.
EASE_MAX_ITEMS = 6_000
# The other collaborative models keep sparse or factored item data, so they can
# cover more products.
COLLABORATIVE_MAX_ITEMS = 20_000


@dataclass
class FitContext:
    """What a model learns from: interactions, product texts and optional truth.

    `validation` (user row → products bought later) lets a model stop early; the
    models never see the products they are tested on.
    """

    interactions: Interactions
    texts: list[str]
    validation: dict[int, np.ndarray] | None = None


class NotFiniteError(ValueError):
    """A fitted model contains NaN or infinite values."""


class Recommender:
    """Base class: fit, score histories, find similar products, save and load."""

    name = "model"
    label = "Model"

    def fit(self, context: FitContext, progress=no_progress, cancel: CancelToken | None = None) -> None:
        raise NotImplementedError

    def scores(self, history) -> np.ndarray:
        """Score every product for each history row (csr, k × items) → k × items."""
        raise NotImplementedError

    def similar_items(self, item: int, n: int = 10) -> list[tuple[int, float]]:
        """Return up to n (product column, similarity) pairs most like `item`."""
        return []

    def params(self) -> dict:
        """Hyper-parameters and settings, stored as JSON next to the arrays."""
        return {}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the learned arrays; they are saved with numpy.savez (no pickle)."""
        return {}

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray]) -> "Recommender":
        raise NotImplementedError

    def check_finite(self) -> None:
        """Raise NotFiniteError when a learned array contains NaN or inf."""
        for key, value in self.to_arrays().items():
            if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
                raise NotFiniteError(f"{self.name}: {key} has non-finite values")


def collaborative_columns(interactions: Interactions, max_items: int) -> np.ndarray:
    """Return the columns of the `max_items` most-bought products (bought at least
    once), sorted by column."""
    buyers = np.diff(interactions.matrix.tocsc().indptr)
    bought = np.flatnonzero(buyers > 0)
    if len(bought) > max_items:
        order = np.argsort(-buyers[bought], kind="stable")[:max_items]
        bought = np.sort(bought[order])
    return bought


def normalize_rows(scores: np.ndarray) -> np.ndarray:
    """Divide each row by its largest absolute value, so models blend on one scale."""
    scale = np.abs(scores).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    return scores / scale


def similar_from_vector(values: np.ndarray, item: int, n: int) -> list[tuple[int, float]]:
    values = np.asarray(values, dtype=np.float64).copy()
    values[item] = -np.inf
    positive = np.flatnonzero(values > 0)
    if len(positive) == 0:
        return []
    best = positive[np.argsort(-values[positive], kind="stable")[:n]]
    return [(int(column), float(values[column])) for column in best]
