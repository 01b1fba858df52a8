"""Clean review text before scoring: HTML, entities, blank and number-only text, language.

Storefront exports carry HTML (`<p>`, `<br/>`) and entities (`&amp;`, `&lt;3`). Tags
become sentence breaks and entities are unescaped, so `&lt;3` reads as `<3`. Emoji
stay in the text because they carry sentiment. A review whose text is empty or only
a number ("5", "0") has "no text" and counts by its stars only.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass

# Block-level tags end a sentence; inline tags (<b>, <span>) just disappear.
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NUMBER_ONLY = re.compile(r"^[\s\d.,/%+\-*#]*$")
# Placeholders that spreadsheets and review forms put in an empty text field.
_PLACEHOLDERS = {"n/a", "na", "n.a.", "none", "null", "nan", "-", "--", "no comment"}
# Sentence ends: . ! ? … followed by space, or a line break. Abbreviations such as
# "e.g." are rare in reviews and at worst split one sentence into two.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)

# Texts shorter than this many letters are too short for language detection, so
# they are taken to be in the shop's language.
MIN_LETTERS_FOR_LANGUAGE = 25
SHORT_TEXT_LETTERS = 80
# Languages the sentiment models were trained on.
COVERED_LANGUAGES = ("en",)
# Reviews longer than this many words are scored in chunks of whole sentences.
CHUNK_WORDS = 120


@dataclass(frozen=True)
class CleanReview:
    """A review's text ready for scoring."""

    text: str
    sentences: tuple[str, ...]
    has_text: bool
    language: str

    @property
    def is_covered(self) -> bool:
        """True when the models cover the review's language (or it has no text)."""
        return not self.has_text or self.language in COVERED_LANGUAGES


def strip_html(text: str) -> str:
    """Remove HTML tags and unescape entities; block tags become line breaks."""
    text = _BLOCK_TAG.sub("\n", text)
    text = _ANY_TAG.sub(" ", text)
    text = html.unescape(text)
    # Unescaping can reveal tags written as entities (&lt;b&gt;) but also hearts
    # (&lt;3), so only real tag shapes are removed a second time.
    text = _ANY_TAG.sub(" ", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def is_no_text(text: str | None) -> bool:
    """True for a missing, blank, number-only or placeholder text ("", "5", "N/A")."""
    if text is None:
        return True
    text = str(text)
    return bool(_NUMBER_ONLY.match(text)) or text.strip().casefold() in _PLACEHOLDERS


def split_sentences(text: str) -> list[str]:
    """Split cleaned text into sentences; a sentence keeps its final punctuation."""
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if part]


def words(text: str) -> list[str]:
    """Return the lower-case words of `text` (letters and apostrophes only)."""
    return [word.casefold() for word in _WORD.findall(text)]


def chunk_sentences(sentences: list[str] | tuple[str, ...], max_words: int = CHUNK_WORDS) -> list[str]:
    """Group whole sentences into chunks of at most `max_words` words.

    A single sentence longer than `max_words` becomes its own chunk, so nothing is
    cut off.
    """
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in sentences:
        size = len(sentence.split())
        if current and count + size > max_words:
            chunks.append(" ".join(current))
            current, count = [], 0
        current.append(sentence)
        count += size
    if current:
        chunks.append(" ".join(current))
    return chunks


_ENGLISH_FUNCTION_WORDS = {
    "the", "a", "an", "and", "but", "or", "is", "was", "are", "were", "it", "its",
    "i", "me", "my", "you", "this", "that", "with", "for", "of", "to", "in", "on",
    "like", "very", "so", "not", "too", "just", "be", "have", "has", "had", "they",
    "them", "at", "as", "would", "will", "good", "great", "love", "nice",
}
_detector_lock = threading.Lock()
_detector_ready = False


def detect_language(text: str, default: str = "en") -> str:
    """Return the ISO 639-1 code of `text`, or `default` when it is too short to tell.

    langdetect is random by design; a fixed seed makes the result repeatable.
    """
    letters = sum(1 for character in text if character.isalpha())
    if letters < MIN_LETTERS_FOR_LANGUAGE:
        return default
    tokens = words(text)
    if default == "en" and tokens:
        # langdetect calls short English text Albanian or Dutch with 99.9%
        # confidence; a text this full of English function words is English.
        english = sum(1 for token in tokens if token in _ENGLISH_FUNCTION_WORDS)
        if english / len(tokens) >= 0.2:
            return default
    global _detector_ready
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    with _detector_lock:
        if not _detector_ready:
            DetectorFactory.seed = 0
            _detector_ready = True
        try:
            # Upper-case text ("VERY LIGHTWEIGHT SHOES") confuses the detector.
            candidates = detect_langs(text.casefold())
        except LangDetectException:
            return default
    best = candidates[0]
    # Short texts get confident wrong results ("like a square" → Albanian), so they
    # need a near-certain result to leave the shop's language.
    if letters < SHORT_TEXT_LETTERS and best.prob < 0.97:
        return default
    # Mixed-language text ("Muy bonita la taza, but shipping was slow") gets low
    # confidence for every language; keep the shop's language when it is among them.
    if best.prob < 0.7 and any(c.lang == default for c in candidates):
        return default
    return best.lang


def clean_review(
    title: str | None, body: str | None, shop_language: str = "en", *, detect: bool = True
) -> CleanReview:
    """Clean a review's title and body into one text with its sentences.

    The title is scored with the body because titles often carry the verdict
    ("Love it", "Too small"). A number-only or blank body with no title has no text.
    With `detect` false the language is taken to be `shop_language` (detection
    costs about 10 ms per review).
    """
    parts = []
    for part in (title, body):
        if part is None:
            continue
        cleaned = strip_html(str(part))
        if not is_no_text(cleaned):
            parts.append(cleaned)
    if not parts:
        return CleanReview(text="", sentences=(), has_text=False, language=shop_language)

    if len(parts) == 2 and parts[1].casefold().startswith(parts[0].casefold().rstrip(".!? ")):
        # Luma-style titles repeat the first words of the body.
        parts = parts[1:]
    sentences: list[str] = []
    for part in parts:
        part_sentences = split_sentences(part)
        if sentences and part_sentences and not sentences[-1].endswith((".", "!", "?", "…")):
            sentences[-1] += "."
        sentences.extend(part_sentences)
    text = " ".join(sentences)
    return CleanReview(
        text=text,
        sentences=tuple(sentences),
        has_text=True,
        language=detect_language(text, shop_language) if detect else shop_language,
    )
