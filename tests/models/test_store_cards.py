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


async def test_follow_up_finds_the_earliest_card_of_the_same_author_in_the_window(
    store: Store, clock: FakeClock
) -> None:
    ids = [
        r.id
        for r in await store.ingest(
            [
                new_mention(1, author="ana"),
                new_mention(2, author="ana"),
                new_mention(3, author="bob"),
                new_mention(4, author="ana"),
                new_mention(5, author="carl", thread_key="conv-9"),
                new_mention(6, author="dora", thread_key="conv-9"),
            ]
        )
    ]
    await store.upsert_card(ids[0], "slack", "C1", "ts-1")
    clock.advance(60)
    await store.upsert_card(ids[1], "slack", "C1", "ts-2")
    await store.upsert_card(ids[2], "slack", "C1", "ts-3")
    await store.upsert_card(ids[4], "slack", "C1", "ts-5")
    window_start = clock.now.replace(year=2000)
    root = await store.thread_root_card(ids[3], "slack", window_start)
    assert root is not None and root.message_ref == "ts-1"  # earliest, not the latest
    later = clock.now  # ts-1 is now outside the window
    root = await store.thread_root_card(ids[3], "slack", later)
    assert root is not None and root.message_ref == "ts-2"
    assert await store.thread_root_card(ids[0], "slack", window_start) is None  # nothing older
    assert await store.thread_root_card(ids[2], "slack", window_start) is None  # other author
    assert await store.thread_root_card(ids[3], "discord", window_start) is None
    by_thread = await store.thread_root_card(ids[5], "slack", window_start)
    assert by_thread is not None and by_thread.message_ref == "ts-5"  # same thread_key
    with pytest.raises(NotFound):
        await store.thread_root_card(99999, "slack", window_start)
