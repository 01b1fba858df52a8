"""Review analysis for a shop: training, scoring, summaries, corrections and search.

Each public function opens its own store connection, so it can run on any thread.
`summarize` only reads what `analyse` and `train_sentiment` stored, so it returns in
well under a second; the heavy work happens in those two.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Sequence

import numpy as np

from engine import modelstore
from engine.errors import CancelledError
from engine.progress import CancelToken, ThrottledProgress, no_progress
from engine.reviews import aspects
from engine.reviews.cleaning import CleanReview, clean_review
from engine.reviews.models import LexiconModel, label_of
from engine.store import Store, open_store, utc_now

log = logging.getLogger(__name__)

KIND = "reviews"
LEXICON_NAME = "vader"
CNN_NAME = "word2vec-cnn"
MINILM_NAME = "minilm-head"
# Below this many reviews with 1–2 or 4–5 stars (or corrections), or this many of
# the smaller class, a trained model would learn noise: VADER is used instead.
MIN_LABELLED = 60
MIN_PER_CLASS = 10
VALIDATION_SHARE = 0.2
# A negative review is "recent" when written within this many days of the newest
# review; undated reviews count as recent, because nothing shows they are old.
RECENT_DAYS = 60
LABELS = ("positive", "neutral", "negative")


# Results


@dataclass
class CandidateResult:
    name: str
    validation_accuracy: float
    validation_macro_f1: float
    train_seconds: float


@dataclass
class TrainingSummary:
    """Outcome of a training run: each candidate's validation figures and the model in use."""

    active_model: str
    used_fallback: bool
    labelled_reviews: int
    candidates: list[CandidateResult]
    message: str
    seconds: float


@dataclass
class AspectSummary:
    name: str
    origin: str
    mentions: int
    positive: int
    neutral: int
    negative: int

    @property
    def net_sentiment(self) -> float:
        """(positive − negative) / mentions, from −1 to 1."""
        return (self.positive - self.negative) / self.mentions if self.mentions else 0.0


@dataclass
class ReviewItem:
    id: int
    product_sku: str | None
    product_title: str | None
    rating: float | None
    title: str | None
    text: str
    author: str | None
    reviewed_at: str | None
    replied_at: str | None
    label: str
    score: float | None
    language: str | None
    corrected: bool
    is_mismatch: bool
    needs_reply: bool


@dataclass
class PeriodFigures:
    count: int
    average_stars: float | None
    shares: dict[str, float]


@dataclass
class TrendPoint:
    month: str
    count: int
    average_stars: float | None
    positive_share: float
    negative_share: float


@dataclass
class ReviewSummary:
    """One product's (or the whole shop's) reviews in one period."""

    product_sku: str | None
    period: tuple[str | None, str | None]
    model: str
    current: PeriodFigures
    previous: PeriodFigures | None
    aspects: list[AspectSummary]
    trend: list[TrendPoint]
    reviews: list[ReviewItem]
    mismatches: list[ReviewItem] = field(default_factory=list)
    needs_reply: list[ReviewItem] = field(default_factory=list)
    undated_reviews: int = 0

    @property
    def change(self) -> dict[str, float] | None:
        """Current minus previous period: count, average stars and sentiment shares."""
        if self.previous is None:
            return None
        change = {"count": float(self.current.count - self.previous.count)}
        if self.current.average_stars is not None and self.previous.average_stars is not None:
            change["average_stars"] = self.current.average_stars - self.previous.average_stars
        for label in LABELS:
            change[f"{label}_share"] = self.current.shares.get(label, 0.0) - self.previous.shares.get(label, 0.0)
        return change

    def as_dict(self) -> dict:
        from dataclasses import asdict

        data = asdict(self)
        data["change"] = self.change
        for aspect, source in zip(data["aspects"], self.aspects):
            aspect["net_sentiment"] = round(source.net_sentiment, 3)
        return data


@dataclass
class SentenceHit:
    review_id: int
    position: int
    text: str
    label: str
    spans: list[tuple[int, int]]


# Loading reviews


@dataclass
class _Review:
    id: int
    rating: float | None
    clean: CleanReview


def _load_reviews(store: Store) -> list[_Review]:
    rows = store.conn.execute("SELECT id, rating, title, body FROM reviews ORDER BY id").fetchall()
    return [_Review(review_id, rating, clean_review(title, body)) for review_id, rating, title, body in rows]


def _training_labels(store: Store, reviews: Sequence[_Review]) -> tuple[list[str], np.ndarray]:
    corrections = dict(store.conn.execute("SELECT review_id, label FROM review_corrections").fetchall())
    texts, labels = [], []
    for review in reviews:
        if not review.clean.has_text or not review.clean.is_covered:
            continue
        corrected = corrections.get(review.id)
        if corrected in ("positive", "negative"):
            label = 1 if corrected == "positive" else 0
        elif corrected is not None or review.rating is None or review.rating == 3:
            continue
        else:
            label = 1 if review.rating >= 4 else 0
        texts.append(review.clean.text)
        labels.append(label)
    return texts, np.asarray(labels, dtype=np.int64)


# Models in use


def model_key(record: modelstore.ModelRecord | None) -> str:
    """Return the name stored with predictions: name and version, or "vader"."""
    if record is None:
        return LEXICON_NAME
    return f"{record.name}-v{record.version}"


def load_model(record: modelstore.ModelRecord | None):
    """Load the model of `record`; None or the lexicon record gives the lexicon."""
    if record is None or record.name == LEXICON_NAME or record.file is None:
        return LexiconModel()
    if record.name == CNN_NAME:
        from engine.reviews.models import CnnModel

        return CnnModel.load(record.file, record.file.with_suffix(".json"))
    if record.name == MINILM_NAME:
        from engine.reviews.models import MiniLmHead

        return MiniLmHead.load(record.file)
    raise ValueError(f"unknown review model {record.name!r}")


def _sentence_model(store: Store):
    # Sentences are scored by the word model when one was trained, because the
    # sentence-embedding model read 140 short sentences/s (UCI amazon, 2 cores at
    # load average 11), minutes for the tens of thousands of sentences of a shop.
    # A word model that validated worse than the lexicon is not used: on a few hundred
    # reviews it can give every sentence the same unsure score, so every aspect would
    # read neutral.
    record = _latest_record(store, CNN_NAME)
    if record is None or record.file is None or not record.file.exists():
        return LexiconModel(), LEXICON_NAME
    lexicon = _latest_record(store, LEXICON_NAME)
    if lexicon is not None and _macro_f1(record) < _macro_f1(lexicon):
        log.info("Scoring sentences with VADER: the word model validated worse (macro-F1 %.3f < %.3f)",
                 _macro_f1(record), _macro_f1(lexicon))
        return LexiconModel(), LEXICON_NAME
    return load_model(record), model_key(record)


def _latest_record(store: Store, name: str):
    row = store.conn.execute(
        f"SELECT {modelstore._COLUMNS} FROM models WHERE kind = ? AND name = ? "
        "ORDER BY id DESC LIMIT 1",
        (KIND, name),
    ).fetchone()
    return None if row is None else modelstore._record(store, row)


def _macro_f1(record) -> float:
    return float(record.metrics.get("validation_macro_f1", 0.0))


# Scoring


def _emoji_probability(text: str) -> float | None:
    from engine.reviews import lexicon

    compound = lexicon.emoji_compound(text)
    if compound is None:
        return None
    return float(1.0 / (1.0 + np.exp(-LexiconModel.slope * compound)))


def analyse(
    shop_path: Path,
    progress=no_progress,
    cancel: CancelToken | None = None,
    *,
    embed_topics: bool = False,
) -> str:
    """Score every review and sentence with the model in use; mine topics if none.

    Reviews without text get the label "no_text"; reviews in a language the models
    do not cover get "language_not_covered", with a score from their emoji when
    they have any. Returns the key of the model that scored the reviews.

    Raises:
        CancelledError: `cancel` was set; nothing of this run is saved.
    """
    report = ThrottledProgress(progress)
    with open_store(shop_path) as store:
        started = time.monotonic()
        record = modelstore.active_model(store, KIND)
        if record is not None and record.file is not None and not record.file.exists():
            log.warning("Review model file %s is missing; using VADER", record.file)
            record = None
        model, key = load_model(record), model_key(record)
        sentence_model, sentence_key = _sentence_model(store)
        if record is not None and record.name != MINILM_NAME:
            sentence_model, sentence_key = model, key

        report(0.0, "Reading reviews", force=True)
        reviews = _load_reviews(store)
        predictions = _predict_reviews(model, key, reviews, report, cancel)
        sentences = _predict_sentences(sentence_model, sentence_key, reviews, report, cancel)
        topics = None
        if not _has_model_topics(store):
            report(0.95, "Finding what customers talk about")
            topics = _mine(reviews, embed_topics)

        _check(cancel)
        with store.transaction() as conn:
            conn.execute("DELETE FROM review_predictions WHERE model != ?", (key,))
            conn.executemany(
                "INSERT OR REPLACE INTO review_predictions "
                "(review_id, model, label, score, language, predicted_at) VALUES (?, ?, ?, ?, ?, ?)",
                predictions,
            )
            conn.execute("DELETE FROM review_sentences")
            conn.executemany(
                "INSERT INTO review_sentences (review_id, position, text, label, score, model) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                sentences,
            )
            if topics is not None:
                _replace_model_topics(conn, topics)
        report(1.0, "Reviews analysed", force=True)
        log.info("Analysed %d reviews with %s in %.1f s", len(reviews), key, time.monotonic() - started)
        return key


def _check(cancel: CancelToken | None, what: str = "The review analysis") -> None:
    if cancel is not None:
        cancel.raise_if_cancelled(what)


def _predict_reviews(model, key, reviews, report, cancel) -> list[tuple]:
    now = utc_now()
    rows = []
    scored = [review for review in reviews if review.clean.has_text and review.clean.is_covered]
    probabilities = {}
    batch = 200
    for start in range(0, len(scored), batch):
        _check(cancel)
        part = scored[start : start + batch]
        for review, probability in zip(part, model.predict_proba([r.clean.text for r in part])):
            probabilities[review.id] = float(probability)
        report(0.05 + 0.55 * (start + len(part)) / max(len(scored), 1), f"Scoring reviews: {start + len(part)} of {len(scored)}")

    for review in reviews:
        clean = review.clean
        if not clean.has_text:
            rows.append((review.id, key, "no_text", None, None, now))
        elif not clean.is_covered:
            rows.append((review.id, key, "language_not_covered", _emoji_probability(clean.text), clean.language, now))
        else:
            probability = probabilities[review.id]
            rows.append((review.id, key, label_of(probability), probability, clean.language, now))
    return rows


def _predict_sentences(model, key, reviews, report, cancel) -> list[tuple]:
    owners, texts = [], []
    for review in reviews:
        if review.clean.has_text and review.clean.is_covered:
            for position, sentence in enumerate(review.clean.sentences):
                owners.append((review.id, position))
                texts.append(sentence)
    rows = []
    batch = 500
    for start in range(0, len(texts), batch):
        _check(cancel)
        part = texts[start : start + batch]
        for (review_id, position), text, probability in zip(owners[start : start + batch], part, model.predict_proba(part)):
            rows.append((review_id, position, text, label_of(float(probability)), float(probability), key))
        report(0.6 + 0.3 * (start + len(part)) / max(len(texts), 1), "Scoring sentences for aspects")
    return rows


# Topics


def _has_model_topics(store: Store) -> bool:
    return store.conn.execute("SELECT 1 FROM review_topics WHERE origin = 'model' LIMIT 1").fetchone() is not None


def _mine(reviews: Sequence[_Review], embed_topics: bool) -> list[aspects.Topic]:
    texts = [review.clean.text for review in reviews if review.clean.has_text and review.clean.is_covered]
    minimum = max(3, min(aspects.MIN_MENTIONS, len(texts) // 50 + 2))
    embed = None
    if embed_topics:
        from engine import text_embeddings

        embed = text_embeddings.embed
    return aspects.mine_topics(texts, embed=embed, min_mentions=minimum)


def _replace_model_topics(conn, topics: Sequence[aspects.Topic]) -> None:
    now = utc_now()
    conn.execute("DELETE FROM review_topics WHERE origin = 'model'")
    user_names = {row[0] for row in conn.execute("SELECT name FROM review_topics")}
    for topic in topics:
        if topic.name not in user_names:
            conn.execute(
                "INSERT INTO review_topics (name, terms, origin, created_at) VALUES (?, ?, 'model', ?)",
                (topic.name, json.dumps(topic.terms), now),
            )


def load_topics(store: Store) -> list[aspects.Topic]:
    """Return the shop's topics, the owner's first."""
    rows = store.conn.execute(
        "SELECT name, terms, origin FROM review_topics ORDER BY origin = 'model', id"
    ).fetchall()
    return [aspects.Topic(name=name, terms=json.loads(terms), origin=origin) for name, terms, origin in rows]


def add_topic(shop_path: Path, name: str, terms: Sequence[str] = ()) -> aspects.Topic:
    """Add or replace a topic the owner names, matched by `terms` (default: the name)."""
    name = name.strip()
    if not name:
        raise ValueError("a topic needs a name")
    cleaned = sorted({term.strip().casefold() for term in (*terms, name) if term.strip()})
    with open_store(shop_path) as store, store.transaction() as conn:
        conn.execute("DELETE FROM review_topics WHERE name = ?", (name,))
        conn.execute(
            "INSERT INTO review_topics (name, terms, origin, created_at) VALUES (?, ?, 'user', ?)",
            (name, json.dumps(cleaned), utc_now()),
        )
    return aspects.Topic(name=name, terms=cleaned, origin="user")


def remove_topic(shop_path: Path, name: str) -> None:
    """Delete a topic by name."""
    with open_store(shop_path) as store, store.transaction() as conn:
        conn.execute("DELETE FROM review_topics WHERE name = ?", (name,))


# Training


def train_sentiment(shop_path: Path, progress=no_progress, cancel: CancelToken | None = None) -> TrainingSummary:
    """Train the shop's sentiment models on its star ratings; keep the best in use.

    Reviews with 1–2 stars are negative and 4–5 positive; the owner's corrections
    replace the stars. Candidates are the Word2Vec + CNN model, the MiniLM head and
    VADER, compared by macro-F1 (then accuracy) on a seeded 20% validation split. Every trained
    model is saved whole before the best one is activated, so a crash or cancel
    leaves the previous model in use. Shops with too few rated reviews get VADER.
    Afterwards every review is scored again and topics are mined again.

    Returns:
        TrainingSummary with each candidate's validation figures.

    Raises:
        CancelledError: `cancel` was set; the model in use stays as it was.
    """
    started = time.monotonic()
    with open_store(shop_path) as store:
        run_id = modelstore.start_training(store, KIND)
        try:
            summary = _train(store, run_id, ThrottledProgress(progress, end=0.9), cancel, started)
        except CancelledError:
            modelstore.finish_training(store, run_id, "cancelled", "Cancelled by the owner")
            raise
        except Exception as error:
            modelstore.finish_training(store, run_id, "failed", str(error))
            raise
        metrics = {c.name: {"validation_accuracy": c.validation_accuracy, "validation_macro_f1": c.validation_macro_f1} for c in summary.candidates}
        modelstore.finish_training(store, run_id, "completed", summary.message, metrics)
        with store.transaction() as conn:
            conn.execute("DELETE FROM review_topics WHERE origin = 'model'")

    analyse(shop_path, ThrottledProgress(progress, start=0.9, end=1.0), cancel, embed_topics=not summary.used_fallback)
    summary.seconds = time.monotonic() - started
    log.info("Trained review models in %.1f s; in use: %s", summary.seconds, summary.active_model)
    return summary


def _stratified_split(labels: np.ndarray, share: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    validation = []
    for value in np.unique(labels):
        indices = np.flatnonzero(labels == value)
        generator.shuffle(indices)
        validation.extend(indices[: max(1, int(round(len(indices) * share)))])
    mask = np.zeros(len(labels), dtype=bool)
    mask[validation] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _train(store: Store, run_id: int, report, cancel, started: float) -> TrainingSummary:
    from engine.reviews.models import accuracy_and_f1

    report(0.0, "Reading reviews", force=True)
    reviews = _load_reviews(store)
    texts, labels = _training_labels(store, reviews)
    smaller_class = int(min(labels.sum(), len(labels) - labels.sum())) if len(labels) else 0
    if len(labels) < MIN_LABELLED or smaller_class < MIN_PER_CLASS:
        return _use_lexicon(store, run_id, len(labels), smaller_class)

    train_index, validation_index = _stratified_split(labels, VALIDATION_SHARE)
    train_texts = [texts[i] for i in train_index]
    validation_texts = [texts[i] for i in validation_index]
    train_labels, validation_labels = labels[train_index], labels[validation_index]
    candidates: list[tuple[CandidateResult, object]] = []

    lexicon_model = LexiconModel()
    figures = accuracy_and_f1(validation_labels, lexicon_model.predict_proba(validation_texts))
    candidates.append((CandidateResult(LEXICON_NAME, figures["accuracy"], figures["macro_f1"], 0.0), lexicon_model))

    candidates.append(_train_cnn_candidate(train_texts, train_labels, validation_texts, validation_labels, report, cancel))
    candidates.append(_train_minilm_candidate(train_texts, train_labels, validation_texts, validation_labels, report, cancel))

    report(0.9, "Saving the models", force=True)
    # Macro-F1 first: most shops get far more 4–5 than 1–2 stars, so a model that
    # calls every review positive can have the best accuracy and still miss every
    # complaint.
    best = max(
        candidates,
        key=lambda item: (item[0].validation_macro_f1, item[0].validation_accuracy, item[0].name != LEXICON_NAME),
    )
    best_id = None
    for result, model in candidates:
        model_id = _save_candidate(store, run_id, result, model, len(labels))
        if result is best[0]:
            best_id = model_id
    _check(cancel, "Training the review models")
    modelstore.activate(store, best_id)
    lines = ", ".join(
        f"{r.name} macro-F1 {r.validation_macro_f1:.3f} (accuracy {r.validation_accuracy:.1%})" for r, _ in candidates
    )
    return TrainingSummary(
        active_model=best[0].name,
        used_fallback=False,
        labelled_reviews=len(labels),
        candidates=[result for result, _ in candidates],
        message=(
            f"Trained on {len(train_labels)} rated reviews and checked on {len(validation_labels)}. "
            f"Validation: {lines}. In use: {best[0].name}, the best macro-F1."
        ),
        seconds=time.monotonic() - started,
    )


def _train_cnn_candidate(train_texts, train_labels, validation_texts, validation_labels, report, cancel):
    from engine.reviews.models import CnnSettings, accuracy_and_f1, train_cnn

    began = time.monotonic()
    settings = CnnSettings(min_count=1 if len(train_texts) < 2000 else 2)
    model = train_cnn(
        train_texts,
        train_labels,
        settings,
        validation=(validation_texts, validation_labels),
        progress=ThrottledProgress(report, start=0.05, end=0.4),
        cancel=cancel,
    )
    figures = accuracy_and_f1(validation_labels, model.predict_proba(validation_texts))
    return CandidateResult(CNN_NAME, figures["accuracy"], figures["macro_f1"], time.monotonic() - began), model


def _train_minilm_candidate(train_texts, train_labels, validation_texts, validation_labels, report, cancel):
    from engine.reviews.models import accuracy_and_f1, head_features, train_minilm_head

    began = time.monotonic()
    report(0.4, "Loading the sentence model", force=True)
    train_features = head_features(train_texts, progress=ThrottledProgress(report, start=0.42, end=0.78), cancel=cancel)
    validation_features = head_features(validation_texts, progress=ThrottledProgress(report, start=0.78, end=0.87), cancel=cancel)
    head = train_minilm_head(train_features, train_labels, validation=(validation_features, validation_labels))
    figures = accuracy_and_f1(validation_labels, head.probabilities_from_features(validation_features))
    return CandidateResult(MINILM_NAME, figures["accuracy"], figures["macro_f1"], time.monotonic() - began), head


def _save_candidate(store: Store, run_id: int, result: CandidateResult, model, labelled: int) -> int:
    version = modelstore.next_version(store, result.name)
    metrics = {
        "validation_accuracy": result.validation_accuracy,
        "validation_macro_f1": result.validation_macro_f1,
        "train_seconds": result.train_seconds,
        "labelled_reviews": labelled,
    }
    if result.name == CNN_NAME:
        destination = modelstore.model_file_path(store, KIND, result.name, version, ".safetensors")
        vocabulary = destination.with_suffix(".json")
        with modelstore.write_model_file(vocabulary) as temporary_vocabulary:
            with modelstore.write_model_file(destination) as temporary:
                model.save(temporary, temporary_vocabulary)
    elif result.name == MINILM_NAME:
        destination = modelstore.model_file_path(store, KIND, result.name, version, ".npz")
        with modelstore.write_model_file(destination) as temporary:
            model.save(temporary)
    else:
        destination = modelstore.model_file_path(store, KIND, result.name, version, ".json")
        with modelstore.write_model_file(destination) as temporary:
            model.save(temporary)
    return modelstore.register_model(
        store, name=result.name, kind=KIND, version=version, metrics=metrics, file=destination, training_run_id=run_id
    )


def _use_lexicon(store: Store, run_id: int, labelled: int, smaller_class: int) -> TrainingSummary:
    result = CandidateResult(LEXICON_NAME, float("nan"), float("nan"), 0.0)
    model_id = _save_candidate(store, run_id, result, LexiconModel(), labelled)
    modelstore.activate(store, model_id)
    message = (
        f"Only {labelled} reviews have 1–2 or 4–5 stars ({smaller_class} in the smaller "
        f"group); training needs {MIN_LABELLED}, with {MIN_PER_CLASS} of each. "
        "Reviews are scored with the VADER word list instead. Import more reviews "
        "with star ratings, or correct a few predictions, and train again."
    )
    return TrainingSummary(LEXICON_NAME, True, labelled, [result], message, 0.0)


# Summaries


def parse_period(period, today: date | None = None) -> tuple[str | None, str | None]:
    """Return (start, end) ISO dates, end exclusive, for a period.

    `period` is None (all reviews), a (start, end) pair of dates or ISO strings,
    "30d" / "90d" / "365d" (the days up to and including `today`), "YYYY" or
    "YYYY-MM".

    Raises:
        ValueError: the period cannot be read.
    """
    if period is None or period == "all":
        return None, None
    if isinstance(period, (tuple, list)):
        start, end = period
        return (str(start) if start else None, str(end) if end else None)
    text = str(period).strip()
    today = today or date.today()
    if text.endswith("d") and text[:-1].isdigit():
        end = today + timedelta(days=1)
        return (end - timedelta(days=int(text[:-1]))).isoformat(), end.isoformat()
    if len(text) == 4 and text.isdigit():
        return f"{text}-01-01", f"{int(text) + 1}-01-01"
    if len(text) == 7 and text[4] == "-":
        year, month = int(text[:4]), int(text[5:])
        following = date(year + (month == 12), month % 12 + 1, 1)
        return f"{year:04d}-{month:02d}-01", following.isoformat()
    raise ValueError(f"cannot read the period {period!r}; use 30d, 90d, 365d, YYYY or YYYY-MM")


def _previous(start: str | None, end: str | None) -> tuple[str, str] | None:
    if start is None or end is None:
        return None
    first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    return (first - (last - first)).isoformat(), first.isoformat()


_REVIEW_COLUMNS = """
    r.id, r.product_sku, COALESCE(p.title, r.product_title), r.rating, r.title, r.body,
    r.author, r.reviewed_at, r.replied_at, rp.label, rp.score, rp.language, rc.label
"""


def _review_rows(store: Store, key: str, product_sku: str | None) -> list[tuple]:
    sql = (
        f"SELECT {_REVIEW_COLUMNS} FROM reviews r "
        "LEFT JOIN products p ON p.sku = r.product_sku "
        "LEFT JOIN review_predictions rp ON rp.review_id = r.id AND rp.model = ? "
        "LEFT JOIN review_corrections rc ON rc.review_id = r.id"
    )
    parameters: list = [key]
    if product_sku:
        sql += " WHERE r.product_sku = ?"
        parameters.append(product_sku)
    return store.conn.execute(sql + " ORDER BY r.reviewed_at DESC, r.id DESC", parameters).fetchall()


def _in_period(reviewed_at: str | None, start: str | None, end: str | None) -> bool:
    if start is None and end is None:
        return True
    if not reviewed_at:
        return False
    day = reviewed_at[:10]
    return (start is None or day >= start[:10]) and (end is None or day < end[:10])


def _item(row: tuple, recent_since: str | None) -> ReviewItem:
    (review_id, sku, product_title, rating, title, body, author, reviewed_at, replied_at,
     label, score, language, corrected) = row
    clean = clean_review(title, body, detect=False)
    shown_label = corrected or label or "unscored"
    is_mismatch = bool(
        rating is not None
        and ((rating >= 4 and shown_label == "negative") or (rating <= 2 and shown_label == "positive"))
    )
    is_negative = shown_label == "negative" or (shown_label in ("no_text", "language_not_covered") and rating is not None and rating <= 2)
    is_recent = not reviewed_at or recent_since is None or reviewed_at[:10] >= recent_since
    return ReviewItem(
        id=review_id,
        product_sku=sku,
        product_title=product_title,
        rating=rating,
        title=title,
        text=clean.text,
        author=author,
        reviewed_at=reviewed_at,
        replied_at=replied_at,
        label=shown_label,
        score=score,
        language=language,
        corrected=corrected is not None,
        is_mismatch=is_mismatch,
        needs_reply=is_negative and is_recent and not replied_at,
    )


def _figures(items: Sequence[ReviewItem]) -> PeriodFigures:
    ratings = [item.rating for item in items if item.rating is not None]
    shares = {}
    if items:
        for label in (*LABELS, "no_text", "language_not_covered"):
            shares[label] = sum(1 for item in items if item.label == label) / len(items)
    return PeriodFigures(
        count=len(items),
        average_stars=float(np.mean(ratings)) if ratings else None,
        shares=shares,
    )


def summarize(shop_path: Path, product_sku: str | None = None, period=None) -> ReviewSummary:
    """Summarise reviews of one product (or all) in a period, from stored results.

    Contains counts, average stars and sentiment shares for the period and the one
    before it, aspects with their sentence sentiment, a monthly trend, every review
    with its predicted sentiment, the reviews whose text contradicts their stars,
    and the needs-reply queue (negative, recent, not answered). Reviews not yet
    analysed show as "unscored"; run `analyse` first.

    Raises:
        ValueError: `period` cannot be read (see `parse_period`).
    """
    start, end = parse_period(period)
    with open_store(shop_path) as store:
        record = modelstore.active_model(store, KIND)
        key = model_key(record)
        if record is not None and not _has_predictions(store, key):
            key = _latest_prediction_key(store) or key
        rows = _review_rows(store, key, product_sku)
        newest = max((row[7] for row in rows if row[7]), default=None)
        recent_since = (date.fromisoformat(newest[:10]) - timedelta(days=RECENT_DAYS)).isoformat() if newest else None
        everything = [_item(row, recent_since) for row in rows]
        items = [item for item in everything if _in_period(item.reviewed_at, start, end)]
        previous_range = _previous(start, end)
        previous = None
        if previous_range is not None:
            previous = _figures([item for item in everything if _in_period(item.reviewed_at, *previous_range)])
        aspect_rows = _aspects(store, {item.id for item in items})
        return ReviewSummary(
            product_sku=product_sku,
            period=(start, end),
            model=key,
            current=_figures(items),
            previous=previous,
            aspects=aspect_rows,
            trend=_trend(items),
            reviews=items,
            mismatches=[item for item in items if item.is_mismatch],
            needs_reply=[item for item in items if item.needs_reply],
            undated_reviews=sum(1 for item in items if not item.reviewed_at),
        )


def _has_predictions(store: Store, key: str) -> bool:
    return store.conn.execute("SELECT 1 FROM review_predictions WHERE model = ? LIMIT 1", (key,)).fetchone() is not None


def _latest_prediction_key(store: Store) -> str | None:
    row = store.conn.execute("SELECT model FROM review_predictions ORDER BY predicted_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def needs_analysis(shop_path: Path) -> bool:
    """True when some review has no prediction from the model in use."""
    with open_store(shop_path) as store:
        key = model_key(modelstore.active_model(store, KIND))
        row = store.conn.execute(
            "SELECT 1 FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM review_predictions rp "
            "WHERE rp.review_id = r.id AND rp.model = ?) LIMIT 1",
            (key,),
        ).fetchone()
        return row is not None


def has_trained_model(shop_path: Path) -> bool:
    """True when a training run has activated a model for the shop's reviews."""
    with open_store(shop_path) as store:
        return modelstore.active_model(store, KIND) is not None


def _aspects(store: Store, review_ids: set[int]) -> list[AspectSummary]:
    topics = load_topics(store)
    if not topics or not review_ids:
        return []
    matcher = aspects.TopicMatcher(topics)
    counts = {topic.name: {"positive": 0, "neutral": 0, "negative": 0, "reviews": set()} for topic in topics}
    for review_id, text, label in store.conn.execute("SELECT review_id, text, label FROM review_sentences"):
        if review_id not in review_ids:
            continue
        for name in matcher.topics_in(text):
            counts[name][label] += 1
            counts[name]["reviews"].add(review_id)
    result = []
    for topic in topics:
        tally = counts[topic.name]
        mentions = tally["positive"] + tally["neutral"] + tally["negative"]
        if mentions == 0 and topic.origin == "model":
            continue
        result.append(AspectSummary(topic.name, topic.origin, mentions, tally["positive"], tally["neutral"], tally["negative"]))
    result.sort(key=lambda aspect: (aspect.origin != "user", -aspect.mentions))
    return result


def _trend(items: Sequence[ReviewItem]) -> list[TrendPoint]:
    by_month: dict[str, list[ReviewItem]] = {}
    for item in items:
        if item.reviewed_at:
            by_month.setdefault(item.reviewed_at[:7], []).append(item)
    points = []
    for month in sorted(by_month):
        group = by_month[month]
        ratings = [item.rating for item in group if item.rating is not None]
        points.append(
            TrendPoint(
                month=month,
                count=len(group),
                average_stars=float(np.mean(ratings)) if ratings else None,
                positive_share=sum(item.label == "positive" for item in group) / len(group),
                negative_share=sum(item.label == "negative" for item in group) / len(group),
            )
        )
    return points


def aspect_sentences(shop_path: Path, topic_name: str, review_ids: set[int] | None = None) -> list[SentenceHit]:
    """Return the sentences that mention a topic, with the spans of its terms."""
    with open_store(shop_path) as store:
        topics = [topic for topic in load_topics(store) if topic.name == topic_name]
        if not topics:
            return []
        matcher = aspects.TopicMatcher(topics)
        hits = []
        rows = store.conn.execute("SELECT review_id, position, text, label FROM review_sentences ORDER BY review_id, position")
        for review_id, position, text, label in rows:
            if review_ids is not None and review_id not in review_ids:
                continue
            spans = matcher.spans(text, topic_name)
            if spans:
                hits.append(SentenceHit(review_id, position, text, label, spans))
        return hits


# Owner actions


def correct_prediction(shop_path: Path, review_id: int, label: str) -> None:
    """Store the owner's sentiment for a review; the next training uses it as label."""
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, got {label!r}")
    with open_store(shop_path) as store, store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO review_corrections (review_id, label, corrected_at) VALUES (?, ?, ?)",
            (review_id, label, utc_now()),
        )


def mark_replied(shop_path: Path, review_id: int, replied: bool = True) -> None:
    """Mark a review as answered (or not), which takes it off the needs-reply queue."""
    with open_store(shop_path) as store, store.transaction() as conn:
        conn.execute("UPDATE reviews SET replied_at = ? WHERE id = ?", (utc_now() if replied else None, review_id))


def search_reviews(shop_path: Path, query: str, limit: int = 20, cancel: CancelToken | None = None) -> list[tuple[int, float]]:
    """Return (review id, cosine similarity) of the reviews closest in meaning to `query`.

    Review vectors are cached in the shop's model folder and computed again only for
    reviews added since.
    """
    from engine import text_embeddings
    from engine.reviews.models import embed_chunked

    with open_store(shop_path) as store:
        reviews = [review for review in _load_reviews(store) if review.clean.has_text]
        cache = modelstore.model_dir(store, KIND) / "search-vectors.npz"
        known: dict[int, np.ndarray] = {}
        if cache.exists():
            with np.load(cache, allow_pickle=False) as data:
                known = dict(zip(data["ids"].tolist(), data["vectors"]))
        missing = [review for review in reviews if review.id not in known]
        if missing:
            for review, vector in zip(missing, embed_chunked([r.clean.text for r in missing], cancel=cancel)):
                known[review.id] = vector
            ids = np.array(sorted(known), dtype=np.int64)
            with modelstore.write_model_file(cache) as temporary:
                np.savez(temporary, ids=ids, vectors=np.stack([known[i] for i in ids.tolist()]))
        if not reviews:
            return []
        ids = [review.id for review in reviews]
        matrix = np.stack([known[i] for i in ids])
        similarities = matrix @ text_embeddings.embed([query])[0]
        order = np.argsort(-similarities)[:limit]
        return [(ids[i], float(similarities[i])) for i in order]
