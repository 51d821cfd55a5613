"""Classification metrics: per-class P/R/F1, macro-F1, confusion matrix, calibration error."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


def confusion(y_true: Sequence[int], y_pred: Sequence[int], n: int) -> np.ndarray:
    """Rows are true labels, columns predicted labels."""
    matrix = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[t, p] += 1
    return matrix


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


def per_class(matrix: np.ndarray) -> list[ClassScores]:
    scores = []
    for k in range(matrix.shape[0]):
        tp = float(matrix[k, k])
        precision = _ratio(tp, float(matrix[:, k].sum()))
        recall = _ratio(tp, float(matrix[k, :].sum()))
        f1 = _ratio(2 * precision * recall, precision + recall)
        scores.append(ClassScores(precision, recall, f1, int(matrix[k, :].sum())))
    return scores


def macro_f1(y_true: Sequence[int], y_pred: Sequence[int], n: int) -> float:
    """Mean F1 over the classes present in ``y_true`` (absent classes would score a spurious 0)."""
    scores = per_class(confusion(y_true, y_pred, n))
    present = [s.f1 for s in scores if s.support > 0]
    return float(np.mean(present)) if present else 0.0


def expected_calibration_error(probs: np.ndarray, y_true: Sequence[int], bins: int = 15) -> float:
    """Top-label ECE with equal-width confidence bins."""
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == np.asarray(y_true)).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        in_bin = (conf > lo) & (conf <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - conf[in_bin].mean())
    return float(ece)


def precision_recall_at(
    scores: np.ndarray, positive: np.ndarray, threshold: float
) -> tuple[float, float, int]:
    """Precision and recall of ``scores >= threshold`` as a detector of ``positive``."""
    flagged = scores >= threshold
    tp = float((flagged & positive).sum())
    return _ratio(tp, float(flagged.sum())), _ratio(tp, float(positive.sum())), int(flagged.sum())
