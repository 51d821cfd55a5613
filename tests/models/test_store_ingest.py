"""Ingest: idempotency, verbatim storage, authors, concurrency and throughput."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from models.domain import Status
from models.store import Store
from tests.models.store_factories import new_mention


async def test_same_mention_twice_is_one_row(store: Store) -> None:
    first = await store.ingest([new_mention(1)])
    second = await store.ingest([new_mention(1, text="edited later")])
    assert first[0].created is True
    assert second[0].created is False
    assert second[0].id == first[0].id
    mentions = await store.list_mentions()
    assert [m.id for m in mentions] == [first[0].id]
    assert mentions[0].text == "mention number 1 about @brand"  # first version kept


async def test_batch_results_follow_input_order_and_flag_duplicates(store: Store) -> None:
    await store.ingest([new_mention(2)])
    batch = [new_mention(3), new_mention(2), new_mention(3), new_mention(4, source="y")]
    results = await store.ingest(batch)
    assert [r.created for r in results] == [True, False, False, True]
    assert results[0].id == results[2].id
    assert len({r.id for r in results}) == 3
    assert (await store.queue_depth())[Status.RECEIVED] == 3


async def test_same_external_id_on_two_sources_are_two_mentions(store: Store) -> None:
    results = await store.ingest([new_mention(1, source="x"), new_mention(1, source="y")])
    assert all(r.created for r in results)
    assert results[0].id != results[1].id


async def test_text_is_stored_verbatim(store: Store) -> None:
    text = "<!channel> @everyone @here <@U123> *bold* `code` ]]><script>x</script>\n\t émoji 🎉"
    meta = {"nested": {"list": [1, "two", None]}, "quote": 'it\'s "fine"'}
    [result] = await store.ingest([new_mention(1, text=text, metadata=meta)])
    history = await store.get_mention(result.id)
    assert history.mention.text == text
    assert history.mention.metadata == meta


async def test_ingest_records_received_event_and_fields(store: Store) -> None:
    [r] = await store.ingest(
        [new_mention(7, brand="acme", thread_key="t-1", author_avatar_url="https://a/1.png")]
    )
    history = await store.get_mention(r.id)
    m = history.mention
    assert (m.source, m.external_id, m.brand, m.thread_key) == ("x", "m7", "acme", "t-1")
    assert (m.author_external_id, m.author_name, m.author_avatar_url) == (
        "a1",
        "Author a1",
        "https://a/1.png",
    )
    assert m.status is Status.RECEIVED and m.label is None and m.attempts == 0
    assert m.created_at.tzinfo is not None
    assert m.received_at.utcoffset() == timedelta(0)
    assert [(e.from_status, e.to_status) for e in history.events] == [(None, Status.RECEIVED)]


async def test_author_name_is_refreshed_and_avatar_kept(store: Store) -> None:
    await store.ingest([new_mention(1, author_avatar_url="https://a/old.png")])
    [r] = await store.ingest([new_mention(2, author_name="New Name")])
    m = (await store.get_mention(r.id)).mention
    assert m.author_name == "New Name"
    assert m.author_avatar_url == "https://a/old.png"


async def test_concurrent_ingest_of_same_batch_creates_each_once(store: Store) -> None:
    batch = [new_mention(n, author=f"a{n % 3}") for n in range(40)]
    results = await asyncio.gather(*(store.ingest(batch) for _ in range(4)))
    created = [r for rs in results for r in rs if r.created]
    assert len(created) == 40
    assert len({r.id for rs in results for r in rs}) == 40
    assert sum((await store.queue_depth()).values()) == 40


async def test_ingest_empty_batch(store: Store) -> None:
    assert await store.ingest([]) == []


async def test_ingest_throughput_batches_of_100(store: Store) -> None:
    """Set-based ingest: the target is >= 2,000 mentions/s on SQLite; the floor here is lower
    so a loaded CI machine does not flake, but row-by-row inserts would still fail it."""
    batches = [
        [new_mention(b * 100 + i, author=f"a{i % 17}") for i in range(100)] for b in range(20)
    ]
    started = time.perf_counter()
    for batch in batches:
        await store.ingest(batch)
    rate = 2000 / (time.perf_counter() - started)
    print(f"{store.dialect}: {rate:.0f} mentions/s")
    assert rate >= 500
