"""Stacking of sentiment models: which models to combine, their weights and a threshold.

Every choice is made on log-odds for texts that the models were not trained on: a
validation split, or cross-fitted predictions for the whole training part. Models
are added one at a time, each time the one that raises the cross-validated score
most, and only while the score rises. So a model that reads at chance level
(the Word2Vec + CNN on a few hundred sentences) is left out, and a model that is
left out costs nothing when scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

# Folds and repeats of the cross-validation on the validation split. Repeats with
# other shuffles keep one lucky fold split from deciding on a few hundred texts.
FOLDS = 5
REPEATS = 5
THRESHOLDS = np.linspace(0.05, 0.95, 37)
_EPSILON = 1e-6

Metric = Callable[[np.ndarray, np.ndarray], float]


def logit(probabilities: np.ndarray) -> np.ndarray:
    """Return the log-odds of probabilities clipped to [1e-6, 1 - 1e-6]."""
    values = np.asarray(probabilities, dtype=np.float64)
    clipped = np.clip(values, _EPSILON, 1 - _EPSILON)
    return np.log(clipped / (1 - clipped))


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Return the share of predictions equal to the labels."""
    return float(np.mean(np.asarray(labels) == np.asarray(predicted)))


def macro_f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Return the mean of the F1 scores of class 1 and class 0."""
    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    scores = []
    for positive in (1, 0):
        true_positives = np.sum((predicted == positive) & (labels == positive))
        false_positives = np.sum((predicted == positive) & (labels != positive))
        false_negatives = np.sum((predicted != positive) & (labels == positive))
        denominator = 2 * true_positives + false_positives + false_negatives
        scores.append(2 * true_positives / max(denominator, 1))
    return float(np.mean(scores))


@dataclass
class Stack:
    """Logistic regression over the log-odds of the chosen models."""

    names: list[str]
    weights: np.ndarray
    bias: float
    threshold: float
    validation_score: float

    def probabilities(self, logits: Mapping[str, np.ndarray]) -> np.ndarray:
        """Combine each chosen model's log-odds (name -> array) into P(positive)."""
        columns = np.column_stack(
            [np.asarray(logits[name], dtype=np.float64) for name in self.names]
        )
        return 1.0 / (1.0 + np.exp(-(columns @ self.weights + self.bias)))

    def predict(self, logits: Mapping[str, np.ndarray]) -> np.ndarray:
        """Return 1 (positive) or 0 per text, at the threshold chosen on validation."""
        return (self.probabilities(logits) >= self.threshold).astype(np.int64)


def best_threshold(
    labels: np.ndarray, probabilities: np.ndarray, metric: Metric
) -> float:
    """Return the threshold in 0.05–0.95 (steps of 0.025) that scores best."""
    scores = [
        metric(labels, (probabilities >= threshold).astype(np.int64))
        for threshold in THRESHOLDS
    ]
    return float(THRESHOLDS[int(np.argmax(scores))])


@dataclass
class _Logistic:
    weights: np.ndarray
    bias: float

    def probabilities(self, columns: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(columns @ self.weights + self.bias)))


def _fit(
    columns: np.ndarray, labels: np.ndarray, strength: float = 1.0, steps: int = 50
) -> _Logistic:
    """Fit L2 logistic regression with balanced class weights by Newton's method.

    The objective is scikit-learn's LogisticRegression(C=strength,
    class_weight="balanced"): the bias is not penalised. With a handful of columns
    this takes a millisecond, where scikit-learn's checks cost about 50 ms a fit,
    and stacking runs a few hundred fits.
    """
    rows, width = columns.shape
    design = np.column_stack([columns, np.ones(rows)])
    counts = np.bincount(labels, minlength=2)
    sample_weights = strength * rows / (2.0 * counts[labels])
    penalty = np.ones(width + 1)
    penalty[-1] = 0.0
    parameters = np.zeros(width + 1)
    for _ in range(steps):
        probabilities = 1.0 / (1.0 + np.exp(-(design @ parameters)))
        residuals = sample_weights * (probabilities - labels)
        gradient = design.T @ residuals + penalty * parameters
        curvature = sample_weights * probabilities * (1.0 - probabilities)
        hessian = (design * curvature[:, None]).T @ design
        hessian += np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        parameters -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return _Logistic(weights=parameters[:-1], bias=float(parameters[-1]))


def _folds(labels: np.ndarray) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Return REPEATS shuffles of stratified k-fold (fit part, held-out part) pairs."""
    from sklearn.model_selection import StratifiedKFold

    smaller_class = int(min(np.sum(labels == 1), np.sum(labels == 0)))
    folds = min(FOLDS, smaller_class)
    if folds < 2:
        raise ValueError("stacking needs at least 2 validation texts of each class")
    splitters = [
        StratifiedKFold(folds, shuffle=True, random_state=repeat)
        for repeat in range(REPEATS)
    ]
    return [list(splitter.split(labels, labels)) for splitter in splitters]


def _fit_with_threshold(
    columns: np.ndarray, labels: np.ndarray, metric: Metric
) -> tuple[_Logistic, float]:
    classifier = _fit(columns, labels)
    fitted = classifier.probabilities(columns)
    return classifier, best_threshold(labels, fitted, metric)


def _distance(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """Return how far, in log-odds, each probability is from the threshold."""
    return np.abs(logit(probabilities) - logit(np.array([threshold]))[0])


def cross_validated_score(
    columns: np.ndarray, labels: np.ndarray, metric: Metric
) -> float:
    """Score stacking `columns` by repeated stratified k-fold on the validation split.

    The weights and the threshold are fitted on the training folds only, so the
    score is what a new text would get.
    """
    scores = []
    for repeat in _folds(labels):
        predicted = np.zeros(len(labels), dtype=np.int64)
        for fit_part, held_out in repeat:
            classifier, threshold = _fit_with_threshold(
                columns[fit_part], labels[fit_part], metric
            )
            held_out_probabilities = classifier.probabilities(columns[held_out])
            predicted[held_out] = held_out_probabilities >= threshold
        scores.append(metric(labels, predicted))
    return float(np.mean(scores))


def fit_stack(
    validation_logits: Mapping[str, np.ndarray],
    labels: np.ndarray,
    metric: Metric,
) -> Stack:
    """Choose models by forward selection on validation, then fit weights and threshold.

    Args:
        validation_logits: model name -> log-odds of P(positive) on the validation
            texts, each of shape (len(labels),).
        labels: 1 positive, 0 negative, per validation text.
        metric: `accuracy` or `macro_f1`; higher is better.

    Raises:
        ValueError: no models, or fewer than 2 validation texts of a class.
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    if not validation_logits:
        raise ValueError("stacking needs at least one model")
    labels = np.asarray(labels, dtype=np.int64)
    # The matrices are a few columns wide; a second BLAS thread only spins.
    with threadpool_limits(1, "blas"):
        return _fit_stack(validation_logits, labels, metric)


def _fit_stack(validation_logits, labels: np.ndarray, metric: Metric) -> Stack:
    chosen: list[str] = []
    best_score = -np.inf
    remaining = list(validation_logits)
    while remaining:
        trials = {}
        for name in remaining:
            trial = (*chosen, name)
            columns = np.column_stack([validation_logits[n] for n in trial])
            trials[name] = cross_validated_score(columns, labels, metric)
        name = max(trials, key=trials.get)
        if trials[name] <= best_score:
            break
        chosen.append(name)
        remaining.remove(name)
        best_score = trials[name]

    columns = np.column_stack([validation_logits[name] for name in chosen])
    classifier, threshold = _fit_with_threshold(columns, labels, metric)
    return Stack(
        names=chosen,
        weights=classifier.weights,
        bias=classifier.bias,
        threshold=threshold,
        validation_score=best_score,
    )


# Cascade: the slow model reads only the texts the other models are unsure of

# Distances in log-odds from the threshold of the stack without the slow model.
MARGINS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


@dataclass
class Cascade:
    """A stack whose slowest model reads only the texts the others are unsure of.

    A text goes to the `full` stack when the log-odds of the `cheap` stack lie
    within `margin` of its threshold, and is decided by the `cheap` stack
    otherwise. Without a cheap stack every text goes to the full stack.
    """

    full: Stack
    cheap: Stack | None
    margin: float
    expensive: str | None
    validation_score: float
    expensive_share: float

    @property
    def cheap_names(self) -> list[str]:
        """The chosen models that read every text."""
        return [name for name in self.full.names if name != self.expensive]

    def needs_expensive(
        self, cheap_logits: Mapping[str, np.ndarray], size: int
    ) -> np.ndarray:
        """Return a boolean mask of the `size` texts that the slow model has to read."""
        if self.expensive not in self.full.names:
            return np.zeros(size, dtype=bool)
        if self.cheap is None:
            return np.ones(size, dtype=bool)
        probabilities = self.cheap.probabilities(cheap_logits)
        return _distance(probabilities, self.cheap.threshold) < self.margin

    def predict(
        self, logits: Mapping[str, np.ndarray], mask: np.ndarray
    ) -> np.ndarray:
        """Return 1 or 0 per text.

        Args:
            logits: each chosen model's log-odds for every text, except the slow
                model's, which covers only the texts where `mask` is True.
            mask: the result of `needs_expensive`.
        """
        if self.cheap is None:
            return self.full.predict(logits)
        mask = np.asarray(mask, dtype=bool)
        predicted = self.cheap.predict(logits)
        if mask.any():
            subset = {
                name: np.asarray(logits[name])[mask] for name in self.cheap_names
            }
            subset[self.expensive] = logits[self.expensive]
            predicted[mask] = self.full.predict(subset)
        return predicted


def fit_cascade(
    logits: Mapping[str, np.ndarray],
    labels: np.ndarray,
    metric: Metric,
    expensive: str,
) -> Cascade:
    """Fit a stack, then the narrowest band of unsure texts that keeps its score.

    The full stack is chosen as in `fit_stack`. When it uses the `expensive` model
    and at least one other, the smallest of MARGINS whose cross-validated score is
    at least the full stack's under the same folds is kept, so the slow model
    reads as few texts as the validation split allows. `logits` are as in
    `fit_stack`.

    Raises:
        ValueError: as `fit_stack`.
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    full = fit_stack(logits, labels, metric)
    if expensive not in full.names or len(full.names) == 1:
        share = 1.0 if expensive in full.names else 0.0
        return Cascade(full, None, np.inf, expensive, full.validation_score, share)

    labels = np.asarray(labels, dtype=np.int64)
    cheap_names = [name for name in full.names if name != expensive]
    with threadpool_limits(1, "blas"):
        scores = _cascade_scores(logits, labels, metric, cheap_names, full.names)
        keeping = [m for m in (*MARGINS, np.inf) if scores[m] >= scores[np.inf]]
        margin = min(keeping)
        cheap_columns = np.column_stack([logits[name] for name in cheap_names])
        classifier, threshold = _fit_with_threshold(cheap_columns, labels, metric)
    cheap = Stack(
        cheap_names, classifier.weights, classifier.bias, threshold, float("nan")
    )
    cascade = Cascade(full, cheap, margin, expensive, scores[margin], 0.0)
    mask = cascade.needs_expensive(logits, len(labels))
    cascade.expensive_share = float(np.mean(mask))
    return cascade


def _cascade_scores(
    logits, labels, metric, cheap_names, full_names
) -> dict[float, float]:
    cheap_columns = np.column_stack([logits[name] for name in cheap_names])
    full_columns = np.column_stack([logits[name] for name in full_names])
    margins = (*MARGINS, np.inf)
    totals = dict.fromkeys(margins, 0.0)
    repeats = _folds(labels)
    for repeat in repeats:
        predictions = {m: np.zeros(len(labels), dtype=np.int64) for m in margins}
        for fit_part, held_out in repeat:
            fit_labels = labels[fit_part]
            cheap, cheap_threshold = _fit_with_threshold(
                cheap_columns[fit_part], fit_labels, metric
            )
            full, full_threshold = _fit_with_threshold(
                full_columns[fit_part], fit_labels, metric
            )
            cheap_probabilities = cheap.probabilities(cheap_columns[held_out])
            distance = _distance(cheap_probabilities, cheap_threshold)
            cheap_predicted = cheap_probabilities >= cheap_threshold
            full_probabilities = full.probabilities(full_columns[held_out])
            full_predicted = full_probabilities >= full_threshold
            for margin in margins:
                chosen = np.where(distance < margin, full_predicted, cheap_predicted)
                predictions[margin][held_out] = chosen
        for margin in margins:
            totals[margin] += metric(labels, predictions[margin])
    return {margin: total / len(repeats) for margin, total in totals.items()}
