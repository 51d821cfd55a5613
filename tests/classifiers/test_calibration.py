"""Temperature scaling, review thresholds, spam auto-action threshold and the metrics they use."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.calibration import (
    auto_action_threshold,
    fit_bias_temperature,
    fit_temperature,
    review_thresholds,
)
from classifiers.config import ClassifierConfig
from classifiers.metrics import confusion, expected_calibration_error, macro_f1, per_class
from classifiers.predictions import calibrated, softmax


def _sample(rng: np.random.Generator, n: int, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose labels are drawn from softmax(logits / temperature)."""
    logits = rng.normal(0, 3, size=(n, 5))
    probs = softmax(logits / temperature)
    y = np.array([rng.choice(5, p=row) for row in probs])
    return logits, y


def test_fit_temperature_recovers_the_true_temperature() -> None:
    logits, y = _sample(np.random.default_rng(0), 6000, temperature=2.5)
    assert fit_temperature(logits, y) == pytest.approx(2.5, rel=0.1)


def test_calibrated_probabilities_have_low_ece_and_raw_ones_do_not() -> None:
    logits, y = _sample(np.random.default_rng(1), 6000, temperature=3.0)
    assert expected_calibration_error(softmax(logits), y) > 0.1
    t = fit_temperature(logits, y)
    assert expected_calibration_error(softmax(logits / t), y) < 0.03


def test_bias_temperature_recovers_a_shifted_label_prior() -> None:
    """Labels drawn from softmax(z / 2 + b): the fit finds T and b (b relative to the last)."""
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 3, size=(8000, 5))
    true_bias = np.array([0.8, -0.6, 0.0, -1.0, 0.0])
    probs = softmax(logits / 2.0 + true_bias)
    y = np.array([rng.choice(5, p=row) for row in probs])
    t, b = fit_bias_temperature(logits, y)
    assert t == pytest.approx(2.0, rel=0.1)
    assert b == pytest.approx(true_bias, abs=0.15)
    plain = softmax(logits / fit_temperature(logits, y))
    shifted = softmax(logits / t + b)
    rows = np.arange(len(y))
    assert -np.log(shifted[rows, y]).mean() < -np.log(plain[rows, y]).mean() - 0.02


def test_bias_temperature_with_no_shift_keeps_biases_near_zero() -> None:
    logits, y = _sample(np.random.default_rng(4), 6000, temperature=1.5)
    _, b = fit_bias_temperature(logits, y)
    assert np.abs(b).max() < 0.15


def test_saved_biases_are_applied_after_the_temperature() -> None:
    config = ClassifierConfig(temperature=2.0, biases={"praise": -1.0, "spam": 0.5})
    logits = np.array([[1.0, 2.0, 0.0, 3.0, 0.0]])  # spam complaint question praise other
    expected = softmax(logits / 2.0 + np.array([0.5, 0.0, 0.0, -1.0, 0.0]))
    assert calibrated(config, logits) == pytest.approx(expected)
    assert calibrated(ClassifierConfig(temperature=2.0), logits) == pytest.approx(
        softmax(logits / 2.0)
    )  # a model saved before biases existed loads with none


def test_auto_action_threshold_is_found_when_the_top_score_would_round_up() -> None:
    """Regression: cuts were rounded to 4 decimals, so a top score of 0.95706 became a cut of
    0.9571 that flagged nothing, and the search stopped there with no threshold at all."""
    spam = np.linspace(0.95706, 0.60001, 120)
    ham = np.array([0.3, 0.2, 0.1] * 40)
    scores = np.concatenate([spam, ham])
    is_spam = np.concatenate([np.ones(120, bool), np.zeros(120, bool)])
    t = auto_action_threshold(scores, is_spam)
    assert t is not None
    assert 0.3 < t <= 0.60001  # every spam flagged, no ham


def test_auto_action_threshold_reaches_the_precision_target() -> None:
    rng = np.random.default_rng(2)
    is_spam = rng.random(2000) < 0.3
    scores = np.where(is_spam, rng.beta(8, 1, 2000), rng.beta(1, 8, 2000))
    t = auto_action_threshold(scores, is_spam, target_precision=0.98)
    assert t is not None
    flagged = scores >= t
    assert (is_spam & flagged).sum() / flagged.sum() >= 0.98


def test_auto_action_cut_lies_halfway_to_the_next_score_so_noise_cannot_move_an_item() -> None:
    """The lowest qualifying score was the cut itself, so float noise between runs (another
    thread count, merged adapter) moved that item across it: the cut was chosen to flag 354 dev
    items, and the card and ``mentionbot evaluate`` of the same model counted 353."""
    spam = np.linspace(0.99, 0.70, 100)
    scores = np.concatenate([spam, [0.5] * 5])  # cutting at 0.5 would flag 5 ham: 0.95
    is_spam = np.concatenate([np.ones(100, bool), np.zeros(5, bool)])
    t = auto_action_threshold(scores, is_spam)
    assert t == pytest.approx(0.60)  # halfway between 0.70 (last spam) and 0.5 (first ham)
    nudged = scores - np.where(scores == scores[99], 1e-6, 0.0)  # the boundary item a hair lower
    assert ((nudged >= t) == (scores >= t)).all()


def test_auto_action_threshold_refuses_when_precision_is_unreachable() -> None:
    rng = np.random.default_rng(3)
    is_spam = rng.random(1000) < 0.5
    scores = rng.random(1000)  # no signal at all
    assert auto_action_threshold(scores, is_spam, target_precision=0.98) is None


def test_review_thresholds_flag_uncertain_labels() -> None:
    logits, y = _sample(np.random.default_rng(4), 4000, temperature=1.0)
    thresholds = review_thresholds(softmax(logits), y, ["a", "b", "c", "d", "e"], 0.9)
    assert set(thresholds) == {"a", "b", "c", "d", "e"}
    assert all(0.2 <= t <= 1.0 for t in thresholds.values())


def test_per_class_scores_and_macro_f1_on_a_known_case() -> None:
    y_true = [0, 0, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 0]
    matrix = confusion(y_true, y_pred, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    scores = per_class(matrix)
    assert scores[1].precision == pytest.approx(2 / 3) and scores[1].recall == 1.0
    assert scores[2].f1 == 0.0
    assert macro_f1(y_true, y_pred, 3) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    # a class absent from the truth does not drag the mean down
    assert macro_f1([0, 1], [0, 1], 5) == 1.0
