"""Content-based model: products described by title, category and description.

Two ways to embed the text, chosen per shop by validation NDCG@10:
- "tfidf": TF-IDF of words and word pairs, L2-normalised;
- "word2vec": Word2Vec (gensim) trained on the shop's own catalog text, a product
  being the mean of its word vectors.
A customer's profile is the weighted sum of the vectors of what they bought. This
model also serves products nobody has bought yet.
"""

from __future__ import annotations

import html
import re

import numpy as np

from engine import heavy_imports
from engine.recommend.models.base import FitContext, Recommender, similar_from_vector

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
WORD2VEC_DIMENSIONS = 64
# With 20 epochs Word2Vec took 13.6 s of the demo shop's training (load average 8)
# and scored validation NDCG@10 0.033 against 0.075 for TF-IDF, so 10 epochs.
WORD2VEC_EPOCHS = 10


def product_text(title: str | None, category: str | None, description: str | None) -> str:
    """Join a product's title (twice, as it names the product), category and
    description, with HTML tags and entities removed."""
    parts = [title or "", title or "", (category or "").replace("/", " "), description or ""]
    text = html.unescape(_TAG.sub(" ", " ".join(parts)))
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


class Content(Recommender):
    name = "content"
    label = "Content (product text)"

    def __init__(self, method: str = "tfidf", seed: int = 0) -> None:
        if method not in ("tfidf", "word2vec"):
            raise ValueError(f"unknown content method {method!r}")
        self.method = method
        self.seed = seed
        self.vectors = None  # csr (tfidf) or dense float32 (word2vec), items × d

    @property
    def label_detail(self) -> str:
        return "TF-IDF" if self.method == "tfidf" else "Word2Vec"

    def fit(self, context: FitContext, progress=None, cancel=None) -> None:
        texts = context.texts
        if self.method == "tfidf":
            self.vectors = _tfidf_vectors(texts)
        else:
            self.vectors = _word2vec_vectors(texts, self.seed)

    def scores(self, history) -> np.ndarray:
        profile = history @ self.vectors
        result = profile @ self.vectors.T
        if hasattr(result, "toarray"):
            result = result.toarray()
        return np.asarray(result, dtype=np.float32)

    def item_similarities(self, item: int) -> np.ndarray:
        values = self.vectors[item] @ self.vectors.T
        if hasattr(values, "toarray"):
            values = values.toarray()
        return np.asarray(values).ravel()

    def similar_items(self, item: int, n: int = 10) -> list[tuple[int, float]]:
        return similar_from_vector(self.item_similarities(item), item, n)

    def params(self) -> dict:
        return {"method": self.method, "seed": self.seed}

    def to_arrays(self) -> dict[str, np.ndarray]:
        if self.method == "tfidf":
            vectors = self.vectors.tocsr()
            return {
                "data": vectors.data.astype(np.float32),
                "indices": vectors.indices,
                "indptr": vectors.indptr,
                "shape": np.array(vectors.shape, dtype=np.int64),
            }
        return {"vectors": self.vectors}

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray]) -> "Content":
        from scipy import sparse

        model = cls(params["method"], params.get("seed", 0))
        if model.method == "tfidf":
            model.vectors = sparse.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]),
                shape=tuple(arrays["shape"]),
            )
        else:
            model.vectors = arrays["vectors"]
        return model


def _tfidf_vectors(texts: list[str]):
    """Return L2-normalised TF-IDF vectors of words and word pairs (csr, float32).

    Same weighting as scikit-learn's TfidfVectorizer(sublinear_tf=True), written
    with scipy because importing scikit-learn cost about 5 s of CPU time per run:
    tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1.
    """
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    rows, columns, counts = [], [], []
    for row, text in enumerate(texts):
        words = tokenize(text)
        terms = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        frequency: dict[int, int] = {}
        for term in terms:
            column = vocabulary.setdefault(term, len(vocabulary))
            frequency[column] = frequency.get(column, 0) + 1
        rows.extend([row] * len(frequency))
        columns.extend(frequency)
        counts.extend(frequency.values())
    if not vocabulary:
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)

    matrix = sparse.csr_matrix(
        (1.0 + np.log(np.array(counts, dtype=np.float64)), (rows, columns)),
        shape=(len(texts), len(vocabulary)),
    )
    document_frequency = np.bincount(columns, minlength=len(vocabulary))
    idf = np.log((1.0 + len(texts)) / (1.0 + document_frequency)) + 1.0
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sparse.diags(1.0 / norms) @ matrix).astype(np.float32).tocsr()


def _word2vec_vectors(texts: list[str], seed: int) -> np.ndarray:
    heavy_imports.load("gensim")
    from gensim.models import Word2Vec

    sentences = [tokenize(text) for text in texts]
    vectors = np.zeros((len(texts), WORD2VEC_DIMENSIONS), dtype=np.float32)
    if not any(sentences):
        return vectors
    model = Word2Vec(
        sentences=[words for words in sentences if words],
        vector_size=WORD2VEC_DIMENSIONS,
        window=5,
        min_count=1,
        sg=1,
        epochs=WORD2VEC_EPOCHS,
        workers=2,
        seed=seed,
    )
    for row, words in enumerate(sentences):
        if words:
            vectors[row] = model.wv[words].mean(axis=0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
