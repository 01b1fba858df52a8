"""Text normalisation for catalog search: tokens, number words, filler words."""

from __future__ import annotations

import html
import re
import unicodedata

import jellyfish

_TAG = re.compile(r"<[^>]+>")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Spoken numbers become digits, so "set of six" finds "SET OF 6" and the
# recogniser's "10" matches a typed "ten".
NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40",
    "fifty": "50", "hundred": "100",
}  # fmt: skip

# Phrases that ask for a product without naming it. They are removed from the
# start and the end of a query, longest first.
FILLER_PHRASES = sorted(
    (
        "do you have", "do you sell", "do you stock", "have you got", "have you any",
        "i am looking for", "i m looking for", "im looking for", "looking for",
        "i would like", "i d like", "id like", "i want", "i need", "we need",
        "show me", "can you show me", "could you show me", "can i see", "let me see",
        "find me", "find", "search for", "search", "where is", "where are",
        "is there", "are there", "any", "some", "got any", "please", "thanks",
        "thank you", "a", "an", "the", "of the", "for me", "in stock", "okay", "ok",
        "um", "uh", "erm", "hmm", "so", "well", "yes", "hi", "hello",
    ),
    key=lambda phrase: -len(phrase.split()),
)  # fmt: skip

# Words that carry no product meaning anywhere in a query.
STOP_WORDS = frozenset(
    "a an the of and or for with in on to please some any me my is are".split()
)


def clean_text(text: str) -> str:
    """Return `text` in lower case without HTML, accents or punctuation."""
    text = html.unescape(_TAG.sub(" ", text or ""))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.lower().replace("'", "")
    return " ".join(_NON_WORD.sub(" ", text).split())


def sound_key(token: str) -> str:
    """Return the metaphone key of a word; tokens with digits are kept as they are."""
    return jellyfish.metaphone(token) if token.isalpha() else token


def tokenize(text: str) -> list[str]:
    """Split cleaned text into tokens, with number words as digits."""
    return [NUMBER_WORDS.get(token, token) for token in clean_text(text).split()]


def strip_fillers(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Remove filler phrases at the start and end of a query.

    Returns:
        (core tokens, removed filler tokens). When only filler was said, the core
        is empty.
    """
    core = list(tokens)
    removed: list[str] = []
    changed = True
    while changed and core:
        changed = False
        for phrase in FILLER_PHRASES:
            words = phrase.split()
            if core[: len(words)] == words:
                removed.extend(words)
                core = core[len(words) :]
                changed = True
                break
            if len(core) > len(words) and core[-len(words) :] == words:
                removed.extend(words)
                core = core[: -len(words)]
                changed = True
                break
    return core, removed


def query_terms(text: str) -> tuple[list[str], list[str]]:
    """Return the product words of a query and the filler words removed from it."""
    core, removed = strip_fillers(tokenize(text))
    terms = [token for token in core if token not in STOP_WORDS]
    removed.extend(token for token in core if token in STOP_WORDS)
    return terms, removed
