"""Outcomes in the card's thread: the reply as sent, a removal, a failure, a dismissal.

``update_card`` runs after every decision and every delivery, often more than once for the same
state, so each note is posted once per (mention, outcome): the audit log records it
(``slack.thread_note``) and an in-process lock per mention keeps two refreshes from racing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.chat.card import Card, MessageRef
from bot.slack.blocks import clip, literal, outcome_note, section
from bot.slack.refs import thread_ts
from models.domain import AuditEntry, MentionHistory
from models.store import Store

NOTE_ACTION = "slack.thread_note"
PostNote = Callable[[str, str, dict[str, Any]], Awaitable[None]]


class ThreadNotes:
    def __init__(self, store: Store, adapter: str, post: PostNote) -> None:
        self._store = store
        self._adapter = adapter
        self._post = post
        self._locks: dict[int, asyncio.Lock] = {}

    async def post_outcome(self, ref: MessageRef, card: Card, history: MentionHistory) -> None:
        note = outcome_note(card)
        if note is None:
            return
        s = card.state
        last = history.outbox[-1].id if history.outbox else None
        key = f"{s.decision}:{s.delivery}:{last}"
        if _noted(history.audit, key):  # the usual case: a refresh after the note went out
            return
        lock = self._locks.setdefault(card.mention_id, asyncio.Lock())
        async with lock:  # read again under the lock: a concurrent refresh may have posted it
            if _noted(await self._store.list_audit(card.mention_id, limit=500), key):
                return
            blocks = [section(note)]
            if s.sent_text is not None and s.delivery is not None:
                blocks.append(literal(s.sent_text))
            message = {"text": clip(note, 300), "blocks": blocks, "unfurl_links": False}
            await self._post(ref.channel, thread_ts(ref), message)
            await self._store.audit(
                self._adapter, NOTE_ACTION, mention_id=card.mention_id, detail={"key": key}
            )
        if len(self._locks) > 10_000:
            self._locks.clear()


def _noted(entries: list[AuditEntry], key: str) -> bool:
    return any(e.action == NOTE_ACTION and e.detail.get("key") == key for e in entries)
