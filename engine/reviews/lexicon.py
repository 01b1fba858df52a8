"""VADER lexicon scoring, extended with shop words and emoji.

VADER (vaderSentiment 3.3.2) handles negation ("not bad", "isn't a bad mug") and
intensifiers, but misses words that are negative only in shopping ("leaks",
"sent it back") and many emoji. Both are added here as lexicon entries with VADER's
-4 … +4 valence scale. Emoji carry the same meaning in every language, so a review in
a language the models do not cover is scored from its emoji alone.
"""

from __future__ import annotations

import re
import threading

# Emoji and their valence on VADER's scale. Variation selectors (U+FE0F) are
# removed before lookup, so "❤️" and "❤" are one entry.
EMOJI_VALENCE = {
    "❤": 3.0, "💓": 3.0, "💕": 3.0, "💖": 3.0, "💗": 3.0, "💘": 3.0, "💞": 3.0,
    "😍": 3.2, "🥰": 3.2, "😊": 2.5, "😀": 2.2, "😃": 2.2, "😄": 2.4, "😁": 2.2,
    "🙂": 1.5, "👍": 2.2, "👌": 2.0, "🙌": 2.2, "👏": 2.2, "⭐": 1.8, "🌟": 2.0,
    "✨": 1.5, "🔥": 1.8, "💯": 2.2, "🎉": 2.0, "😎": 1.5, "🤩": 3.0, "😘": 2.5,
    "😡": -3.2, "😠": -3.0, "🤬": -3.5, "👎": -2.5, "💔": -2.8, "😞": -2.2,
    "😢": -2.2, "😭": -2.5, "😤": -2.2, "😒": -2.0, "🙁": -1.8, "☹": -2.0,
    "😫": -2.2, "😩": -2.2, "🤮": -3.0, "🤢": -2.5, "😖": -2.0, "😣": -1.8,
    "😕": -1.5, "😐": -0.5, "🙄": -1.8,
}
# Slack/GitHub style short codes that some review forms store instead of emoji.
SHORTCODE_VALENCE = {
    ":rage:": -3.2, ":angry:": -3.0, ":thumbsdown:": -2.5, ":-1:": -2.5,
    ":broken_heart:": -2.8, ":disappointed:": -2.2, ":cry:": -2.2, ":sob:": -2.5,
    ":heart:": 3.0, ":heart_eyes:": 3.2, ":thumbsup:": 2.2, ":+1:": 2.2,
    ":smile:": 2.4, ":star:": 1.8, ":tada:": 2.0, ":ok_hand:": 2.0,
}
# Single words that are negative about a product or an order.
SHOP_WORDS = {
    "leaks": -2.0, "leaked": -2.0, "leaking": -2.0, "leaky": -2.0,
    "cracked": -2.0, "crazed": -1.5, "chipped": -1.8, "snapped": -2.0,
    "flimsy": -2.0, "ripped": -2.0, "torn": -1.8, "faded": -1.5, "shrank": -2.0,
    "pilled": -1.8, "pilling": -1.8, "frayed": -1.8, "unraveled": -1.8,
    "returning": -1.8, "returned": -1.5, "refund": -1.5, "defective": -2.5,
    "overpriced": -2.0, "exagéré": -2.0, "itchy": -1.8, "scratchy": -1.8,
    "see-through": -1.0, "sheer": -0.5, "smelled": -1.2, "stains": -1.5,
}
# Phrases that VADER reads word by word; each is replaced by one token that the
# lexicon scores.
SHOP_PHRASES = (
    (re.compile(r"\b(?:sent|send|sending|shipped|took|take|taking|bringing|brought) (?:it|them|this|these) back\b", re.I), " xreturnedx "),
    (re.compile(r"\bnothing like (?:the|its|their) (?:photo|picture|pictures|photos|image|description)s?\b", re.I), " xnotasshownx "),
    (re.compile(r"\bfell apart\b", re.I), " xfellapartx "),
    (re.compile(r"\bwaste of money\b", re.I), " xwastex "),
    (re.compile(r"\bruns? (?:very |really |way )?small\b", re.I), " xrunssmallx "),
)
PHRASE_VALENCE = {
    "xreturnedx": -2.0, "xnotasshownx": -2.2, "xfellapartx": -2.5, "xwastex": -2.8,
    "xrunssmallx": -0.8,
}

_VARIATION_SELECTOR = "\ufe0f"
_lock = threading.Lock()
_analyzer = None


def _get_analyzer():
    global _analyzer
    with _lock:
        if _analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            analyzer = SentimentIntensityAnalyzer()
            analyzer.lexicon.update(SHOP_WORDS)
            analyzer.lexicon.update(PHRASE_VALENCE)
            # Stand-in words for emoji: VADER splits text on spaces, so each
            # emoji becomes one scored token.
            for number, (emoji, valence) in enumerate(EMOJI_VALENCE.items()):
                analyzer.lexicon[f"xemoji{number}x"] = valence
            _analyzer = analyzer
        return _analyzer


_EMOJI_TOKENS = {emoji: f" xemoji{number}x " for number, emoji in enumerate(EMOJI_VALENCE)}


def prepare(text: str) -> str:
    """Replace emoji, short codes and shop phrases with tokens the lexicon scores."""
    text = text.replace(_VARIATION_SELECTOR, "")
    for emoji, token in _EMOJI_TOKENS.items():
        if emoji in text:
            text = text.replace(emoji, token)
    lowered = text.casefold()
    for code, valence in SHORTCODE_VALENCE.items():
        if code in lowered:
            word = "xemoji{}x".format(_nearest_emoji(valence))
            text = re.sub(re.escape(code), f" {word} ", text, flags=re.I)
    for pattern, token in SHOP_PHRASES:
        text = pattern.sub(token, text)
    return text


def _nearest_emoji(valence: float) -> int:
    values = list(EMOJI_VALENCE.values())
    return min(range(len(values)), key=lambda i: abs(values[i] - valence))


def compound(text: str) -> float:
    """Return VADER's compound score of `text` in [-1, 1] with the shop additions."""
    return float(_get_analyzer().polarity_scores(prepare(text))["compound"])


def emoji_compound(text: str) -> float | None:
    """Return the compound score of the emoji and short codes alone, or None if none."""
    prepared = prepare(text)
    tokens = re.findall(r"xemoji\d+x", prepared)
    if not tokens:
        return None
    return float(_get_analyzer().polarity_scores(" ".join(tokens))["compound"])


def scores(texts: list[str]) -> list[float]:
    """Return the compound score of each text."""
    return [compound(text) for text in texts]
