"""Calibration on held-out data: temperature and label biases, review thresholds, spam auto-action.

``fit_bias_temperature`` is bias-corrected temperature scaling (BCTS; Alexandari, Kundaje &
Shrikumar, ICML 2020): ``p = softmax(z / T + b)``, one temperature and one bias per label, fitted
by negative log-likelihood. Plain temperature scaling fixes over-confidence; the biases also
correct the label-prior shift between training data (two-thirds complaints and heuristic
``other``) and the mentions the model serves. Fitted by likelihood, not by any accuracy metric.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifiers.metrics import precision_recall_at


def _nll(scores: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of labels ``y`` under ``softmax(scores)``."""
    z = scores - scores.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def fit_temperature(logits: np.ndarray, y_true: Sequence[int]) -> float:
    """The temperature minimising negative log-likelihood (golden-section search on log T)."""
    y = np.asarray(y_true)
    lo, hi = np.log(0.05), np.log(20.0)
    golden = (np.sqrt(5) - 1) / 2
    for _ in range(80):
        a = hi - golden * (hi - lo)
        b = lo + golden * (hi - lo)
        if _nll(logits / np.exp(a), y) < _nll(logits / np.exp(b), y):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))


def fit_bias_temperature(
    logits: np.ndarray, y_true: Sequence[int], ridge: float = 1e-3
) -> tuple[float, np.ndarray]:
    """``(T, b)`` minimising NLL of ``softmax(logits / T + b)``; ``b[-1]`` is fixed at 0.

    Softmax ignores a common shift, so one bias is pinned; a small ridge keeps a bias finite
    when a label is absent from ``y_true``. Starts from the plain temperature.
    """
    from scipy.optimize import minimize  # scipy comes with scikit-learn; imported when fitting

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y_true)

    def loss(theta: np.ndarray) -> float:
        scores = z / np.exp(theta[0]) + np.append(theta[1:], 0.0)
        return _nll(scores, y) + ridge * float(np.sum(theta[1:] ** 2))

    start = np.zeros(z.shape[1])
    start[0] = np.log(fit_temperature(z, y_true))
    result = minimize(loss, start, method="L-BFGS-B")
    theta = result.x if result.fun <= loss(start) else start
    return float(np.exp(theta[0])), np.append(theta[1:], 0.0)


def review_thresholds(
    probs: np.ndarray,
    y_true: Sequence[int],
    labels: Sequence[str],
    target_precision: float = 0.9,
    min_support: int = 20,
) -> dict[str, float]:
    """Per label, the lowest confidence at which its predictions reach the target precision.

    Predictions below their label's threshold are flagged ``needs_review``. A label whose
    predictions never reach the target gets threshold 1.0 (always reviewed).
    """
    y = np.asarray(y_true)
    pred = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    thresholds: dict[str, float] = {}
    for k, name in enumerate(labels):
        mine = pred == k
        scores, positive = conf[mine], (y[mine] == k)
        chosen = 1.0
        for t in np.unique(np.round(scores, 4)):
            precision, _, flagged = precision_recall_at(scores, positive, float(t))
            if flagged >= min_support and precision >= target_precision:
                chosen = float(t)
                break
        thresholds[name] = chosen
    return thresholds


def auto_action_threshold(
    spam_probs: np.ndarray,
    is_spam: np.ndarray,
    target_precision: float = 0.98,
    min_flagged: int = 50,
) -> float | None:
    """A spam-probability cut at which dev spam precision stays ≥ target at every higher cut.

    The lowest such item score is found, and the cut is put halfway from it to the next lower
    score: the same dev items are flagged, but an item's float noise (another thread count, the
    adapter merged or not) no longer moves it across the cut. Returns None when no cut reaches
    the target with at least ``min_flagged`` flagged items: the model then has no auto-action and
    says so.
    """
    # The probabilities themselves are the cuts (rounding them could put a cut above every
    # item, flag nothing and end the search at once).
    candidates = np.unique(np.asarray(spam_probs, dtype=np.float64))[::-1]
    best: int | None = None
    for i, t in enumerate(candidates):
        precision, _, flagged = precision_recall_at(spam_probs, is_spam, float(t))
        if precision < target_precision:
            break
        if flagged >= min_flagged:
            best = i
    if best is None:
        return None
    if best + 1 == len(candidates):
        return float(candidates[best])
    return float(candidates[best] + candidates[best + 1]) / 2
