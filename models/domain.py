"""Domain types shared by every layer: labels and classifier predictions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Label(enum.StrEnum):
    """What a mention is.

    Precedence when several apply: spam > complaint > question > praise > other.
    """

    SPAM = "spam"
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    OTHER = "other"


LABELS: tuple[Label, ...] = tuple(Label)


@dataclass(frozen=True, slots=True)
class Prediction:
    """One classified text.

    ``probabilities`` are calibrated and sum to 1. ``needs_review`` is set when the winning
    probability is below that label's threshold. ``auto_action`` is only ever true for spam above
    the model's auto-action threshold (and only when the model has one).
    """

    label: Label
    confidence: float
    probabilities: dict[Label, float] = field(repr=False)
    needs_review: bool
    auto_action: bool
    model_version: str

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label.value,
            "confidence": round(self.confidence, 6),
            "probabilities": {k.value: round(v, 6) for k, v in self.probabilities.items()},
            "needs_review": self.needs_review,
            "auto_action": self.auto_action,
            "model_version": self.model_version,
        }
