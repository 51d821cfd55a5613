"""Chat cards: one per (mention, adapter); a re-post updates it."""

from __future__ import annotations

import pytest

from models.errors import NotFound
from models.store import Store
from tests.conftest import FakeClock
from tests.models.store_factories import new_mention


async def test_upsert_card_updates_instead_of_duplicating(store: Store, clock: FakeClock) -> None:
    [r] = await store.ingest([new_mention(1)])
    first = await store.upsert_card(r.id, "slack", "C1", "1700000000.000100")
    clock.advance(5)
    second = await store.upsert_card(r.id, "slack", "C2", "1700000000.000200")
    assert (second.channel, second.message_ref) == ("C2", "1700000000.000200")
    assert second.posted_at == first.posted_at
    assert second.updated_at == clock.now
    await store.upsert_card(r.id, "discord", "123", "456")
    cards = (await store.get_mention(r.id)).cards
    assert sorted((c.adapter, c.channel) for c in cards) == [("discord", "123"), ("slack", "C2")]


async def test_get_and_find_card(store: Store) -> None:
    [r] = await store.ingest([new_mention(1)])
    assert await store.get_card(r.id, "slack") is None
    await store.upsert_card(r.id, "slack", "C1", "ts-1")
    card = await store.get_card(r.id, "slack")
    assert card is not None and card.message_ref == "ts-1"
    assert await store.find_card("slack", "C1", "ts-1") == card
    assert await store.find_card("slack", "C1", "ts-2") is None


async def test_card_for_unknown_mention(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.upsert_card(12345, "slack", "C1", "ts")
