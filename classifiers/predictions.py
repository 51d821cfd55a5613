"""From logits to calibrated ``Prediction`` objects. NumPy only, shared by every inference path."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifiers.config import ClassifierConfig
from classifiers.text import is_blank
from models.domain import Label, Prediction


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    result: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return result


def calibrated(config: ClassifierConfig, logits: np.ndarray) -> np.ndarray:
    """Probabilities: ``softmax(logits / T + b)`` with the config's temperature and biases."""
    bias = np.array([config.biases.get(label, 0.0) for label in config.labels])
    return softmax(np.asarray(logits, dtype=np.float64) / config.temperature + bias)


def to_predictions(
    config: ClassifierConfig, texts: Sequence[str], logits: np.ndarray
) -> list[Prediction]:
    labels = [Label(name) for name in config.labels]
    spam = labels.index(Label.SPAM)
    auto = config.auto_action_threshold
    out = []
    for text, row in zip(texts, calibrated(config, logits), strict=True):
        best = int(row.argmax())
        label, confidence = labels[best], float(row[best])
        out.append(
            Prediction(
                label=label,
                confidence=confidence,
                probabilities={lab: float(p) for lab, p in zip(labels, row, strict=True)},
                needs_review=confidence < config.thresholds.get(label.value, 0.0) or is_blank(text),
                auto_action=auto is not None and label is Label.SPAM and float(row[spam]) >= auto,
                model_version=config.version,
            )
        )
    return out
