"""Dev scored with its texts changed the way mentions from other places arrive.

Forum posts, reviews and Discord messages do not start with ``@brand``, and people in chat
often ask without a question mark. Each change below is applied to every text and the model is
scored exactly as ``evaluate`` scores it, so the figures sit beside the card's main one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from classifiers.augment import strip_leading_handles, strip_question_marks
from classifiers.data import Example
from classifiers.evaluate import evaluate
from classifiers.protocol import Classifier


def unpunctuated(text: str) -> str:
    """``text`` without question and exclamation marks (unchanged if nothing would remain)."""
    stripped = strip_question_marks(text).replace("!", "").strip()
    return stripped or text


CHANGES: dict[str, Callable[[str], str]] = {
    "handle_free": strip_leading_handles,
    "unpunctuated": unpunctuated,
}


def changed_macro_f1(
    model: Classifier, examples: Sequence[Example], change: Callable[[str], str]
) -> float:
    """Macro-F1 on ``examples`` with ``change`` applied to every text, scored as ``evaluate``."""
    changed = [dataclasses.replace(ex, text=change(ex.text)) for ex in examples]
    score: float = evaluate(model, changed)["macro_f1"]
    return score


def robustness(model: Classifier, examples: Sequence[Example]) -> dict[str, float]:
    """Macro-F1 under each of ``CHANGES``, by name."""
    return {name: changed_macro_f1(model, examples, change) for name, change in CHANGES.items()}
