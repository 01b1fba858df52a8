"""Photo embeddings and ImageNet probabilities, cached in the shop by content hash."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from engine.store import Store, utc_now
from engine.vision import backbone

# The cached vector is the centre-crop embedding followed by the embedding of the
# whole photo padded to a square, 2 x 1280 floats.
EMBEDDING_MODEL = f"{backbone.MODEL_NAME}/crop+padded"
DIMENSIONS = 2 * backbone.DIMENSIONS


@dataclass
class PhotoFeatures:
    embeddings: np.ndarray  # (n, DIMENSIONS) float32
    probabilities: np.ndarray  # (n, 1000) ImageNet softmax of the centre crop


def compute_features(images: list[Image.Image]) -> PhotoFeatures:
    """Run the backbone on both views of each RGB image."""
    cropped = backbone.embed_images(images)
    padded = backbone.embed_images(images, padded=True)
    return PhotoFeatures(
        embeddings=np.concatenate([cropped.embeddings, padded.embeddings], axis=1),
        probabilities=cropped.probabilities,
    )


def imagenet_probabilities(embeddings: np.ndarray) -> np.ndarray:
    """Return ImageNet probabilities from cached embeddings with the network's last layer."""
    import torch

    network = backbone.load_network()
    with torch.inference_mode():
        crop_part = torch.from_numpy(
            np.ascontiguousarray(embeddings[:, : backbone.DIMENSIONS])
        )
        logits = network._fc(crop_part)
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
