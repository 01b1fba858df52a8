"""EASE: a closed-form linear item-item model (Steck, WWW 2019).

B = argmin ||X - XB||² + λ||B||² subject to diag(B) = 0 has the closed form
P = (XᵀX + λI)⁻¹, B = -P / diag(P) (column-wise), diag(B) = 0.
Only the EASE_MAX_ITEMS most-bought products take part, so the N × N solve stays
bounded on large catalogs; other products score by popularity alone.

X holds the interaction weights (1 + ln orders) or, with `weighting="binary"`, 1 per
bought product. With a half-life, each row of X used for the fit is multiplied by
0.5 ** (age of the last purchase / half-life), so recent co-purchases shape B more.
Scoring uses the histories as given.
"""

from __future__ import annotations

import ctypes

import numpy as np

from engine import heavy_imports
from engine.recommend.models.base import (
    EASE_MAX_ITEMS,
    FitContext,
    Recommender,
    collaborative_columns,
    similar_from_vector,
)

WEIGHTINGS = ("log", "binary")


def training_matrix(interactions, half_life_days: float, weighting: str):
    """Return the interaction matrix X that EASE fits on (see the module docstring)."""
    if weighting == "binary":
        matrix = interactions.matrix.copy()
        matrix.data[:] = 1.0
        if half_life_days and interactions.age_days is not None:
            matrix.data *= np.power(0.5, interactions.age_days / half_life_days)
        return matrix
    return interactions.decayed_matrix(half_life_days)


class Ease(Recommender):
    name = "ease"
    label = "EASE (linear item model)"

    def __init__(
        self,
        regularization: float = 500.0,
        max_items: int = EASE_MAX_ITEMS,
        half_life_days: float = 0.0,
        weighting: str = "log",
    ) -> None:
        if weighting not in WEIGHTINGS:
            raise ValueError(f"EASE weighting {weighting!r} is invalid; use one of {WEIGHTINGS}")
        self.regularization = float(regularization)
        self.max_items = int(max_items)
        self.half_life_days = float(half_life_days)
        self.weighting = weighting
        self.columns = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros((0, 0), dtype=np.float32)
        self.fallback = np.zeros(0, dtype=np.float32)

    def fit(self, context: FitContext, progress=None, cancel=None) -> None:
        interactions = context.interactions
        self.columns = collaborative_columns(interactions, self.max_items)
        matrix = training_matrix(interactions, self.half_life_days, self.weighting)
        matrix = matrix[:, self.columns]
        gram = _gram(matrix)
        gram[np.diag_indices_from(gram)] += self.regularization
        if cancel is not None:
            cancel.raise_if_cancelled("Training the recommendations")
        # The N × N array is updated in place: at 6,000 products each copy is 144 MB.
        # It stays in C order, which sparse × dense products take without a copy.
        weights = _spd_inverse(gram)
        del gram
        weights /= -np.diag(weights)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights = weights
        # Products outside the solved set rank after it, by popularity.
        popularity = interactions.popularity
        self.fallback = (1e-6 * popularity / max(float(popularity.max(initial=0)), 1.0)).astype(np.float32)

    def scores(self, history) -> np.ndarray:
        result = np.broadcast_to(self.fallback, (history.shape[0], len(self.fallback))).copy()
        if len(self.columns):
            result[:, self.columns] += np.asarray(history[:, self.columns] @ self.weights)
        return result

    def similar_items(self, item: int, n: int = 10) -> list[tuple[int, float]]:
        position = np.searchsorted(self.columns, item)
        if position >= len(self.columns) or self.columns[position] != item:
            return []
        values = np.zeros(len(self.fallback))
        values[self.columns] = self.weights[position]
        return similar_from_vector(values, item, n)

    def params(self) -> dict:
        return {
            "regularization": self.regularization,
            "max_items": self.max_items,
            "half_life_days": self.half_life_days,
            "weighting": self.weighting,
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"columns": self.columns, "weights": self.weights, "fallback": self.fallback}

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray]) -> "Ease":
        model = cls(
            params["regularization"],
            params["max_items"],
            params.get("half_life_days", 0.0),
            params.get("weighting", "log"),
        )
        model.columns = arrays["columns"]
        model.weights = arrays["weights"]
        model.fallback = arrays["fallback"]
        return model


def _gram(matrix, block: int = 512) -> np.ndarray:
    """Return XᵀX as a dense float32 array, computed a block of columns at a time.

    The product of all columns at once also held XᵀX as a sparse matrix. For 6,000
    products on the bench scale shop that made peak RSS 595 MB against 458 MB in
    blocks. Each entry sums the same products in the same order, so the result is
    the same.
    """
    columns = matrix.tocsc()
    transposed = columns.T.tocsr()
    size = columns.shape[1]
    gram = np.empty((size, size), dtype=np.float32)
    for start in range(0, size, block):
        end = min(start + block, size)
        gram[:, start:end] = (transposed @ columns[:, start:end]).toarray()
    return gram


def _spd_inverse(gram: np.ndarray) -> np.ndarray:
    """Invert a symmetric positive definite float32 matrix through its Cholesky
    factor, which took half the time of numpy.linalg.inv on 3,400 products.

    float32 is precise enough here because λ on the diagonal keeps the matrix well
    conditioned, and it halves the memory of large catalogs. The inverse is written
    over `gram`, which must be a C-ordered float32 array.
    """
    if gram.dtype != np.float32 or not gram.flags.c_contiguous:
        raise ValueError("the Gram matrix must be a C-ordered float32 array")
    # LAPACK reads the C-ordered array as its transpose, which is the same
    # symmetric matrix. Its lower triangle in column order is our upper triangle.
    for routine, step in (
        ("spotrf", "Cholesky factorisation"),
        ("spotri", "inverse from the Cholesky factor"),
    ):
        info = _call_lapack(routine, gram)
        if info != 0:
            raise np.linalg.LinAlgError(f"{step} failed (LAPACK info {info})")
    _mirror_upper(gram)
    return gram


def _call_lapack(routine: str, matrix: np.ndarray) -> int:
    """Run SciPy's LAPACK `routine` (uplo, n, a, lda, info) on `matrix` in place.

    scipy.linalg.lapack's wrappers hold the interpreter lock for the whole call,
    which froze the window for up to 1.5 s (load 4 on 2 cores) while the demo
    shop's recommendations trained. The same routine called through ctypes releases
    the lock. Returns LAPACK's info.
    """
    size = ctypes.c_int(matrix.shape[0])
    info = ctypes.c_int(0)
    _lapack_function(routine)(
        b"L",
        ctypes.byref(size),
        matrix.ctypes.data_as(ctypes.c_void_p),
        ctypes.byref(size),
        ctypes.byref(info),
    )
    return info.value


_LAPACK_SIGNATURE = ctypes.CFUNCTYPE(
    None,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_int),
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_int),
    ctypes.POINTER(ctypes.c_int),
)


def _lapack_function(routine: str):
    """Return the LAPACK routine that scipy.linalg.cython_lapack exports, for ctypes."""
    heavy_imports.load("scipy")
    from scipy.linalg import cython_lapack

    capsule = cython_lapack.__pyx_capi__[routine]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return _LAPACK_SIGNATURE(get_pointer(capsule, get_name(capsule)))


def _mirror_upper(matrix: np.ndarray, block: int = 512) -> None:
    """Copy the upper triangle of a square matrix onto its lower triangle, in place.

    LAPACK's spotri fills only the upper triangle. Copying a block of rows at a time
    needs no second N × N array.
    """
    size = matrix.shape[0]
    for start in range(0, size, block):
        end = min(start + block, size)
        matrix[start:end, :start] = matrix[:start, start:end].T
        diagonal = matrix[start:end, start:end]
        lower = np.tril_indices(end - start, -1)
        diagonal[lower] = diagonal.T[lower]
