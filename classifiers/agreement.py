"""How closely a candidate inference path (e.g. ONNX int8) follows the reference (torch fp32)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from classifiers.data import Example
from classifiers.metrics import macro_f1
from classifiers.predictions import calibrated
from classifiers.protocol import Classifier

MAX_F1_DRIFT = 0.005  # acceptance bound for shipping a faster path


@dataclass(frozen=True)
class Agreement:
    n: int
    argmax_agreement: float  # share of texts where both paths pick the same label
    reference_macro_f1: float
    candidate_macro_f1: float
    macro_f1_drift: float  # candidate - reference
    max_abs_prob_diff: float  # over every text and label, calibrated probabilities
    mean_abs_prob_diff: float

    def acceptable(self, max_f1_drift: float = MAX_F1_DRIFT) -> bool:
        return abs(self.macro_f1_drift) <= max_f1_drift

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"n={self.n} argmax agreement={self.argmax_agreement:.4f} "
            f"macro-F1 {self.reference_macro_f1:.4f} -> {self.candidate_macro_f1:.4f} "
            f"(drift {self.macro_f1_drift:+.4f}) "
            f"max |Δp|={self.max_abs_prob_diff:.4f} mean |Δp|={self.mean_abs_prob_diff:.5f}"
        )


def compare(
    reference: Classifier,
    candidate: Classifier,
    examples: Sequence[Example],
    batch_size: int = 32,
) -> Agreement:
    """Classify ``examples`` with both models and compare labels, macro-F1 and probabilities."""
    if not examples:
        raise ValueError("compare needs at least one example")
    labels = list(reference.config.labels)
    if list(candidate.config.labels) != labels:
        raise ValueError(f"label sets differ: {labels} vs {candidate.config.labels}")
    texts = [ex.text for ex in examples]
    y = [labels.index(ex.label.value) for ex in examples]
    ref = calibrated(reference.config, reference.logits(texts, batch_size))
    cand = calibrated(candidate.config, candidate.logits(texts, batch_size))
    ref_pred, cand_pred = ref.argmax(axis=1), cand.argmax(axis=1)
    ref_f1 = macro_f1(y, ref_pred.tolist(), len(labels))
    cand_f1 = macro_f1(y, cand_pred.tolist(), len(labels))
    diff = np.abs(ref - cand)
    return Agreement(
        n=len(examples),
        argmax_agreement=float(np.mean(ref_pred == cand_pred)),
        reference_macro_f1=ref_f1,
        candidate_macro_f1=cand_f1,
        macro_f1_drift=cand_f1 - ref_f1,
        max_abs_prob_diff=float(diff.max()),
        mean_abs_prob_diff=float(diff.mean()),
    )
