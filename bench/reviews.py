"""Review sentiment accuracy and speed against VADER, TextBlob and bag-of-words.

Data sets (see docs/bench-reviews.md): the UCI labelled sentences from Amazon and
Yelp (each split 75/25, stratified, seed 0) and the Women's E-Commerce Clothing
Reviews, once as 4–5 stars against 1–2 stars and once as Recommended IND (each split
80/20, stratified, seed 0). Every system sees the same split in the same run.
Hyper-parameters and ensemble weights are chosen on 20% of the training part.
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from dataclasses import dataclass

import numpy as np

from bench import datasets
from bench.runner import Row

log = logging.getLogger(__name__)
BOOTSTRAP_SAMPLES = 1000


@dataclass
class Split:
    name: str
    train_texts: list[str]
    train_labels: np.ndarray
    test_texts: list[str]
    test_labels: np.ndarray


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this benchmark's options."""
    parser.add_argument("--limit", type=int, default=0, help="use at most this many reviews per data set (0: all)")
    parser.add_argument("--no-minilm", action="store_true", help="leave out the MiniLM models (they read about 30 texts/s on 2 busy cores)")
    parser.add_argument("--datasets", default="uci-amazon,uci-yelp,clothing-stars,clothing-recommended", help="comma-separated data set names")


def _stratified_split(labels: np.ndarray, test_share: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    test = []
    for value in np.unique(labels):
        indices = np.flatnonzero(labels == value)
        generator.shuffle(indices)
        test.extend(indices[: int(round(len(indices) * test_share))])
    mask = np.zeros(len(labels), dtype=bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _make_split(name: str, texts: list[str], labels: list[int], test_share: float, limit: int) -> Split:
    labels_array = np.asarray(labels, dtype=np.int64)
    if limit and len(texts) > limit:
        keep, _ = _stratified_split(labels_array, 1 - limit / len(texts), seed=1)
        texts = [texts[i] for i in keep]
        labels_array = labels_array[keep]
    train, test = _stratified_split(labels_array, test_share)
    return Split(name, [texts[i] for i in train], labels_array[train], [texts[i] for i in test], labels_array[test])


def load_uci(source: str, limit: int = 0) -> Split:
    """Read one UCI sentence file (sentence TAB label per line; quotes are text)."""
    texts, labels = [], []
    for line in datasets.uci_sentiment_sentences(source).read_text(encoding="utf-8").split("\n"):
        sentence, tab, label = line.rpartition("\t")
        if tab and label.strip() in ("0", "1"):
            texts.append(sentence.strip())
            labels.append(int(label))
    return _make_split(f"uci-{source}", texts, labels, 0.25, limit)


def load_clothing(target: str, limit: int = 0) -> Split:
    """Read the clothing reviews; `target` is "stars" or "recommended"."""
    texts, labels = [], []
    with open(datasets.clothing_reviews(), encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            text = " ".join(part.strip() for part in (row["Title"], row["Review Text"]) if part.strip())
            if not text:
                continue
            if target == "stars":
                rating = int(row["Rating"])
                if rating == 3:
                    continue
                labels.append(1 if rating >= 4 else 0)
            else:
                labels.append(int(row["Recommended IND"]))
            texts.append(text)
    return _make_split(f"clothing-{target}", texts, labels, 0.2, limit)


# Figures


def _macro_f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    scores = []
    for positive in (1, 0):
        tp = np.sum((predicted == positive) & (labels == positive))
        fp = np.sum((predicted == positive) & (labels != positive))
        fn = np.sum((predicted != positive) & (labels == positive))
        scores.append(2 * tp / max(2 * tp + fp + fn, 1))
    return float(np.mean(scores))


def _interval(labels: np.ndarray, predicted: np.ndarray, metric) -> tuple[float, float]:
    generator = np.random.default_rng(0)
    values = []
    for _ in range(BOOTSTRAP_SAMPLES):
        sample = generator.integers(0, len(labels), len(labels))
        values.append(metric(labels[sample], predicted[sample]))
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _rows(split: Split, system: str, role: str, probabilities: np.ndarray, train_s: float, score_s: float, threshold: float = 0.5, setting: str = "") -> list[Row]:
    predicted = (probabilities >= threshold).astype(np.int64)
    labels = split.test_labels
    accuracy = float(np.mean(predicted == labels))
    macro_f1 = _macro_f1(labels, predicted)
    accuracy_low, accuracy_high = _interval(labels, predicted, lambda a, b: float(np.mean(a == b)))
    f1_low, f1_high = _interval(labels, predicted, _macro_f1)
    extra = f"; {setting}" if setting else ""
    rows = [
        Row(split.name, system, role, "accuracy", accuracy, f"95% CI {accuracy_low:.3f}–{accuracy_high:.3f}; n={len(labels)}{extra}"),
        Row(split.name, system, role, "macro_f1", macro_f1, f"95% CI {f1_low:.3f}–{f1_high:.3f}; n={len(labels)}{extra}"),
        Row(split.name, system, role, "reviews_per_s", len(labels) / max(score_s, 1e-9), f"scoring the {len(labels)} test texts"),
    ]
    if role == "ours" or train_s > 0:
        rows.append(Row(split.name, system, role, "train_s", train_s, f"{len(split.train_texts)} training texts"))
    log.info("%s %s accuracy %.3f macro-F1 %.3f", split.name, system, accuracy, macro_f1)
    return rows


def _timed(function, *args):
    began = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - began


# Peers


def _vader_peer(split: Split) -> list[Row]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer, train_s = _timed(SentimentIntensityAnalyzer)

    def score(texts):
        return np.array([1.0 if analyzer.polarity_scores(text)["compound"] > 0.05 else 0.0 for text in texts])

    probabilities, score_s = _timed(score, split.test_texts)
    return _rows(split, "VADER", "peer", probabilities, 0.0, score_s, setting="compound > 0.05")


def _textblob_peer(split: Split) -> list[Row]:
    from textblob import TextBlob

    def score(texts):
        return np.array([1.0 if TextBlob(text).sentiment.polarity > 0 else 0.0 for text in texts])

    probabilities, score_s = _timed(score, split.test_texts)
    return _rows(split, "TextBlob", "peer", probabilities, 0.0, score_s, setting="polarity > 0")


def _fit_bag_of_words(texts, labels, strength: float):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True),
        LogisticRegression(C=strength, max_iter=2000, class_weight="balanced"),
    )
    model.fit(texts, labels)
    return model


def _choose_bag_of_words(sub_texts, sub_labels, validation_texts, validation_labels, metric):
    best = None
    for strength in (0.5, 2.0, 8.0, 32.0):
        model = _fit_bag_of_words(sub_texts, sub_labels, strength)
        value = metric(validation_labels, (model.predict_proba(validation_texts)[:, 1] >= 0.5).astype(int))
        if best is None or value > best[0]:
            best = (value, strength, model)
    return best[1], best[2]


# Our systems


def _cnn_settings(train_size: int):
    from engine.reviews.models import CnnSettings

    # Fewer epochs on large sets keep training near a minute on 2 cores; the best
    # validation epoch is kept either way.
    epochs = 12 if train_size < 3000 else 5
    return CnnSettings(min_count=1 if train_size < 3000 else 2, epochs=epochs, max_tokens=160)


def _best_threshold(labels, probabilities, metric) -> float:
    candidates = np.linspace(0.2, 0.8, 25)
    values = [metric(labels, (probabilities >= t).astype(int)) for t in candidates]
    return float(candidates[int(np.argmax(values))])


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _accuracy(labels, predicted) -> float:
    return float(np.mean(labels == predicted))


def run_split(split: Split, use_minilm: bool) -> list[Row]:
    """Run every peer and our models on one split; return their rows."""
    from engine.reviews.models import LexiconModel, embed_chunked, train_cnn, train_minilm_head
    from sklearn.linear_model import LogisticRegression

    metric = _macro_f1 if split.name.startswith("clothing") else _accuracy
    rows = _vader_peer(split) + _textblob_peer(split)

    sub_index, validation_index = _stratified_split(split.train_labels, 0.2, seed=2)
    sub_texts = [split.train_texts[i] for i in sub_index]
    validation_texts = [split.train_texts[i] for i in validation_index]
    sub_labels, validation_labels = split.train_labels[sub_index], split.train_labels[validation_index]

    # Bag-of-words peer: C chosen on validation, then refit on the whole training part.
    began = time.perf_counter()
    strength, bag_sub = _choose_bag_of_words(sub_texts, sub_labels, validation_texts, validation_labels, metric)
    bag_full = _fit_bag_of_words(split.train_texts, split.train_labels, strength)
    bag_train_s = time.perf_counter() - began
    bag_test, bag_score_s = _timed(lambda t: bag_full.predict_proba(t)[:, 1], split.test_texts)
    rows += _rows(split, "bag-of-words LR", "peer", bag_test, bag_train_s, bag_score_s, setting=f"tf-idf 1–2-grams, C={strength}")

    lexicon_model = LexiconModel()
    lexicon_test, lexicon_score_s = _timed(lexicon_model.predict_proba, split.test_texts)
    rows += _rows(split, "VADER + shop words (ours)", "ours", lexicon_test, 0.0, lexicon_score_s, setting="no training")

    settings = _cnn_settings(len(sub_texts))
    cnn, cnn_train_s = _timed(
        lambda: train_cnn(sub_texts, sub_labels, settings, validation=(validation_texts, validation_labels))
    )
    cnn_test, cnn_score_s = _timed(cnn.predict_proba, split.test_texts)
    rows += _rows(split, "Word2Vec + CNN", "ours", cnn_test, cnn_train_s, cnn_score_s, setting=f"{settings.epochs} epochs, best on validation")

    features_validation = [
        _logit(bag_sub.predict_proba(validation_texts)[:, 1]),
        _logit(cnn.predict_proba(validation_texts)),
        _logit(lexicon_model.predict_proba(validation_texts)),
    ]
    began = time.perf_counter()
    bag_sub_test = bag_sub.predict_proba(split.test_texts)[:, 1]
    bag_sub_score_s = time.perf_counter() - began
    features_test = [_logit(bag_sub_test), _logit(cnn_test), _logit(lexicon_test)]
    ensemble_train_s = cnn_train_s + bag_train_s
    ensemble_score_s = bag_sub_score_s + cnn_score_s + lexicon_score_s
    names = "bag-of-words LR, CNN, VADER"

    if use_minilm:
        began = time.perf_counter()
        sub_vectors = embed_chunked(sub_texts)
        validation_vectors = embed_chunked(validation_texts)
        head = train_minilm_head(sub_vectors, sub_labels, validation=(validation_vectors, validation_labels))
        minilm_train_s = time.perf_counter() - began
        test_vectors, embed_s = _timed(embed_chunked, split.test_texts)
        minilm_test = head.probabilities_from_embeddings(test_vectors)
        rows += _rows(split, "MiniLM + logistic head", "ours", minilm_test, minilm_train_s, embed_s, setting="all-MiniLM-L6-v2, C on validation")
        features_validation.append(_logit(head.probabilities_from_embeddings(validation_vectors)))
        features_test.append(_logit(minilm_test))
        ensemble_train_s += minilm_train_s
        ensemble_score_s += embed_s
        names = "bag-of-words LR, CNN, VADER, MiniLM head"

    began = time.perf_counter()
    stacker = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    stacker.fit(np.column_stack(features_validation), validation_labels)
    validation_probabilities = stacker.predict_proba(np.column_stack(features_validation))[:, 1]
    threshold = _best_threshold(validation_labels, validation_probabilities, metric)
    ensemble_train_s += time.perf_counter() - began
    ensemble_test = stacker.predict_proba(np.column_stack(features_test))[:, 1]
    rows += _rows(
        split, "ensemble (ours)", "ours", ensemble_test, ensemble_train_s, ensemble_score_s, threshold,
        setting=f"stacked {names}; threshold {threshold:.2f} from validation",
    )
    return rows


def run(args: argparse.Namespace) -> list[Row]:
    loaders = {
        "uci-amazon": lambda: load_uci("amazon", args.limit),
        "uci-yelp": lambda: load_uci("yelp", args.limit),
        "clothing-stars": lambda: load_clothing("stars", args.limit),
        "clothing-recommended": lambda: load_clothing("recommended", args.limit),
    }
    rows: list[Row] = []
    for name in args.datasets.split(","):
        split = loaders[name.strip()]()
        # The sentence model reads about 30 clothing reviews/s on 2 busy cores, so it
        # runs on the short UCI sentences only.
        use_minilm = not args.no_minilm and name.startswith("uci")
        rows += run_split(split, use_minilm)
    return rows
