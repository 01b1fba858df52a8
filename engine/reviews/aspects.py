"""Aspects: the things customers talk about (fit, fabric, handle, delivery, price).

Candidate terms are mined from the shop's own reviews. A word counts as a noun-like
term when it often follows a determiner or possessive ("the fabric", "my order");
sentiment words, stop words and HTML leftovers are left out. Terms are merged into
topics: plural and singular forms always, and terms whose MiniLM embeddings are close
(cosine ≥ MERGE_SIMILARITY) when embeddings are available. A topic needs
MIN_MENTIONS reviews mentioning it. The owner can add topics by hand.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from engine.reviews.cleaning import words

MIN_MENTIONS = 5
MERGE_SIMILARITY = 0.72
MAX_TOPICS = 30
# Share of a word's occurrences that must follow a determiner for it to be noun-like.
MIN_DETERMINER_SHARE = 0.25

_DETERMINERS = {
    "the", "a", "an", "this", "that", "these", "those", "my", "your", "his", "her",
    "its", "our", "their", "no", "some", "any", "every", "each", "another",
}
# Words after these are usually adjectives ("too big", "is soft"), not aspects.
_ADJECTIVE_CUES = {
    "very", "too", "so", "really", "pretty", "quite", "is", "was", "are", "were",
    "more", "less", "most", "bit", "extremely", "super", "little", "not",
}
# Share of a word's occurrences after an adjective cue above which it is dropped.
MAX_ADJECTIVE_SHARE = 0.12
_STOP_WORDS = {
    "little", "big", "stuff", "pair", "lot", "couple", "whole", "while", "way",
    "i", "me", "you", "he", "she", "it", "we", "they", "them", "one", "ones", "thing",
    "things", "time", "times", "way", "lot", "bit", "day", "days", "year", "years",
    "week", "weeks", "something", "anything", "nothing", "everything", "end", "rest",
    "kind", "sort", "other", "others", "same", "first", "second", "last", "next",
    "only", "most", "more", "less", "few", "much", "many", "all", "both", "half",
    "part", "side", "top", "bottom", "front", "back", "reason", "point", "fact",
    "person", "people", "husband", "wife", "son", "daughter", "friend", "friends",
    "mom", "kids", "review", "reviews", "reviewer", "problem", "problems", "issue",
    "issues", "star", "stars", "store", "product", "item", "items", "purchase",
    "and", "or", "but", "of", "to", "in", "on", "for", "with", "at", "by", "from",
    "is", "was", "are", "were", "be", "been", "have", "has", "had", "do", "does",
    "did", "not", "so", "very", "too", "just", "also", "really", "get", "got",
    "would", "could", "should", "will", "can", "if", "as", "when", "than", "then",
    "there", "here", "what", "which", "who", "how", "up", "out", "off", "over",
    # HTML leftovers that must never become aspects.
    "br", "amp", "div", "class", "span", "nbsp", "quot", "lt", "gt", "p", "b",
}


@dataclass
class Topic:
    """An aspect: a display name and the terms that mention it."""

    name: str
    terms: list[str]
    origin: str = "model"
    mentions: int = 0


@dataclass
class TermStatistics:
    counts: Counter = field(default_factory=Counter)
    after_determiner: Counter = field(default_factory=Counter)
    after_adjective_cue: Counter = field(default_factory=Counter)
    documents: Counter = field(default_factory=Counter)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def count_terms(texts: Iterable[str]) -> TermStatistics:
    """Count words, how often each follows a determiner, and in how many texts."""
    statistics = TermStatistics()
    for text in texts:
        tokens = words(text)
        seen = set()
        for position, token in enumerate(tokens):
            statistics.counts[token] += 1
            if position and tokens[position - 1] in _DETERMINERS:
                statistics.after_determiner[token] += 1
            if position and tokens[position - 1] in _ADJECTIVE_CUES:
                statistics.after_adjective_cue[token] += 1
            seen.add(token)
        statistics.documents.update(seen)
    return statistics


def candidate_terms(texts: Sequence[str], min_mentions: int = MIN_MENTIONS) -> list[tuple[str, int]]:
    """Return noun-like (term, review count) pairs, most mentioned first."""
    from engine.reviews import lexicon

    statistics = count_terms(texts)
    sentiment_words = set(lexicon.SHOP_WORDS)
    analyzer_lexicon = lexicon._get_analyzer().lexicon
    candidates = []
    for term, documents in statistics.documents.items():
        if documents < min_mentions or len(term) < 3 or term in _STOP_WORDS:
            continue
        if term in sentiment_words or term in analyzer_lexicon or "'" in term:
            continue
        share = statistics.after_determiner[term] / statistics.counts[term]
        adjective_share = statistics.after_adjective_cue[term] / statistics.counts[term]
        if share >= MIN_DETERMINER_SHARE and adjective_share <= MAX_ADJECTIVE_SHARE:
            candidates.append((term, documents))
    candidates.sort(key=lambda item: (-item[1], item[0]))
    return candidates


def merge_terms(
    candidates: Sequence[tuple[str, int]],
    embed=None,
    similarity: float = MERGE_SIMILARITY,
    max_topics: int = MAX_TOPICS,
) -> list[Topic]:
    """Merge candidate terms into topics, most mentioned first.

    Args:
        candidates: (term, review count) pairs, most mentioned first.
        embed: optional function from a list of terms to unit vectors, shape
            (n, d); without it only singular and plural forms are merged.
    """
    by_stem: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for term, count in candidates:
        by_stem[_singular(term)].append((term, count))
    groups = sorted(by_stem.values(), key=lambda group: -sum(count for _, count in group))
    heads = [max(group, key=lambda item: item[1])[0] for group in groups]

    assigned = list(range(len(groups)))
    if embed is not None and len(heads) > 1:
        vectors = np.asarray(embed(heads), dtype=np.float32)
        similarities = vectors @ vectors.T
        for index in range(len(groups)):
            for earlier in range(index):
                if assigned[earlier] == earlier and similarities[index, earlier] >= similarity:
                    assigned[index] = earlier
                    break

    topics: dict[int, Topic] = {}
    for index, group in enumerate(groups):
        owner = assigned[index]
        topic = topics.setdefault(owner, Topic(name=heads[owner], terms=[]))
        for term, count in group:
            topic.terms.append(term)
            topic.mentions += count
    ordered = sorted(topics.values(), key=lambda topic: -topic.mentions)
    return ordered[:max_topics]


def mine_topics(texts: Sequence[str], embed=None, min_mentions: int = MIN_MENTIONS) -> list[Topic]:
    """Mine aspect topics from review texts; see the module docstring."""
    return merge_terms(candidate_terms(texts, min_mentions), embed=embed)


def _term_pattern(terms: Sequence[str]) -> re.Pattern:
    alternatives = sorted({re.escape(term) for term in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


class TopicMatcher:
    """Find which topics a sentence mentions, and where (for highlighting)."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = [topic for topic in topics if topic.terms]
        self._patterns = [_term_pattern(topic.terms) for topic in self.topics]

    def topics_in(self, sentence: str) -> list[str]:
        return [topic.name for topic, pattern in zip(self.topics, self._patterns) if pattern.search(sentence)]

    def spans(self, sentence: str, topic_name: str) -> list[tuple[int, int]]:
        """Return (start, end) character spans of the topic's terms in `sentence`."""
        for topic, pattern in zip(self.topics, self._patterns):
            if topic.name == topic_name:
                return [match.span() for match in pattern.finditer(sentence)]
        return []
