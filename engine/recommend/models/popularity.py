"""Recent bestsellers: the baseline and the fallback for customers with no history."""

from __future__ import annotations

import numpy as np

from engine.recommend.models.base import FitContext, Recommender


class Popularity(Recommender):
    """Scores each product by how many customers bought it, recent purchases first.

    A purchase counts 0.5 ** (age / 30 days), so a product that sold well last
    month ranks above one that sold well a year ago.
    """

    name = "popularity"
    label = "Bestsellers"

    def __init__(self) -> None:
        self.popularity = np.zeros(0, dtype=np.float32)

    def fit(self, context: FitContext, progress=None, cancel=None) -> None:
        self.popularity = context.interactions.popularity.astype(np.float32)

    def scores(self, history) -> np.ndarray:
        return np.broadcast_to(self.popularity, (history.shape[0], len(self.popularity))).copy()

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"popularity": self.popularity}

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray]) -> "Popularity":
        model = cls()
        model.popularity = arrays["popularity"]
        return model
