"""The ``ChatAdapter`` seam: post a review card, update it, and hand decisions back.

An adapter only translates: ``Card`` → platform message, platform button/command → a call to the
``DecisionHandler`` it was given. Platform objects never leave the adapter. Each call does one
round-trip and raises ``TransientError`` (429, 5xx, timeouts; ``retry_after`` when the platform
says) or ``PermanentError``; retrying is the caller's business (``bot.retry``).

Posting is not idempotent on chat platforms (Slack's ``chat.postMessage`` has no idempotency
key), so adapters that can should implement ``find_card``: look the card up at the far end by
the mention id they attached to it (Slack: message metadata). The relay calls it before posting
again whenever an earlier attempt may have reached the platform.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.chat.card import Card, MessageRef
from bot.decisions import Actor, DecisionRequest
from models.domain import DecisionRecord


class DecisionHandler(Protocol):
    """What an adapter calls when a human acts on a card (``bot.decisions.DecisionService``)."""

    async def decide(self, actor: Actor, request: DecisionRequest) -> DecisionRecord: ...


class ChatAdapter(ABC):
    """One chat platform. Used as ``async with adapter:``; ``name`` keys its cards in the store."""

    name: str

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @abstractmethod
    async def post_card(self, card: Card) -> MessageRef:
        """Post a new card (in ``card.thread`` if set); returns where it landed."""

    @abstractmethod
    async def update_card(self, ref: MessageRef, card: Card) -> None:
        """Replace the card at ``ref`` with ``card``'s current state."""

    async def find_card(self, card: Card, since: datetime) -> MessageRef | None:
        """The card already posted for ``card.mention_id`` since ``since``, if the platform can
        tell; None means "not found" or "cannot look up" (then a retry may post twice)."""
        return None
