"""In-memory ranking of catalog products for one query.

A query is matched word by word against the catalog's words: exactly, by stem
("mugs" → "mug"), by spelling distance ("glamourous" → "glamorous"), by sound
(metaphone: "colombian" → "columbian") and across word boundaries ("retro spot" →
"retrospot", "polkadot" → "polka dot"). Those word matches give each product a
coverage score weighted by inverse document frequency. It is combined with the
sound of the whole name, SQLite FTS5 BM25 over titles, descriptions, categories
and tags, and, once the sentence model is loaded, embedding similarity.
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from engine import heavy_imports
from engine.search.index import CatalogEntry, fts_search
from engine.search.similar_names import Comparison, SimilarNames
from engine.search.text import STOP_WORDS, query_terms, sound_key, tokenize

# Similarity credited to each kind of word match (1.0 is the same word).
STEM_MATCH = 0.95
JOINED_MATCH = 0.95
SOUND_MATCH = 0.85
# A word closer than this in spelling (rapidfuzz ratio, 0–100) counts as a match.
SPELLING_CUTOFF = 75
# Category and tag words count less than title words.
FIELD_WEIGHTS = {"title": 1.0, "category": 0.6, "tags": 0.6}

# Weights of the combined score, chosen on a development half of the spoken
# queries and on hand-written typed queries, see docs/bench-voice.md.
WEIGHTS_WITH_EMBEDDINGS = {"words": 0.50, "sound": 0.15, "bm25": 0.15, "meaning": 0.20}
WEIGHTS_WITHOUT_EMBEDDINGS = {"words": 0.60, "sound": 0.20, "bm25": 0.20, "meaning": 0.0}


@dataclass
class SearchResult:
    """One ranked product and why it matched."""

    sku: str
    title: str
    category: str
    price: float | None
    currency: str | None
    score: float
    reasons: list[str]
    photo: str | None = None


@dataclass
class SearchResults:
    """Ranked products for one query."""

    query: str
    terms: list[str]
    removed_words: list[str]
    results: list[SearchResult] = field(default_factory=list)
    used_embeddings: bool = False
    elapsed_s: float = 0.0

    @property
    def skus(self) -> list[str]:
        return [result.sku for result in self.results]


def stem(token: str) -> str:
    """Strip a plural ending: "mugs" → "mug", "boxes" → "box"."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("xes", "ches", "shes", "sses")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@dataclass
class _WordMatch:
    token: str
    similarity: float
    how: str  # "word", "stem", "spelling", "sound" or "joined"


class CatalogRanker:
    """Ranks one catalog's products for typed or spoken queries."""

    def __init__(self, entries: list[CatalogEntry], signature: str) -> None:
        self.entries = entries
        self.signature = signature
        self.sku_index = {entry.sku: i for i, entry in enumerate(entries)}
        self.embeddings: np.ndarray | None = None
        self._similar_names: SimilarNames | None = None
        self._index_words()
        self._index_sounds()

    def _index_words(self) -> None:
        # postings[token] -> {product index: field weight}; adjacent title words
        # are also indexed joined, so "polka dot" is found by "polkadot".
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.title_words: list[set[str]] = []
        for index, entry in enumerate(self.entries):
            title = [t for t in tokenize(entry.title) if t not in STOP_WORDS]
            self.title_words.append(set(title))
            fields = {
                "title": title + [a + b for a, b in zip(title, title[1:])],
                "category": tokenize(entry.category.replace("/", " ")),
                "tags": tokenize(entry.tags),
            }
            for name, tokens in fields.items():
                for token in tokens:
                    weight = FIELD_WEIGHTS[name]
                    if self.postings[token].get(index, 0.0) < weight:
                        self.postings[token][index] = weight
        count = max(len(self.entries), 1)
        self.idf = {
            token: math.log(1.0 + count / len(docs)) for token, docs in self.postings.items()
        }
        self.vocabulary = list(self.postings)
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        self.by_sound: dict[str, list[str]] = defaultdict(list)
        for token in self.vocabulary:
            self.by_stem[stem(token)].append(token)
            if len(token) >= 3:
                self.by_sound[sound_key(token)].append(token)

    def _index_sounds(self) -> None:
        self.title_sounds = [
            "".join(sound_key(token) for token in tokenize(entry.title))
            for entry in self.entries
        ]

    # -- whole-name similarity ------------------------------------------------

    def similar_names(self) -> SimilarNames:
        """Return the character n-gram index of the names, built on first use."""
        if self._similar_names is None:
            with heavy_imports.paused_collection():
                self._similar_names = SimilarNames(
                    [entry.title for entry in self.entries]
                )
        return self._similar_names

    def nearest_names(
        self, texts: list[str], n: int, by: Comparison
    ) -> list[list[str]]:
        """Return, for each text, the SKUs of the `n` products with the nearest names.

        Args:
            texts: transcripts or typed texts; filler words are ignored.
            n: maximum number of SKUs per text.
            by: "spelling" compares letters, "sound" compares metaphone keys.
        """
        found = self.similar_names().nearest(texts, n, by)
        return [[self.entries[index].sku for index in indexes] for indexes in found]

    def result_for(self, sku: str, score: float, reasons: list[str]) -> SearchResult:
        """Return a result for one product, with its score and the reasons given."""
        entry = self.entries[self.sku_index[sku]]
        return SearchResult(
            sku=entry.sku,
            title=entry.title,
            category=entry.category,
            price=entry.price,
            currency=entry.currency,
            score=round(score, 4),
            reasons=reasons,
        )

    # -- word matching -------------------------------------------------------

    def word_matches(self, term: str) -> list[_WordMatch]:
        """Return catalog words that `term` may stand for, best first."""
        found: dict[str, _WordMatch] = {}

        def offer(token: str, similarity: float, how: str) -> None:
            if token not in found or found[token].similarity < similarity:
                found[token] = _WordMatch(token, similarity, how)

        if term in self.postings:
            offer(term, 1.0, "word")
        for token in self.by_stem.get(stem(term), ()):
            offer(token, STEM_MATCH, "stem")
        if len(term) >= 4 and not term.isdigit():
            for token, score, _ in process.extract(
                term,
                self.vocabulary,
                scorer=fuzz.ratio,
                score_cutoff=SPELLING_CUTOFF,
                limit=6,
            ):
                offer(token, 0.9 * score / 100.0, "spelling")
        if len(term) >= 3 and term.isalpha():
            for token in self.by_sound.get(sound_key(term), ()):
                offer(token, SOUND_MATCH, "sound")
        return sorted(found.values(), key=lambda match: -match.similarity)

    def group_terms(self, terms: list[str]) -> list[str]:
        """Join neighbouring terms that the catalog writes as one word."""
        grouped: list[str] = []
        i = 0
        while i < len(terms):
            if i + 1 < len(terms):
                joined = terms[i] + terms[i + 1]
                separate = terms[i] in self.postings and terms[i + 1] in self.postings
                if joined in self.postings and not separate:
                    grouped.append(joined)
                    i += 2
                    continue
            grouped.append(terms[i])
            i += 1
        return grouped

    def _add_joined_matches(
        self, terms: list[str], matches: dict[str, list[_WordMatch]]
    ) -> None:
        # "retro spot" may be the catalog's "retrospot" even when "retro" and
        # "spot" are catalog words too, so each half also matches the joined word.
        for first, second in zip(terms, terms[1:]):
            joined = first + second
            if joined not in self.postings or first == second:
                continue
            for term in (first, second):
                matches[term].append(_WordMatch(joined, JOINED_MATCH, "joined"))
                matches[term].sort(key=lambda match: -match.similarity)

    # -- scoring -------------------------------------------------------------

    def rank(
        self,
        query: str,
        n: int = 20,
        conn: sqlite3.Connection | None = None,
        query_vector: np.ndarray | None = None,
    ) -> SearchResults:
        """Rank products for `query`; return the best `n` with reasons.

        Args:
            query: typed text or a transcript.
            n: number of results.
            conn: a connection to the shop, for BM25 over the FTS5 index; without
                it the BM25 share is left out.
            query_vector: the query's unit-length sentence embedding, used only
                when product embeddings are loaded.
        """
        terms, removed = query_terms(query)
        results = SearchResults(query=query, terms=terms, removed_words=removed)
        if not terms or not self.entries:
            return results

        grouped = self.group_terms(terms)
        matches = {term: self.word_matches(term) for term in grouped}
        self._add_joined_matches(grouped, matches)
        words, evidence = self._word_scores(grouped, matches)
        sound = self._sound_scores(grouped)
        bm25 = self._bm25_scores(conn, grouped, matches)
        use_meaning = self.embeddings is not None and query_vector is not None
        meaning = self._meaning_scores(query_vector) if use_meaning else None
        weights = WEIGHTS_WITH_EMBEDDINGS if use_meaning else WEIGHTS_WITHOUT_EMBEDDINGS

        total = weights["words"] * words + weights["sound"] * sound
        total += weights["bm25"] * bm25
        if meaning is not None:
            total += weights["meaning"] * meaning
        best = np.argsort(-total, kind="stable")[:n]
        results.used_embeddings = use_meaning
        for index in best:
            if total[index] <= 0.05:
                break
            results.results.append(
                self._result(
                    int(index),
                    float(total[index]),
                    evidence.get(int(index), []),
                    sound[index],
                    bm25[index],
                    None if meaning is None else meaning[index],
                )
            )
        return results

    def _word_scores(
        self, terms: list[str], matches: dict[str, list[_WordMatch]]
    ) -> tuple[np.ndarray, dict[int, list[tuple[str, _WordMatch, float]]]]:
        count = len(self.entries)
        covered = np.zeros(count)
        matched_title_words = np.zeros(count)
        evidence: dict[int, list[tuple[str, _WordMatch, float]]] = defaultdict(list)
        weights = []
        for term in terms:
            term_matches = matches[term]
            if term_matches:
                weight = max(self.idf[m.token] for m in term_matches[:1])
            else:
                weight = float(np.mean(list(self.idf.values())))
            weights.append(weight)
            best = np.zeros(count)
            best_match: dict[int, tuple[_WordMatch, float]] = {}
            for match in term_matches:
                for index, field_weight in self.postings[match.token].items():
                    score = match.similarity * field_weight
                    if score > best[index]:
                        best[index] = score
                        best_match[index] = (match, field_weight)
            covered += weight * best
            for index, (match, field_weight) in best_match.items():
                evidence[index].append((term, match, field_weight))
                if field_weight == 1.0:
                    matched_title_words[index] += 1
        coverage = covered / max(sum(weights), 1e-9)
        title_lengths = np.array([max(len(words), 1) for words in self.title_words])
        precision = np.minimum(matched_title_words / title_lengths, 1.0)
        return 0.85 * coverage + 0.15 * precision * (coverage > 0), evidence

    def _sound_scores(self, terms: list[str]) -> np.ndarray:
        # Sound of the whole phrase without word breaks, so "anti class very"
        # still resembles "antique raspberry".
        spoken = "".join(sound_key(term) for term in terms)
        if len(spoken) < 3:
            return np.zeros(len(self.entries))
        whole = process.cdist([spoken], self.title_sounds, scorer=fuzz.ratio)[0]
        part = process.cdist([spoken], self.title_sounds, scorer=fuzz.partial_ratio)[0]
        score = np.maximum(whole, 0.9 * part) / 100.0
        # Below 0.6 two names share little more than chance letters.
        return np.clip((score - 0.6) / 0.4, 0.0, 1.0)

    def _bm25_scores(
        self,
        conn: sqlite3.Connection | None,
        terms: list[str],
        matches: dict[str, list[_WordMatch]],
    ) -> np.ndarray:
        scores = np.zeros(len(self.entries))
        if conn is None:
            return scores
        words = set(terms)
        for term in terms:
            words.update(m.token for m in matches[term][:3] if m.similarity >= 0.8)
        found = fts_search(conn, sorted(words))
        if not found:
            return scores
        top = max(found.values())
        for sku, value in found.items():
            index = self.sku_index.get(sku)
            if index is not None and top > 0:
                scores[index] = value / top
        return scores

    def _meaning_scores(self, query_vector: np.ndarray) -> np.ndarray:
        cosine = self.embeddings @ query_vector.astype(np.float32)
        # MiniLM cosines of unrelated short names sit around 0.1–0.3.
        return np.clip((cosine - 0.3) / 0.5, 0.0, 1.0)

    def _result(
        self,
        index: int,
        score: float,
        evidence: list[tuple[str, _WordMatch, float]],
        sound: float,
        bm25: float,
        meaning: float | None,
    ) -> SearchResult:
        reasons = _reasons(evidence, sound, bm25, meaning)
        return self.result_for(self.entries[index].sku, score, reasons)


def _reasons(
    evidence: list[tuple[str, _WordMatch, float]],
    sound: float,
    bm25: float,
    meaning: float | None,
) -> list[str]:
    reasons = []
    exact = [m.token for _, m, w in evidence if m.how in ("word", "stem") and w == 1.0]
    if exact:
        reasons.append("name has " + ", ".join(f"'{t}'" for t in exact))
    for term, match, field_weight in evidence:
        where = "name" if field_weight == 1.0 else "category or tags"
        if match.how in ("word", "stem") and field_weight != 1.0:
            reasons.append(f"{where} has '{match.token}'")
        elif match.how == "spelling":
            reasons.append(f"'{term}' is spelled like '{match.token}' in the {where}")
        elif match.how == "joined":
            reasons.append(f"'{term}' is part of '{match.token}' in the {where}")
        elif match.how == "sound":
            reasons.append(f"'{term}' sounds like '{match.token}' in the {where}")
    if sound >= 0.5 and not exact:
        reasons.append(f"the whole name sounds alike ({sound:.0%})")
    if bm25 >= 0.5 and not evidence:
        reasons.append("the description mentions the words")
    if meaning is not None and meaning >= 0.4:
        reasons.append(f"similar meaning ({meaning:.0%})")
    return reasons or ["weak match"]
