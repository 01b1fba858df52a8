"""Recommendation models behind one interface (see base.Recommender)."""

from __future__ import annotations

import importlib

# Model name → "module:class". Modules load on first use, so torch and gensim stay
# off the start-up path.
MODEL_CLASSES = {
    "popularity": "engine.recommend.models.popularity:Popularity",
    "item_knn": "engine.recommend.models.item_knn:ItemKnn",
    "content": "engine.recommend.models.content:Content",
    "ease": "engine.recommend.models.ease:Ease",
    "neural": "engine.recommend.models.neural:Neural",
    "hybrid": "engine.recommend.models.hybrid:Hybrid",
}

MODEL_LABELS = {
    "popularity": "Bestsellers",
    "item_knn": "Item-based (cosine)",
    "content": "Content (product text)",
    "ease": "EASE (linear item model)",
    "neural": "Neural (BPR-trained item factors)",
    "hybrid": "Hybrid (collaborative + content)",
}


def model_class(name: str):
    """Return the class of model `name`, importing its module on first use."""
    try:
        module_name, class_name = MODEL_CLASSES[name].split(":")
    except KeyError:
        raise ValueError(f"unknown recommendation model {name!r}") from None
    return getattr(importlib.import_module(module_name), class_name)
