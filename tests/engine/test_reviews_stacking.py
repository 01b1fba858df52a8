"""Stacking of sentiment models: forward selection, weights, threshold and metrics."""

from __future__ import annotations

import numpy as np
import pytest

from engine.reviews import stacking


def _labels_and_signals(size: int = 400, seed: int = 0):
    generator = np.random.default_rng(seed)
    labels = generator.integers(0, 2, size)
    signed = np.where(labels == 1, 1.0, -1.0)
    strong = 2.0 * signed + generator.normal(size=size)
    weak = 0.7 * signed + generator.normal(size=size)
    noise = generator.normal(size=size)
    return labels, {"strong": strong, "weak": weak, "noise": noise}


def test_macro_f1_one_class_prediction():
    labels = np.array([1, 1, 1, 0])
    assert stacking.accuracy(labels, np.ones(4)) == 0.75
    assert stacking.macro_f1(labels, np.ones(4)) == pytest.approx((6 / 7 + 0) / 2)


def test_stack_leaves_out_noise():
    labels, signals = _labels_and_signals()
    stack = stacking.fit_stack(signals, labels, stacking.accuracy)
    assert stack.names[0] == "strong"
    assert "noise" not in stack.names


def test_stack_adds_helpful_model():
    labels, signals = _labels_and_signals(size=2000)
    pair = {"strong": signals["strong"], "weak": signals["weak"]}
    stack = stacking.fit_stack(pair, labels, stacking.accuracy)
    assert stack.names == ["strong", "weak"]
    assert np.all(stack.weights > 0)


def test_stack_predicts_new_texts():
    labels, signals = _labels_and_signals(seed=1)
    stack = stacking.fit_stack(signals, labels, stacking.macro_f1)
    new_labels, new_signals = _labels_and_signals(seed=2)
    predicted = stack.predict(new_signals)
    assert stacking.accuracy(new_labels, predicted) > 0.9
    assert 0.2 <= stack.threshold <= 0.8


def test_stack_rejects_one_class():
    with pytest.raises(ValueError):
        labels = np.array([1] * 9 + [0])
        stacking.fit_stack({"model": np.zeros(10)}, labels, stacking.accuracy)


def test_logit_clips_certain_probabilities():
    values = stacking.logit(np.array([0.0, 0.5, 1.0]))
    assert np.all(np.isfinite(values))
    assert values[1] == 0.0


def test_fit_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    labels, signals = _labels_and_signals(size=300)
    labels[:100] = 1
    columns = np.column_stack([signals["strong"], signals["weak"], signals["noise"]])
    fitted = stacking._fit(columns, labels)
    reference = LogisticRegression(
        C=1.0, class_weight="balanced", tol=1e-10, max_iter=1000
    )
    reference.fit(columns, labels)
    np.testing.assert_allclose(fitted.weights, reference.coef_[0], rtol=1e-5)
    assert fitted.bias == pytest.approx(reference.intercept_[0], rel=1e-5)


def test_cascade_sends_unsure_texts_to_slow_model():
    generator = np.random.default_rng(3)
    labels = generator.integers(0, 2, 3000)
    signed = np.where(labels == 1, 1.0, -1.0)
    cheap = 2.0 * signed + generator.normal(size=3000)
    slow = 1.0 * signed + generator.normal(size=3000)
    logits = {"cheap": cheap, "slow": slow}
    cascade = stacking.fit_cascade(logits, labels, stacking.accuracy, "slow")
    assert set(cascade.full.names) == {"slow", "cheap"}
    assert 0.0 < cascade.expensive_share < 0.5

    new_labels = generator.integers(0, 2, 4000)
    new_signed = np.where(new_labels == 1, 1.0, -1.0)
    new_cheap = 2.0 * new_signed + generator.normal(size=4000)
    new_slow = 1.0 * new_signed + generator.normal(size=4000)
    mask = cascade.needs_expensive({"cheap": new_cheap}, 4000)
    assert mask.mean() < 0.5
    predicted = cascade.predict({"cheap": new_cheap, "slow": new_slow[mask]}, mask)
    full = cascade.full.predict({"cheap": new_cheap, "slow": new_slow})
    cheap_only = stacking.accuracy(new_labels, (new_cheap > 0).astype(int))
    assert stacking.accuracy(new_labels, predicted) > cheap_only
    full_accuracy = stacking.accuracy(new_labels, full)
    assert stacking.accuracy(new_labels, predicted) >= full_accuracy - 0.005


def test_cascade_without_slow_model():
    labels, signals = _labels_and_signals()
    strong = {"strong": signals["strong"]}
    cascade = stacking.fit_cascade(strong, labels, stacking.accuracy, "slow")
    mask = cascade.needs_expensive(strong, len(labels))
    assert not mask.any()
    assert cascade.expensive_share == 0.0
    predicted = cascade.predict(strong, mask)
    np.testing.assert_array_equal(predicted, cascade.full.predict(signals))
