"""Training-time augmentation: the same mentions without their leading @-handles.

In train, almost every complaint, question and praise is a tweet that starts with the brand's
handle (airline 97 %, complaints19 68 %), while the spam sources never do (SMS, YouTube: 0 %).
A model can learn "no leading handle → spam or other" instead of reading the text. mentionbot
also ingests forum posts, reviews and Discord messages, which do not start with a handle, and so
do dev's French tweets about Free: the first shipped models sent most French complaints to
``spam`` or ``other``.

Each epoch, every example is shown without its leading handles with probability ``rate`` (a
fresh draw per epoch), so the label has to come from what the text says. Handles inside the text
are kept, and a text that is nothing but handles is left as it is.

The same holds for question marks. The heuristic that labelled train's neutral tweets made
every ``question`` contain a ``?`` and almost no ``other`` contain one, so a model can learn
"``?`` → question" instead of reading the request; people in chat and on forums often ask
without one. ``question_mark_free_variants`` shows a share of the texts without ``?``/``¿``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

_LEADING_HANDLES = re.compile(r"^\s*(?:\.?@\w+[:,]?\s*)+")
_QUESTION_MARKS = re.compile(r"\s*[?¿？]+")


def strip_leading_handles(text: str) -> str:
    """``text`` without the @-handles it starts with (unchanged if nothing would remain)."""
    stripped = _LEADING_HANDLES.sub("", text, count=1)
    return stripped if stripped.strip() else text


def starts_with_handle(text: str) -> bool:
    """Whether ``text`` opens with the @-handles that ``strip_leading_handles`` removes."""
    return _LEADING_HANDLES.match(text) is not None


def strip_question_marks(text: str) -> str:
    """``text`` without ``?``, ``¿`` and ``？`` (unchanged if nothing would remain)."""
    stripped = _QUESTION_MARKS.sub("", text).strip()
    return stripped if stripped else text


def handle_free_variants(texts: Sequence[str], rate: float, rng: random.Random) -> list[str]:
    """One epoch's texts: each without its leading handles with probability ``rate``."""
    return _variants(texts, rate, rng, strip_leading_handles)


def question_mark_free_variants(texts: Sequence[str], rate: float, rng: random.Random) -> list[str]:
    """One epoch's texts: each without its question marks with probability ``rate``."""
    return _variants(texts, rate, rng, strip_question_marks)


def _variants(
    texts: Sequence[str], rate: float, rng: random.Random, change: Callable[[str], str]
) -> list[str]:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be within [0, 1], not {rate}")
    if rate == 0.0:
        return list(texts)
    return [change(t) if rng.random() < rate else t for t in texts]
