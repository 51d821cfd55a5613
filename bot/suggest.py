"""The suggestion seam: the pipeline asks a ``Suggester`` for reply suggestions per mention.

The playbook engine (``playbooks``) plugs in here from the composition root; until then, and
whenever suggestions are switched off, ``NoSuggestions`` is used. A suggester that fails for a
mention does not hold it up: the mention goes to chat without suggestions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from models.domain import MentionRecord, NewSuggestion, Prediction


class Suggester(Protocol):
    async def suggest(
        self, mention: MentionRecord, prediction: Prediction | None
    ) -> list[NewSuggestion]:
        """Ranked suggestions for ``mention`` (``prediction`` None: it could not be classified).

        Must be quick or yield to the event loop (run CPU-heavy work in a thread)."""
        ...

    async def suggest_many(
        self, items: Sequence[tuple[MentionRecord, Prediction | None]]
    ) -> list[list[NewSuggestion]]:
        """``suggest`` for a batch, in order (one embedding pass for the batch)."""
        ...


class NoSuggestions:
    """The default: suggests nothing; humans write the reply."""

    async def suggest(
        self, mention: MentionRecord, prediction: Prediction | None
    ) -> list[NewSuggestion]:
        return []

    async def suggest_many(
        self, items: Sequence[tuple[MentionRecord, Prediction | None]]
    ) -> list[list[NewSuggestion]]:
        return [[] for _ in items]
