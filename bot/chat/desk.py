"""``CardDesk``: gets each mention's card into every chat adapter exactly once, then keeps it
current.

Relaying one mention to one adapter:

1. A card already recorded in the store (``get_card``) is updated, never posted again.
2. Otherwise, if an earlier attempt may have reached the platform — the mention was claimed
   before (a crashed or timed-out worker) or a post in this attempt failed — the adapter looks the
   card up at the far end (``find_card``); a card found is recorded and updated.
3. Otherwise the card is posted and its reference recorded at once (``upsert_card``).

The window left: a post that reaches the platform while the lookup of a later attempt cannot see
it yet. Leases (minutes) are far longer than one HTTP timeout, and in-process retries stop
before half the lease has passed, so a second worker only looks after the first has given up.
Adapters that cannot look up (``find_card`` returns None) may post twice after a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from bot.chat.base import ChatAdapter
from bot.chat.card import Card, MessageRef
from bot.metrics import Metrics
from bot.retry import Backoff, retrying
from models.domain import MentionHistory, MentionRecord
from models.store import Store
from models.store.base import utcnow

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=2)
"""Margin below ``received_at`` when searching the platform's history for a card."""


class CardDesk:
    def __init__(
        self,
        store: Store,
        adapters: Sequence[ChatAdapter],
        metrics: Metrics,
        backoff: Backoff,
        attempts: int,
        follow_up_window_s: float,
    ) -> None:
        self._store = store
        self.adapters = list(adapters)
        self._metrics = metrics
        self._backoff = backoff
        self._attempts = attempts
        self._window = timedelta(seconds=follow_up_window_s)

    async def relay(self, history: MentionHistory, *, maybe_posted: bool, budget: float) -> None:
        """Make sure every adapter shows the mention's card (see the module docstring).

        Raises TransientError / PermanentError from the adapter once retries (bounded by
        ``budget`` seconds of waiting) are used up.
        """
        for adapter in self.adapters:
            await self._ensure(adapter, history, maybe_posted, budget)

    async def refresh(self, mention_id: int, *, budget: float = 10.0) -> None:
        """Update the mention's existing cards to its current state (no new posts)."""
        history = await self._store.get_mention(mention_id)
        card = Card.from_history(history)
        for ref in history.cards:
            adapter = next((a for a in self.adapters if a.name == ref.adapter), None)
            if adapter is not None:
                await self._update(adapter, MessageRef(ref.channel, ref.message_ref), card, budget)

    async def _ensure(
        self, adapter: ChatAdapter, history: MentionHistory, maybe_posted: bool, budget: float
    ) -> None:
        mention = history.mention
        existing = next((c for c in history.cards if c.adapter == adapter.name), None)
        if existing is not None:
            card = Card.from_history(history)
            ref = MessageRef(existing.channel, existing.message_ref)
            await self._update(adapter, ref, card, budget)
            return
        card = Card.from_history(history, await self._thread(adapter, mention))
        look_first = maybe_posted
        started = time.monotonic()

        async def attempt(_: int) -> tuple[MessageRef, bool]:
            nonlocal look_first
            if look_first:
                found = await adapter.find_card(card, mention.received_at - CLOCK_SKEW)
                if found is not None:
                    return found, True
            look_first = True  # from here on, a failure may hide a post that went through
            return await adapter.post_card(card), False

        ref, found = await retrying(
            attempt, self._backoff, self._attempts, what=f"{adapter.name} post", budget=budget
        )
        await self._store.upsert_card(mention.id, adapter.name, ref.channel, ref.message_id)
        self._metrics.relayed.labels(adapter.name, "found" if found else "posted").inc()
        log.info(
            "card found after an interrupted attempt" if found else "card posted",
            extra={"mention_id": mention.id, "adapter": adapter.name},
        )
        if found:  # it may show an older state
            await self._update(adapter, ref, card, budget - (time.monotonic() - started))

    async def _update(
        self, adapter: ChatAdapter, ref: MessageRef, card: Card, budget: float
    ) -> None:
        async def attempt(_: int) -> None:
            await adapter.update_card(ref, card)

        await retrying(
            attempt,
            self._backoff,
            self._attempts,
            what=f"{adapter.name} update",
            budget=max(0.0, budget),
        )
        self._metrics.relayed.labels(adapter.name, "updated").inc()

    async def _thread(self, adapter: ChatAdapter, mention: MentionRecord) -> MessageRef | None:
        if self._window <= timedelta(0):
            return None
        root = await self._store.thread_root_card(mention.id, adapter.name, utcnow() - self._window)
        return None if root is None else MessageRef(root.channel, root.message_ref)
