"""Leases: claim, advance, release, and what workers save under a lease."""

from __future__ import annotations

import asyncio
import threading

import pytest

from models.db import create_engine
from models.domain import Action, Label, NewSuggestion, Status
from models.errors import LeaseLost, NotFound
from models.store import Store
from tests.conftest import Backend, FakeClock
from tests.models.store_factories import decision, new_mention, prediction


async def _ingest(store: Store, n: int) -> list[int]:
    return [r.id for r in await store.ingest([new_mention(i) for i in range(n)])]


async def test_claim_leases_oldest_first_and_counts_attempts(
    store: Store, clock: FakeClock
) -> None:
    ids = await _ingest(store, 5)
    claimed = await store.claim(Status.RECEIVED, "w1", limit=3, lease_seconds=30)
    assert [m.id for m in claimed] == ids[:3]
    for m in claimed:
        assert m.lease_owner == "w1"
        assert m.attempts == 1
        assert m.lease_until is not None
        assert (m.lease_until - clock.now).total_seconds() == pytest.approx(30)
    rest = await store.claim(Status.RECEIVED, "w2", limit=10, lease_seconds=30)
    assert [m.id for m in rest] == ids[3:]
    assert await store.claim(Status.RECEIVED, "w3", limit=10, lease_seconds=30) == []
    assert await store.claim(Status.CLASSIFIED, "w3", limit=10, lease_seconds=30) == []


async def test_concurrent_claims_never_share_a_mention(store: Store) -> None:
    ids = await _ingest(store, 60)

    async def worker(name: str) -> list[int]:
        got: list[int] = []
        while batch := await store.claim(Status.RECEIVED, name, limit=4, lease_seconds=60):
            got.extend(m.id for m in batch)
        return got

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    everything = [i for r in results for i in r]
    assert sorted(everything) == sorted(ids)  # each mention exactly once


async def test_claimers_in_parallel_threads_never_share_a_mention(
    store: Store, backend: Backend
) -> None:
    """True concurrency: separate threads, event loops, engines and connections."""
    ids = await _ingest(store, 60)
    results: dict[str, list[int]] = {}
    start = threading.Barrier(2)

    async def worker(name: str) -> None:
        engine = create_engine(backend.url)
        other = Store(engine)
        got: list[int] = []
        try:
            start.wait()
            while batch := await other.claim(Status.RECEIVED, name, limit=3, lease_seconds=60):
                got.extend(m.id for m in batch)
        finally:
            await engine.dispose()
        results[name] = got

    threads = [threading.Thread(target=asyncio.run, args=(worker(f"t{i}"),)) for i in range(2)]

    def run_all() -> None:
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    await asyncio.to_thread(run_all)
    everything = [i for r in results.values() for i in r]
    assert sorted(everything) == sorted(ids)


async def test_expired_lease_is_reclaimed(store: Store, clock: FakeClock) -> None:
    [mid] = await _ingest(store, 1)
    await store.claim(Status.RECEIVED, "crashed", limit=1, lease_seconds=10)
    clock.advance(9)
    assert await store.claim(Status.RECEIVED, "w2", limit=1, lease_seconds=10) == []
    clock.advance(2)
    [again] = await store.claim(Status.RECEIVED, "w2", limit=1, lease_seconds=10)
    assert (again.id, again.lease_owner, again.attempts) == (mid, "w2", 2)
    with pytest.raises(LeaseLost):
        await store.advance(mid, "crashed", Status.CLASSIFIED)


async def test_advance_moves_stage_releases_lease_and_records_event(store: Store) -> None:
    [mid] = await _ingest(store, 1)
    await store.claim(Status.RECEIVED, "w1", limit=1, lease_seconds=10)
    await store.advance(mid, "w1", Status.CLASSIFIED, detail={"model": "test-1"})
    history = await store.get_mention(mid)
    m = history.mention
    assert (m.status, m.lease_owner, m.lease_until, m.attempts) == (
        Status.CLASSIFIED,
        None,
        None,
        0,
    )
    last = history.events[-1]
    assert (last.from_status, last.to_status, last.actor, last.detail) == (
        Status.RECEIVED,
        Status.CLASSIFIED,
        "w1",
        {"model": "test-1"},
    )
    [next_stage] = await store.claim(Status.CLASSIFIED, "w2", limit=5, lease_seconds=10)
    assert next_stage.id == mid


async def test_advance_with_lost_lease_raises(store: Store, clock: FakeClock) -> None:
    [mid] = await _ingest(store, 1)
    with pytest.raises(LeaseLost):  # never claimed
        await store.advance(mid, "w1", Status.CLASSIFIED)
    await store.claim(Status.RECEIVED, "w1", limit=1, lease_seconds=5)
    with pytest.raises(LeaseLost):  # someone else's lease
        await store.advance(mid, "w2", Status.CLASSIFIED)
    clock.advance(6)
    with pytest.raises(LeaseLost):  # own lease, expired
        await store.advance(mid, "w1", Status.CLASSIFIED)
    assert (await store.get_mention(mid)).mention.status is Status.RECEIVED
    with pytest.raises(NotFound):
        await store.advance(999_999, "w1", Status.CLASSIFIED)


async def test_release_frees_the_mention(store: Store) -> None:
    [mid] = await _ingest(store, 1)
    await store.claim(Status.RECEIVED, "w1", limit=1, lease_seconds=60)
    assert await store.release(mid, "w2") is False
    assert await store.release(mid, "w1") is True
    [again] = await store.claim(Status.RECEIVED, "w2", limit=1, lease_seconds=60)
    assert again.id == mid


async def test_save_predictions_sets_label_unless_relabelled(store: Store) -> None:
    a, b = await _ingest(store, 2)
    await store.record_decision(decision(b, Action.RELABEL, "k-relabel", to_label=Label.COMPLAINT))
    saved = await store.save_predictions({a: prediction(Label.PRAISE), b: prediction(Label.SPAM)})
    assert [(p.mention_id, p.label) for p in saved] == [(a, Label.PRAISE), (b, Label.SPAM)]
    assert saved[0].probabilities[Label.PRAISE] == pytest.approx(0.8)
    assert (await store.get_mention(a)).mention.label is Label.PRAISE
    assert (await store.get_mention(b)).mention.label is Label.COMPLAINT


async def test_save_under_lease_requires_the_lease(store: Store) -> None:
    [mid] = await _ingest(store, 1)
    with pytest.raises(LeaseLost):
        await store.save_predictions({mid: prediction()}, worker="w1")
    await store.claim(Status.RECEIVED, "w1", limit=1, lease_seconds=60)
    await store.save_predictions({mid: prediction()}, worker="w1")
    with pytest.raises(LeaseLost):
        await store.save_suggestions(mid, [], worker="w2")
    with pytest.raises(NotFound):
        await store.save_predictions({424242: prediction()})


async def test_save_suggestions_replaces_previous_set(store: Store) -> None:
    [mid] = await _ingest(store, 1)
    first = [NewSuggestion("faq", "3", rank=1, score=0.9, text="See our FAQ", findings=["link"])]
    await store.save_suggestions(mid, first)
    second = [
        NewSuggestion("faq", "4", rank=2, score=0.5, text="Try again"),
        NewSuggestion("apology", "1", rank=1, score=0.7, text="Sorry!"),
    ]
    saved = await store.save_suggestions(mid, second)
    assert [s.text for s in saved] == ["Sorry!", "Try again"]
    history = await store.get_mention(mid)
    assert sorted(s.playbook_id + s.playbook_version for s in history.suggestions) == [
        "apology1",
        "faq4",
    ]


async def test_advance_many_moves_the_batch_and_skips_lost_leases(
    store: Store, clock: FakeClock
) -> None:
    ids = await _ingest(store, 4)
    await store.claim(Status.RECEIVED, "w1", limit=3, lease_seconds=30)
    await store.release(ids[1], "w1")  # given up: w1 no longer holds it
    advanced = await store.advance_many(
        [*ids, 999], "w1", Status.CLASSIFIED, {ids[0]: {"label": "question"}}
    )
    assert advanced == [ids[0], ids[2]]  # not the released one, the unclaimed one or 999
    first = await store.get_mention(ids[0])
    assert first.mention.status is Status.CLASSIFIED
    assert (first.mention.lease_owner, first.mention.attempts) == (None, 0)
    assert first.events[-1].detail == {"label": "question"}
    assert first.events[-1].actor == "w1"
    assert (await store.get_mention(ids[1])).mention.status is Status.RECEIVED
    assert await store.advance_many([ids[3]], "w1", Status.CLASSIFIED) == []
    assert await store.advance_many([], "w1", Status.CLASSIFIED) == []


async def test_get_mentions_matches_get_mention(store: Store) -> None:
    ids = await _ingest(store, 3)
    await store.save_predictions({ids[0]: prediction(Label.PRAISE)})
    await store.upsert_card(ids[1], "slack", "C1", "ts-1")
    many = await store.get_mentions([ids[2], ids[0], ids[1], 12345])
    assert sorted(many) == sorted(ids)
    for i in ids:
        assert many[i] == await store.get_mention(i)
    assert [p.label for p in many[ids[0]].predictions] == [Label.PRAISE]
    assert await store.get_mentions([]) == {}
