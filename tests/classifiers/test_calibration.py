"""Temperature scaling, review thresholds, spam auto-action threshold and the metrics they use."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.calibration import auto_action_threshold, fit_temperature, review_thresholds
from classifiers.metrics import confusion, expected_calibration_error, macro_f1, per_class
from classifiers.predictions import softmax


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


def test_auto_action_threshold_reaches_the_precision_target() -> None:
    rng = np.random.default_rng(2)
    is_spam = rng.random(2000) < 0.3
    scores = np.where(is_spam, rng.beta(8, 1, 2000), rng.beta(1, 8, 2000))
    t = auto_action_threshold(scores, is_spam, target_precision=0.98)
    assert t is not None
    flagged = scores >= t
    assert (is_spam & flagged).sum() / flagged.sum() >= 0.98


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
