"""Category head: a classifier over photo embeddings, saved as a plain .npz file.

The head can blend two classifiers on L2-normalised embeddings: multinomial
logistic regression and nearest class mean (cosine similarity to each class's
average embedding). With the whole-photo embeddings, logistic regression alone
(class-mean weight 0) validated best, from 5 photos per class to all of them.
Both only need NumPy to predict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import heavy_imports

# Softmax temperature for the class-mean scores: cosine similarities of these
# embeddings differ by a few hundredths between classes.
PROTOTYPE_SCALE = 30.0
# C and the class-mean weight were chosen on the training-side products of the
# Luma garment types only: 12 repeated splits of those products in half, 10
# photos per class sampled from one half, top-1 on the other. C = 100 without
# class means scored 0.715, C = 10 with 30% class means 0.691, C = 30 and 300
# 0.712 and 0.714. C = 100 without class means was also ahead with 5, 20 and
# all photos per class.
PROTOTYPE_WEIGHT = 0.0
REGULARISATION_C = 100.0


def normalise(features: np.ndarray) -> np.ndarray:
    """Return rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.maximum(norms, 1e-12)


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


@dataclass
class CategoryHead:
    """A trained head: class names and the weights of both classifiers."""

    classes: list[str]
    coefficients: np.ndarray  # (classes, dimensions)
    intercepts: np.ndarray  # (classes,)
    prototypes: np.ndarray  # (classes, dimensions), unit length
    prototype_weight: float = PROTOTYPE_WEIGHT

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Return (n, classes) probabilities for (n, dimensions) raw embeddings."""
        unit = normalise(np.asarray(features, dtype=np.float64))
        regression = softmax(unit @ self.coefficients.T + self.intercepts)
        nearest_mean = softmax(PROTOTYPE_SCALE * unit @ self.prototypes.T)
        weight = self.prototype_weight
        return (1.0 - weight) * regression + weight * nearest_mean

    def predict(self, features: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.predict_proba(features).argmax(axis=1)]

    def save(self, path: Path) -> None:
        """Write the head to `path` as .npz without pickled objects."""
        with open(path, "wb") as file:
            np.savez(
                file,
                classes=np.array(self.classes, dtype=np.str_),
                coefficients=self.coefficients,
                intercepts=self.intercepts,
                prototypes=self.prototypes,
                prototype_weight=np.array(self.prototype_weight),
            )

    @classmethod
    def load(cls, path: Path) -> CategoryHead:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                classes=[str(name) for name in data["classes"]],
                coefficients=data["coefficients"],
                intercepts=data["intercepts"],
                prototypes=data["prototypes"],
                prototype_weight=float(data["prototype_weight"]),
            )


def fit_head(
    features: np.ndarray,
    labels: list[str],
    prototype_weight: float = PROTOTYPE_WEIGHT,
    regularisation_c: float = REGULARISATION_C,
) -> CategoryHead:
    """Train a head on (n, dimensions) embeddings and their n class labels.

    Raises:
        ValueError: fewer than two classes.
    """
    heavy_imports.load("sklearn")
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("a category head needs photos of at least two categories")
    unit = normalise(np.asarray(features, dtype=np.float64))
    targets = np.array([classes.index(label) for label in labels])

    # Balanced weights: a class with 10 photos counts as much as one with 100.
    regression = LogisticRegression(
        C=regularisation_c, max_iter=2000, class_weight="balanced"
    )
    regression.fit(unit, targets)
    prototypes = normalise(
        np.stack([unit[targets == i].mean(axis=0) for i in range(len(classes))])
    )
    return CategoryHead(
        classes=classes,
        coefficients=regression.coef_.astype(np.float64),
        intercepts=regression.intercept_.astype(np.float64),
        prototypes=prototypes,
        prototype_weight=prototype_weight,
    )
