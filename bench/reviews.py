"""Review sentiment accuracy and speed against VADER, TextBlob and bag-of-words.

Data sets (see docs/bench-reviews.md): the UCI labelled sentences from Amazon and
Yelp (each split 75/25, stratified, seed 0) and the Women's E-Commerce Clothing
Reviews, once as 4–5 stars against 1–2 stars and once as Recommended IND (each split
80/20, stratified, seed 0). Every system sees the same split in the same run.
Hyper-parameters and the ensemble's models are chosen on 20% of the training part;
the ensemble's weights, thresholds and MiniLM confidence band come from that
validation split or from cross-fitted predictions on the training part (see
`_ensemble`). The test part is only scored.
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from bench import datasets
from bench.runner import Row
from engine.reviews.stacking import accuracy, fit_cascade, logit, macro_f1

log = logging.getLogger(__name__)
BOOTSTRAP_SAMPLES = 1000
MINILM = "MiniLM head"


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
    parser.add_argument("--no-minilm", action="store_true", help="leave out the MiniLM head, the slowest model to train and score")
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
    test_accuracy = accuracy(labels, predicted)
    test_macro_f1 = macro_f1(labels, predicted)
    accuracy_low, accuracy_high = _interval(labels, predicted, accuracy)
    f1_low, f1_high = _interval(labels, predicted, macro_f1)
    extra = f"; {setting}" if setting else ""
    rows = [
        Row(split.name, system, role, "accuracy", test_accuracy, f"95% CI {accuracy_low:.3f}–{accuracy_high:.3f}; n={len(labels)}{extra}"),
        Row(split.name, system, role, "macro_f1", test_macro_f1, f"95% CI {f1_low:.3f}–{f1_high:.3f}; n={len(labels)}{extra}"),
        Row(split.name, system, role, "reviews_per_s", len(labels) / max(score_s, 1e-9), f"scoring the {len(labels)} test texts"),
    ]
    if role == "ours" or train_s > 0:
        rows.append(Row(split.name, system, role, "train_s", train_s, f"{len(split.train_texts)} training texts"))
    log.info("%s %s accuracy %.3f macro-F1 %.3f", split.name, system, test_accuracy, test_macro_f1)
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


@dataclass
class _Refit:
    """Functions that fit one of our models again on other rows of the training part."""

    fit: Callable[[np.ndarray], object]
    training_probabilities: Callable[[object, np.ndarray], np.ndarray]
    score: Callable[[object, list[str]], np.ndarray]


@dataclass
class _Model:
    """One of our models, fitted on the training part without validation."""

    name: str
    validation_logits: np.ndarray
    test_probabilities: np.ndarray
    train_s: float
    score_s: float
    score: Callable[[list[str]], np.ndarray]
    refit: _Refit | None = None
    # Time to compute the log-odds the ensemble is fitted on, beyond training.
    prepare_s: float = 0.0


@dataclass
class _Parts:
    """The training part split into the part models are fitted on and validation."""

    sub_rows: np.ndarray
    validation_rows: np.ndarray
    sub_texts: list[str]
    sub_labels: np.ndarray
    validation_texts: list[str]
    validation_labels: np.ndarray


def _split_training(split: Split) -> _Parts:
    sub_rows, validation_rows = _stratified_split(split.train_labels, 0.2, seed=2)
    return _Parts(
        sub_rows,
        validation_rows,
        [split.train_texts[i] for i in sub_rows],
        split.train_labels[sub_rows],
        [split.train_texts[i] for i in validation_rows],
        split.train_labels[validation_rows],
    )


def _bag_of_words(split: Split, parts: _Parts, metric) -> tuple[_Model, list[Row]]:
    """Fit the bag-of-words peer; return it as a model of the ensemble too."""
    (strength, bag_sub), choose_s = _timed(_choose_bag_of_words, parts.sub_texts, parts.sub_labels, parts.validation_texts, parts.validation_labels, metric)
    # The peer is refit on the whole training part with the C chosen on validation.
    bag_full, refit_s = _timed(_fit_bag_of_words, split.train_texts, split.train_labels, strength)
    bag_test, bag_score_s = _timed(lambda t: bag_full.predict_proba(t)[:, 1], split.test_texts)
    rows = _rows(split, "bag-of-words LR", "peer", bag_test, choose_s + refit_s, bag_score_s, setting=f"tf-idf 1–2-grams, C={strength}")

    def score(texts):
        return bag_sub.predict_proba(texts)[:, 1]

    sub_test, sub_score_s = _timed(score, split.test_texts)
    def fit(train_rows):
        texts = [split.train_texts[i] for i in train_rows]
        return _fit_bag_of_words(texts, split.train_labels[train_rows], strength)

    def training_probabilities(model, train_rows):
        return model.predict_proba([split.train_texts[i] for i in train_rows])[:, 1]

    def score_with(model, texts):
        return model.predict_proba(texts)[:, 1]

    refit = _Refit(fit, training_probabilities, score_with)
    validation_logits = logit(score(parts.validation_texts))
    model = _Model("bag-of-words LR", validation_logits, sub_test, choose_s, sub_score_s, score, refit)
    return model, rows


def _lexicon(split: Split, parts: _Parts) -> tuple[_Model, list[Row]]:
    from engine.reviews.models import LexiconModel

    lexicon = LexiconModel()
    test, score_s = _timed(lexicon.predict_proba, split.test_texts)
    rows = _rows(split, "VADER + shop words (ours)", "ours", test, 0.0, score_s, setting="no training")
    training, prepare_s = _timed(lexicon.predict_proba, split.train_texts)
    refit = _Refit(
        fit=lambda train_rows: lexicon,
        training_probabilities=lambda model, train_rows: training[train_rows],
        score=lambda model, texts: model.predict_proba(texts),
    )
    validation_logits = logit(training[parts.validation_rows])
    model = _Model("VADER + shop words", validation_logits, test, 0.0, score_s, lexicon.predict_proba, refit, prepare_s)
    return model, rows


def _cnn(split: Split, parts: _Parts) -> tuple[_Model, list[Row]]:
    from engine.reviews.models import train_cnn

    settings = _cnn_settings(len(parts.sub_texts))
    validation = (parts.validation_texts, parts.validation_labels)
    cnn, train_s = _timed(lambda: train_cnn(parts.sub_texts, parts.sub_labels, settings, validation=validation))
    test, score_s = _timed(cnn.predict_proba, split.test_texts)
    rows = _rows(split, "Word2Vec + CNN", "ours", test, train_s, score_s, setting=f"{settings.epochs} epochs, best on validation")
    validation, prepare_s = _timed(cnn.predict_proba, parts.validation_texts)
    # Training the CNN again for each fold would take minutes, so it has no refit.
    model = _Model("Word2Vec + CNN", logit(validation), test, train_s, score_s, cnn.predict_proba, None, prepare_s)
    return model, rows


def _minilm(split: Split, parts: _Parts, metric) -> tuple[_Model, list[Row]]:
    from engine.reviews.models import HEAD_LAYERS, head_features, train_minilm_head

    began = time.perf_counter()
    sub_features = head_features(parts.sub_texts)
    validation_features = head_features(parts.validation_texts)
    validation = (validation_features, parts.validation_labels)
    head = train_minilm_head(sub_features, parts.sub_labels, validation=validation, metric=metric)
    train_s = time.perf_counter() - began
    test, score_s = _timed(head.predict_proba, split.test_texts)
    layers = ", ".join(str(layer) for layer in HEAD_LAYERS)
    setting = f"all-MiniLM-L6-v2 layers {layers}, C={head.regularisation:g} from validation"
    rows = _rows(split, "MiniLM + logistic head", "ours", test, train_s, score_s, setting=setting)

    # The features of every training text are known, so fitting again is cheap.
    features = np.zeros((len(split.train_texts), sub_features.shape[1]), dtype=np.float32)
    features[parts.sub_rows] = sub_features
    features[parts.validation_rows] = validation_features
    def fit(train_rows):
        labels = split.train_labels[train_rows]
        return train_minilm_head(features[train_rows], labels, regularisations=(head.regularisation,))

    def training_probabilities(model, train_rows):
        return model.probabilities_from_features(features[train_rows])

    def score_with(model, texts):
        return model.predict_proba(texts)

    refit = _Refit(fit, training_probabilities, score_with)
    validation_logits = logit(head.probabilities_from_features(validation_features))
    return _Model(MINILM, validation_logits, test, train_s, score_s, head.predict_proba, refit), rows


def run_split(split: Split, use_minilm: bool) -> list[Row]:
    """Run every peer and our models on one split; return their rows."""
    metric = macro_f1 if split.name.startswith("clothing") else accuracy
    rows = _vader_peer(split) + _textblob_peer(split)
    parts = _split_training(split)

    bag, bag_rows = _bag_of_words(split, parts, metric)
    lexicon, lexicon_rows = _lexicon(split, parts)
    cnn, cnn_rows = _cnn(split, parts)
    models = [bag, lexicon, cnn]
    rows += bag_rows + lexicon_rows + cnn_rows
    if use_minilm:
        minilm, minilm_rows = _minilm(split, parts, metric)
        models.append(minilm)
        rows += minilm_rows
    rows += _ensemble(split, parts, models, metric)
    return rows


def _ensemble(split: Split, parts: _Parts, models: list[_Model], metric) -> list[Row]:
    """Stack our models and the bag-of-words model; every choice is made on the training part.

    The models are chosen on validation. When every chosen model can be fitted
    again cheaply (the CNN cannot), the stack is fitted once more on 5-fold
    cross-fitted predictions for the whole training part, and the chosen models
    are refit on all of it. On UCI the validation split has 150 sentences, so a
    few texts would decide the stack there.
    """
    by_name = {model.name: model for model in models}
    began = time.perf_counter()
    cascade = fit_cascade({m.name: m.validation_logits for m in models}, parts.validation_labels, metric, MINILM)
    # Every candidate is trained before the choice; only the chosen ones score.
    train_s = sum(m.train_s + m.prepare_s for m in models) + time.perf_counter() - began
    if all(by_name[name].refit is not None for name in cascade.full.names):
        return _cross_fitted_ensemble(split, models, metric, train_s)

    cheap_logits = {name: logit(by_name[name].test_probabilities) for name in cascade.cheap_names}
    cheap_s = sum(by_name[name].score_s for name in cascade.cheap_names)
    expensive = by_name[MINILM].score if MINILM in by_name else None
    (predicted, mask), rest_s = _timed(_predict_cascade, cascade, cheap_logits, expensive, split.test_texts)
    setting = _ensemble_setting(cascade, models, mask, "validation")
    return _rows(split, "ensemble (ours)", "ours", predicted.astype(float), train_s, cheap_s + rest_s, 0.5, setting)


def _cross_fitted_ensemble(split: Split, models: list[_Model], metric, train_s: float) -> list[Row]:
    from sklearn.model_selection import StratifiedKFold

    began = time.perf_counter()
    refittable = [model for model in models if model.refit is not None]
    labels = split.train_labels
    held_out = {model.name: np.zeros(len(labels)) for model in refittable}
    for fit_rows, held_rows in StratifiedKFold(5, shuffle=True, random_state=0).split(labels, labels):
        for model in refittable:
            fitted = model.refit.fit(fit_rows)
            held_out[model.name][held_rows] = model.refit.training_probabilities(fitted, held_rows)
    cascade = fit_cascade({name: logit(values) for name, values in held_out.items()}, labels, metric, MINILM)
    every_row = np.arange(len(labels))
    by_name = {model.name: model for model in refittable}
    final = {name: by_name[name].refit.fit(every_row) for name in cascade.full.names}
    train_s += time.perf_counter() - began

    def score_expensive(texts):
        return by_name[MINILM].refit.score(final[MINILM], texts)

    def predict(texts):
        cheap_logits = {name: logit(by_name[name].refit.score(final[name], texts)) for name in cascade.cheap_names}
        return _predict_cascade(cascade, cheap_logits, score_expensive, texts)

    (predicted, mask), score_s = _timed(predict, split.test_texts)
    setting = _ensemble_setting(cascade, models, mask, "5-fold cross-fitted training predictions")
    return _rows(split, "ensemble (ours)", "ours", predicted.astype(float), train_s, score_s, 0.5, setting)


def _predict_cascade(cascade, cheap_logits, expensive_score, texts) -> tuple[np.ndarray, np.ndarray]:
    mask = cascade.needs_expensive(cheap_logits, len(texts))
    logits = dict(cheap_logits)
    if cascade.expensive in cascade.full.names:
        chosen = [texts[i] for i in np.flatnonzero(mask)]
        logits[cascade.expensive] = logit(expensive_score(chosen)) if chosen else np.zeros(0)
    return cascade.predict(logits, mask), mask


def _ensemble_setting(cascade, models: list[_Model], mask: np.ndarray, fitted_on: str) -> str:
    left_out = [model.name for model in models if model.name not in cascade.full.names]
    setting = f"stacked {', '.join(cascade.full.names)} on {fitted_on}"
    if left_out:
        setting += f"; left out: {', '.join(left_out)}"
    if cascade.expensive in cascade.full.names:
        setting += f"; MiniLM read {mask.mean():.0%} of test texts (margin {cascade.margin:g})"
    if cascade.cheap is None:
        return setting + f"; threshold {cascade.full.threshold:.3f}"
    return setting + f"; thresholds {cascade.cheap.threshold:.3f} without MiniLM, {cascade.full.threshold:.3f} with it"


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
        rows += run_split(split, not args.no_minilm)
    return rows
