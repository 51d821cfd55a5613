"""Outbox: leasing, completion, retries and permanent failure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.domain import Action, OutboxStatus, Outcome, Status
from models.errors import LeaseLost, NotFound
from models.store import Store
from tests.conftest import FakeClock
from tests.models.store_factories import decision, new_mention


async def _approved(store: Store, n: int = 1) -> int:
    [r] = await store.ingest([new_mention(n)])
    await store.record_decision(decision(r.id, Action.APPROVE, f"k{n}", before_text="Thanks!"))
    return r.id


async def test_claim_and_complete_closes_the_mention(store: Store) -> None:
    mid = await _approved(store)
    [item] = await store.claim_outbox("x1", limit=10, lease_seconds=30)
    assert (item.status, item.attempts, item.lease_owner) == (OutboxStatus.IN_FLIGHT, 1, "x1")
    assert await store.claim_outbox("x2", limit=10, lease_seconds=30) == []
    done = await store.complete_outbox(item.id, worker="x1")
    assert done.status is OutboxStatus.DONE and done.done_at is not None
    assert await store.complete_outbox(item.id, worker="x1") == done  # repeat is harmless
    history = await store.get_mention(mid)
    assert history.mention.status is Status.CLOSED
    assert (history.events[-1].from_status, history.events[-1].to_status) == (
        Status.DECIDED,
        Status.CLOSED,
    )
    assert await store.claim_outbox("x2", limit=10, lease_seconds=30) == []


async def test_retry_bookkeeping(store: Store, clock: FakeClock) -> None:
    await _approved(store)
    [item] = await store.claim_outbox("x1", limit=1, lease_seconds=30)
    retry_at = clock.now + timedelta(seconds=60)
    failed = await store.fail_outbox(item.id, "HTTP 503", retry_at, worker="x1")
    assert (failed.status, failed.attempts, failed.last_error) == (
        OutboxStatus.PENDING,
        1,
        "HTTP 503",
    )
    assert failed.next_attempt_at == retry_at and failed.lease_owner is None
    assert await store.claim_outbox("x1", limit=1, lease_seconds=30) == []  # not due yet
    clock.advance(61)
    [again] = await store.claim_outbox("x1", limit=1, lease_seconds=30)
    assert again.attempts == 2 and again.last_error == "HTTP 503"


async def test_permanent_failure_after_max_attempts(store: Store, clock: FakeClock) -> None:
    await _approved(store)
    for attempt in range(1, 4):
        [item] = await store.claim_outbox("x1", limit=1, lease_seconds=30)
        assert item.attempts == attempt
        result = await store.fail_outbox(item.id, f"err {attempt}", clock.now, max_attempts=3)
    assert result.status is OutboxStatus.FAILED and result.last_error == "err 3"
    assert await store.claim_outbox("x1", limit=1, lease_seconds=30) == []
    assert (await store.outbox_depth())[OutboxStatus.FAILED] == 1


async def test_non_retryable_failure(store: Store) -> None:
    await _approved(store)
    [item] = await store.claim_outbox("x1", limit=1, lease_seconds=30)
    result = await store.fail_outbox(
        item.id, "403 forbidden", None, audit_actor="publisher", audit_detail={"error": "403"}
    )
    assert result.status is OutboxStatus.FAILED
    # failed for good and audited in one transaction: never one without the other
    [entry] = [a for a in await store.list_audit(item.mention_id) if a.actor == "publisher"]
    assert (entry.action, entry.outcome, entry.detail) == (
        f"publish.{item.kind}",
        Outcome.REFUSED,
        {"error": "403"},
    )


async def test_a_retryable_failure_is_not_audited_as_final(store: Store, clock: FakeClock) -> None:
    await _approved(store)
    [item] = await store.claim_outbox("x1", limit=1, lease_seconds=30)
    retry_at = clock.now + timedelta(seconds=5)
    await store.fail_outbox(item.id, "HTTP 503", retry_at, audit_actor="publisher")
    assert not [a for a in await store.list_audit(item.mention_id) if a.actor == "publisher"]


async def test_expired_in_flight_item_is_reclaimed(store: Store, clock: FakeClock) -> None:
    await _approved(store)
    [item] = await store.claim_outbox("crashed", limit=1, lease_seconds=30)
    clock.advance(31)
    [again] = await store.claim_outbox("x2", limit=1, lease_seconds=30)
    assert (again.id, again.lease_owner, again.attempts) == (item.id, "x2", 2)
    with pytest.raises(LeaseLost):
        await store.complete_outbox(item.id, worker="crashed")
    with pytest.raises(LeaseLost):
        await store.fail_outbox(item.id, "late", None, worker="crashed")
    await store.complete_outbox(item.id, worker="x2")


async def test_complete_requires_in_flight(store: Store) -> None:
    await _approved(store)
    [item] = await store.claim_outbox("x1", limit=1, lease_seconds=30)
    await store.fail_outbox(item.id, "boom", None)
    with pytest.raises(LeaseLost):
        await store.complete_outbox(item.id)
    with pytest.raises(NotFound):
        await store.complete_outbox(55555)


async def test_concurrent_outbox_claims_do_not_overlap(store: Store) -> None:
    import asyncio

    for n in range(12):
        await _approved(store, n)
    batches = await asyncio.gather(
        *(store.claim_outbox(f"x{i}", limit=4, lease_seconds=30) for i in range(4))
    )
    ids = [item.id for batch in batches for item in batch]
    assert len(ids) == len(set(ids)) == 12
