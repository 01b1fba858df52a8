"""pocketsphinx 5.1.1 recognisers: its general language model, or a catalog grammar.

With its general English language model pocketsphinx misses most product words.
Restricted to a JSGF grammar of the catalog's names (with optional "show me",
"do you have" and similar openings) it can only output catalog phrases, which
makes it a light fallback when Whisper cannot load and a benchmark peer.

Words missing from the CMU dictionary that ships with pocketsphinx get a
pronunciation from dictionary words they split into ("retrospot" → "retro" +
"spot"); names with a word that cannot be spelled that way are left out of the
grammar, and their count is logged.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from engine.search.text import tokenize

log = logging.getLogger(__name__)

OPENINGS = (
    "show me", "do you have", "i'm looking for", "have you got", "find",
    "i need", "i want",
)  # fmt: skip
CLOSINGS = ("please",)
_DIGIT_WORDS = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five",
    "6": "six", "7": "seven", "8": "eight", "9": "nine", "10": "ten",
    "12": "twelve", "20": "twenty", "100": "hundred",
}  # fmt: skip


def _model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


@lru_cache(maxsize=1)
def cmu_dictionary() -> dict[str, str]:
    """Return word → ARPAbet phones from the dictionary that ships with pocketsphinx."""
    phones: dict[str, str] = {}
    path = _model_dir() / "cmudict-en-us.dict"
    with open(path, encoding="utf-8") as file:
        for line in file:
            word, _, pronunciation = line.strip().partition(" ")
            if "(" not in word:
                phones.setdefault(word, pronunciation.strip())
    return phones


def pronounce(word: str) -> str | None:
    """Return phones for `word`, splitting it into dictionary words if needed."""
    dictionary = cmu_dictionary()
    if word in dictionary:
        return dictionary[word]
    # Split into at most three dictionary words of 2+ letters, longest first.
    for cut in range(len(word) - 2, 1, -1):
        head, tail = word[:cut], word[cut:]
        if head in dictionary and len(tail) >= 2:
            rest = dictionary.get(tail) or (pronounce(tail) if len(tail) > 3 else None)
            if rest:
                return f"{dictionary[head]} {rest}"
    return None


def spoken_words(name: str) -> list[str]:
    """Return a catalog name as lower-case words, digits spelled out."""
    return [_DIGIT_WORDS.get(token, token) for token in tokenize(name)]


class GrammarBuilder:
    """Turns catalog names into a JSGF grammar and the words it needs."""

    def __init__(self) -> None:
        self.extra_words: dict[str, str] = {}

    def phrase(self, name: str) -> str | None:
        words = spoken_words(name)
        for word in words:
            if word in cmu_dictionary() or word in self.extra_words:
                continue
            phones = pronounce(word)
            if phones is None:
                return None
            self.extra_words[word] = phones
        return " ".join(words) or None

    def grammar(self, names: Iterable[str]) -> str:
        phrases = sorted({p for p in (self.phrase(name) for name in names) if p})
        if not phrases:
            raise ValueError("no catalog name can be spoken with the dictionary")
        openings = " | ".join(OPENINGS)
        closings = " | ".join(CLOSINGS)
        items = " | ".join(phrases)
        return (
            "#JSGF V1.0;\ngrammar catalog;\n"
            f"public <query> = [<opening>] <item> [<closing>];\n"
            f"<opening> = {openings};\n<closing> = {closings};\n<item> = {items};\n"
        )


class SphinxRecognizer:
    """One pocketsphinx decoder, with a catalog grammar or the general model."""

    def __init__(self, names: Iterable[str] | None = None) -> None:
        from pocketsphinx import Decoder

        self._lock = threading.Lock()
        self.decoder = Decoder(samprate=16000, loglevel="FATAL")
        self.skipped_names = 0
        if names is not None:
            names = list(names)
            builder = GrammarBuilder()
            grammar = builder.grammar(names)
            for word, phones in builder.extra_words.items():
                self.decoder.add_word(word, phones, update=True)
            self.decoder.add_jsgf_string("catalog", grammar)
            self.decoder.activate_search("catalog")
            self.skipped_names = sum(1 for name in names if builder.phrase(name) is None)
            if self.skipped_names:
                log.info(
                    "Left %d of %d names out of the speech grammar: a word has no "
                    "pronunciation",
                    self.skipped_names,
                    len(names),
                )

    def transcribe(self, audio: np.ndarray) -> str:
        """Decode 16 kHz mono float32 audio; return the words, or "" for nothing."""
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
        with self._lock:
            self.decoder.start_utt()
            self.decoder.process_raw(pcm, full_utt=True)
            self.decoder.end_utt()
            hypothesis = self.decoder.hyp()
        if hypothesis is None:
            return ""
        return re.sub(r"\(\d+\)", "", hypothesis.hypstr).strip()
