"""Content-based model: products described by title, category and description.

Two ways to embed the text, chosen per shop by validation NDCG@10:
- "tfidf": TF-IDF of words and word pairs (scikit-learn), L2-normalised;
- "word2vec": Word2Vec (gensim) trained on the shop's own catalog text, a product
  being the mean of its word vectors.
A customer's profile is the weighted sum of the vectors of what they bought. This
model also serves products nobody has bought yet.
"""

from __future__ import annotations

import html
import re

import numpy as np

from engine.recommend.models.base import FitContext, Recommender, similar_from_vector

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
WORD2VEC_DIMENSIONS = 64
WORD2VEC_EPOCHS = 20


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
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(tokenize(text) for text in texts):
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)
    vectorizer = TfidfVectorizer(
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=1,
        max_features=200_000,
        dtype=np.float32,
    )
    return vectorizer.fit_transform(texts).tocsr()


def _word2vec_vectors(texts: list[str], seed: int) -> np.ndarray:
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
