"""Reorder a spoken query's products by how well the recording fits each name.

Word search on one transcript fails when Whisper mishears a name it has never
seen ("show me do not jack it" for "show me juno jacket"). The beam's other
hypotheses and the rough first pass often hold the missing pieces, and names
close to any of them in spelling or sound are likely candidates. Each candidate
is then scored against the audio itself (`EncodedAudio.name_scores`), and the
candidates go first in the order of those scores, followed by the rest of the
word search's results.

The development half of the benchmark's spoken queries is the 60 even-numbered
ones. There, this step with a beam of 4 raised hit@1 from 0.783 to 0.950 and MRR
from 0.837 to 0.958 over the word search of the beam-5 transcript alone. The
figures of both halves are in docs/bench-voice.md.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Protocol, Sequence

from engine.search.ranking import CatalogRanker, SearchResult, SearchResults

log = logging.getLogger(__name__)

# Candidates taken from each source: the word search of the best transcript, and
# the nearest names by spelling and by sound to each hypothesis. Two per source
# ranked the development half best; three or five found no more targets and put
# fewer of them first.
CANDIDATES_PER_SOURCE = 2
# Bound on the names scored per query, so that a query with many distinct
# hypotheses keeps its latency. The 120 spoken queries gave up to 17 candidates.
# A bound of 12 ranked the development half as 24 did, and 8 lost a target there.
MAX_CANDIDATES = 12


class NameScorer(Protocol):
    """Anything that scores names against one recording, such as EncodedAudio."""

    def name_scores(self, names: Sequence[str]) -> list[float]: ...


def candidate_skus(
    ranker: CatalogRanker,
    results: SearchResults,
    hypotheses: Sequence[str],
    per_source: int = CANDIDATES_PER_SOURCE,
    limit: int = MAX_CANDIDATES,
) -> list[str]:
    """Collect the products worth scoring against the audio, most likely first.

    Args:
        ranker: the catalog's ranker.
        results: the word search of the best transcript.
        hypotheses: every distinct transcript heard, best first.
        per_source: products taken from each source.
        limit: maximum number of products returned.
    """
    texts = list(dict.fromkeys(hypotheses))
    by_spelling = ranker.nearest_names(texts, per_source, by="spelling")
    by_sound = ranker.nearest_names(texts, per_source, by="sound")
    skus = list(results.skus[:per_source])
    for spelled_like, sounding_like in zip(by_spelling, by_sound):
        skus += spelled_like + sounding_like
    return list(dict.fromkeys(skus))[:limit]


def rescore(
    ranker: CatalogRanker,
    scorer: NameScorer,
    results: SearchResults,
    hypotheses: Sequence[str],
    n: int,
) -> SearchResults:
    """Put the candidates that the recording fits best first.

    Args:
        ranker: the catalog's ranker.
        scorer: the query's encoded audio.
        results: the word search of the best transcript.
        hypotheses: every distinct transcript heard, best first.
        n: number of products to return.

    Returns:
        A new SearchResults with the candidates ordered by name score, then the
        other products of `results` in their order, `n` at most. A candidate's
        `score` becomes the geometric mean of its token probabilities (0–1).
    """
    candidates = candidate_skus(ranker, results, hypotheses)
    if not candidates:
        return results

    # Lower case, as the hotwords are. Scoring the UCI names in their capitals
    # ranked the development half worse (MRR 0.891 against 0.950).
    names = [ranker.entries[ranker.sku_index[sku]].title.lower() for sku in candidates]
    scores = dict(zip(candidates, scorer.name_scores(names)))
    found = {result.sku: result for result in results.results}
    ordered = sorted(candidates, key=lambda sku: -scores[sku])
    reordered = []
    for place, sku in enumerate(ordered, start=1):
        reason = _closeness(place, len(ordered))
        reordered.append(_rescored(ranker, found.get(sku), sku, scores[sku], reason))
    reordered += [result for result in results.results if result.sku not in scores]
    log.info(
        "Scored %d names against the recording; best %r at %.2f",
        len(candidates),
        reordered[0].title,
        scores[ordered[0]],
    )
    return SearchResults(
        query=results.query,
        terms=results.terms,
        removed_words=results.removed_words,
        results=reordered[:n],
        used_embeddings=results.used_embeddings,
        elapsed_s=results.elapsed_s,
    )


def _closeness(place: int, count: int) -> str:
    if place == 1:
        return f"the closest of {count} names compared with the recording"
    return f"number {place} of {count} names compared with the recording"


def _rescored(
    ranker: CatalogRanker,
    found: SearchResult | None,
    sku: str,
    score: float,
    closeness: str,
) -> SearchResult:
    probability = math.exp(score) if math.isfinite(score) else 0.0
    if found is None:
        near = "the name is spelled or sounds like what was heard"
        return ranker.result_for(sku, probability, [closeness, near])
    return dataclasses.replace(
        found, score=round(probability, 4), reasons=[closeness, *found.reasons]
    )
