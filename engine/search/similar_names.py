"""Catalog names nearest a piece of text by character n-grams of spelling and sound.

A garbled transcript rarely shares whole words with the name that was spoken, but it
often shares letter sequences ("do not jack it" and "juno jacket") or sounds ("an
early fit to see" and "aero daily fitness tee"). Each name is indexed twice as
TF-IDF vectors of character n-grams within words (scikit-learn's `char_wb`
analyzer): once as spelled, once as the metaphone key of each word. A query is
compared with every name by cosine similarity.

Fitting took 0.24–0.27 s of CPU time for the 4,129 names of the voice benchmark's
catalog, so the index is built on first use, or ahead of time by
`engine.search.service.prepare_search`.

NOTE: on a 50,000-product catalog the fit takes about 2.4 s. While it runs in the
background, switching to the Photos tab stalled the window's event loop 229-330 ms
(about 25 ms with the fit left out). No single call in the fit holds the interpreter
lock over 11 ms. The likely cause: the window thread gives the lock up at calls into
Qt, and while this pure-Python fit runs, each return waits up to the 5 ms switch
interval. With a
0.5 ms interval the stall was 106-119 ms. Fitting in a child process would remove it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from engine import heavy_imports
from engine.search.text import query_terms, sound_key, tokenize

Comparison = Literal["spelling", "sound"]

# n-gram lengths: letter pairs to 4-grams for spelling, single sounds to 3-grams
# for metaphone keys, which are shorter than the words they come from. No other
# lengths were tried.
SPELLING_NGRAMS = (2, 4)
SOUND_NGRAMS = (1, 3)


def spelled(text: str) -> str:
    """Return the words of `text` as the index compares them, number words as digits."""
    return " ".join(tokenize(text))


def sounded(text: str) -> str:
    """Return the metaphone key of every word of `text`, separated by spaces."""
    return " ".join(sound_key(token) for token in tokenize(text))


class SimilarNames:
    """Character n-gram TF-IDF indexes of a list of names."""

    def __init__(self, names: list[str]) -> None:
        heavy_imports.load("sklearn")
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.size = len(names)
        self._vectorizers = {}
        self._matrices = {}
        if not any(name.strip() for name in names):
            return
        for comparison, convert, ngrams in (
            ("spelling", spelled, SPELLING_NGRAMS),
            ("sound", sounded, SOUND_NGRAMS),
        ):
            vectorizer = TfidfVectorizer(
                analyzer="char_wb", ngram_range=ngrams, sublinear_tf=True
            )
            self._matrices[comparison] = vectorizer.fit_transform(
                [convert(name) for name in names]
            )
            self._vectorizers[comparison] = vectorizer

    def nearest(self, texts: list[str], n: int, by: Comparison) -> list[list[int]]:
        """Return, for each text, the indexes of the `n` names nearest it, best first.

        Filler words ("show me", "please") are left out of each text first. Names
        that share no n-gram with a text are not returned for it, so fewer than
        `n` may come back. All texts go through one sparse matrix product.
        """
        nearest: list[list[int]] = [[] for _ in texts]
        convert = spelled if by == "spelling" else sounded
        queries = {}
        for position, text in enumerate(texts):
            terms, _ = query_terms(text)
            if terms:
                queries[position] = convert(" ".join(terms))
        count = min(n, self.size)
        if not queries or count <= 0 or by not in self._matrices:
            return nearest

        vectors = self._vectorizers[by].transform(list(queries.values()))
        similarity = (self._matrices[by] @ vectors.T).toarray()
        for column, position in enumerate(queries):
            scores = similarity[:, column]
            best = np.argpartition(-scores, count - 1)[:count]
            best = best[np.argsort(-scores[best], kind="stable")]
            nearest[position] = [int(index) for index in best if scores[index] > 0]
        return nearest
