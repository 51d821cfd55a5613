"""Dev scored with its texts changed the way mentions from other places arrive.

Forum posts, reviews and Discord messages do not start with ``@brand``, people in chat often
ask without a question mark, and spam that reaches a brand-mention inbox is usually addressed to
the brand (train's spam never is). Each change below is applied to every text and the model is
scored exactly as ``evaluate`` scores it, so the figures sit beside the card's main one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from classifiers.augment import starts_with_handle, strip_leading_handles, strip_question_marks
from classifiers.data import Example
from classifiers.evaluate import evaluate
from classifiers.protocol import Classifier


def unpunctuated(text: str) -> str:
    """``text`` without question and exclamation marks (unchanged if nothing would remain)."""
    stripped = strip_question_marks(text).replace("!", "").strip()
    return stripped or text


def addressed(text: str) -> str:
    """``text`` as a reply to the brand: ``@brand`` put in front unless it starts with a handle."""
    return text if starts_with_handle(text) else f"@brand {text}"


CHANGES: dict[str, Callable[[str], str]] = {
    "handle_free": strip_leading_handles,
    "unpunctuated": unpunctuated,
    "addressed": addressed,
}


def changed_report(
    model: Classifier, examples: Sequence[Example], change: Callable[[str], str]
) -> dict[str, Any]:
    """``evaluate``'s report on ``examples`` with ``change`` applied to every text."""
    return evaluate(model, [dataclasses.replace(ex, text=change(ex.text)) for ex in examples])


def robustness(model: Classifier, examples: Sequence[Example]) -> dict[str, dict[str, Any]]:
    """``evaluate``'s report under each of ``CHANGES``, by name."""
    return {name: changed_report(model, examples, change) for name, change in CHANGES.items()}
