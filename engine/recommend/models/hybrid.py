"""Hybrid: a collaborative model blended with content and recent popularity.

score = norm(collaborative) + content_weight · norm(content)
        + popularity_weight · norm(popularity),
where norm divides each customer's row by its largest absolute value. Products
nobody bought have no collaborative score, so content brings them in. The weights
are chosen on validation NDCG@10.
"""

from __future__ import annotations

import numpy as np

from engine.recommend.models.base import FitContext, Recommender, normalize_rows

WEIGHT_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.5)


class Hybrid(Recommender):
    name = "hybrid"
    label = "Hybrid (collaborative + content)"

    def __init__(
        self,
        collaborative: Recommender,
        content: Recommender,
        popularity: Recommender,
        content_weight: float = 0.05,
        popularity_weight: float = 0.05,
    ) -> None:
        self.collaborative = collaborative
        self.content = content
        self.popularity = popularity
        self.content_weight = float(content_weight)
        self.popularity_weight = float(popularity_weight)

    def fit(self, context: FitContext, progress=None, cancel=None) -> None:
        for part in (self.collaborative, self.content, self.popularity):
            part.fit(context, cancel=cancel)

    def blend(self, collaborative, content, popularity) -> np.ndarray:
        return (
            normalize_rows(collaborative)
            + self.content_weight * normalize_rows(content)
            + self.popularity_weight * normalize_rows(popularity)
        )

    def scores(self, history) -> np.ndarray:
        return self.blend(
            self.collaborative.scores(history),
            self.content.scores(history),
            self.popularity.scores(history),
        )

    def similar_items(self, item: int, n: int = 10) -> list[tuple[int, float]]:
        return self.collaborative.similar_items(item, n) or self.content.similar_items(item, n)

    def params(self) -> dict:
        return {
            "content_weight": self.content_weight,
            "popularity_weight": self.popularity_weight,
            "parts": {
                role: {"name": part.name, "params": part.params()}
                for role, part in self._parts().items()
            },
        }

    def _parts(self) -> dict[str, Recommender]:
        return {
            "collaborative": self.collaborative,
            "content": self.content,
            "popularity": self.popularity,
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {}
        for role, part in self._parts().items():
            for key, value in part.to_arrays().items():
                arrays[f"{role}.{key}"] = value
        return arrays

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray]) -> "Hybrid":
        from engine.recommend.models import model_class

        parts = {}
        for role, description in params["parts"].items():
            prefix = f"{role}."
            own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            parts[role] = model_class(description["name"]).from_arrays(description["params"], own)
        return cls(
            parts["collaborative"],
            parts["content"],
            parts["popularity"],
            params["content_weight"],
            params["popularity_weight"],
        )
