"""Photo embeddings and ImageNet probabilities, cached in the shop by content hash."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from engine import heavy_imports
from engine.store import Store, utc_now
from engine.vision import backbone

# The cached vector is the pooled embedding of the whole photo, shorter side 224
# (backbone.preprocess). The name changes whenever preprocessing does, so vectors
# cached with an older preprocessing (the "/crop" centre crop) are recomputed.
# On the Luma garment types with 10 training photos per class (validation on
# training-side products, head with C = 10 and 30% class means), the whole photo
# scored 0.691 top-1, the centre crop 0.680 and the photo padded to a white
# square 0.657. Averaging in a mirrored
# copy or the centre crop's embedding did not raise it and doubles the cost.
EMBEDDING_MODEL = f"{backbone.MODEL_NAME}/whole-224"
DIMENSIONS = backbone.DIMENSIONS


@dataclass
class PhotoFeatures:
    embeddings: np.ndarray  # (n, DIMENSIONS) float32
    probabilities: np.ndarray  # (n, 1000) ImageNet softmax


def compute_features(images: list[Image.Image]) -> PhotoFeatures:
    """Run the backbone on each RGB image."""
    output = backbone.embed_images(images)
    return PhotoFeatures(
        embeddings=output.embeddings, probabilities=output.probabilities
    )


def imagenet_probabilities(embeddings: np.ndarray) -> np.ndarray:
    """Return ImageNet probabilities from cached embeddings with the network's last layer."""
    heavy_imports.load("torch")
    import torch

    network = backbone.load_network()
    with torch.inference_mode():
        pooled = torch.from_numpy(
            np.ascontiguousarray(embeddings[:, : backbone.DIMENSIONS])
        )
        logits = network.classifier(pooled)
        return torch.softmax(logits, dim=1).numpy()


def cached_embeddings(store: Store, hashes: list[str]) -> dict[str, np.ndarray]:
    """Return the stored embeddings of the given photo hashes that are cached."""
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT sha256, dimensions, vector FROM photo_embeddings "
            f"WHERE model = ? AND sha256 IN ({marks})",
            [EMBEDDING_MODEL, *chunk],
        ).fetchall()
        for sha256, dimensions, vector in rows:
            values = np.frombuffer(vector, dtype=np.float32)
            if len(values) == dimensions == DIMENSIONS:
                found[sha256] = values
    return found


def save_embeddings(store: Store, items: dict[str, np.ndarray]) -> None:
    """Store embeddings keyed by photo hash, replacing older ones."""
    if not items:
        return
    now = utc_now()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO photo_embeddings "
            "(sha256, model, dimensions, vector, created_at) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    sha256,
                    EMBEDDING_MODEL,
                    DIMENSIONS,
                    vector.astype(np.float32).tobytes(),
                    now,
                )
                for sha256, vector in items.items()
            ],
        )
