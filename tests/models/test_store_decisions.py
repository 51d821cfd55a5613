"""Decisions: idempotent, audited, and applied with their effects in one transaction."""

from __future__ import annotations

import asyncio

import pytest

from models.domain import Action, Label, OutboxKind, OutboxStatus, Outcome, Role, Status
from models.errors import DecisionRefused, IdempotencyConflict, NotFound
from models.store import Store
from tests.models.store_factories import decision, new_mention


async def _mention(store: Store, n: int = 1) -> int:
    [r] = await store.ingest([new_mention(n, thread_key=f"thread-{n}")])
    return r.id


async def test_decision_is_idempotent_and_audited(store: Store) -> None:
    mid = await _mention(store)
    d = decision(mid, Action.APPROVE, "slack:act-1", before_text="Hi!", playbook_id="faq")
    first = await store.record_decision(d)
    again = await store.record_decision(d)
    assert first.id is not None and first.created_at is not None
    assert again == first
    history = await store.get_mention(mid)
    assert len(history.decisions) == 1
    assert len(history.outbox) == 1
    [entry] = history.audit
    assert (entry.actor, entry.action, entry.outcome) == (
        "alice",
        "decision.approve",
        Outcome.ALLOWED,
    )
    assert entry.detail["decision_id"] == first.id


async def test_concurrent_duplicate_clicks_record_one_decision(store: Store) -> None:
    mid = await _mention(store)
    d = decision(mid, Action.APPROVE, "dup", before_text="Hi!")
    results = await asyncio.gather(*(store.record_decision(d) for _ in range(5)))
    assert len({r.id for r in results}) == 1
    assert len((await store.get_mention(mid)).outbox) == 1


async def test_approve_enqueues_exactly_one_reply(store: Store) -> None:
    mid = await _mention(store)
    d = decision(
        mid,
        Action.APPROVE,
        "k1",
        before_text="Suggested <!channel>",
        after_text="Edited reply",
        playbook_id="faq",
        playbook_version="2",
    )
    await store.record_decision(d)
    history = await store.get_mention(mid)
    [item] = history.outbox
    assert (item.kind, item.status, item.attempts) == (OutboxKind.REPLY, OutboxStatus.PENDING, 0)
    assert item.payload["text"] == "Edited reply"
    assert item.payload["thread_key"] == "thread-1"
    assert (item.payload["source"], item.payload["external_id"]) == ("x", "m1")
    assert item.idempotency_key == "k1:reply"
    assert history.mention.status is Status.DECIDED
    assert history.events[-1].to_status is Status.DECIDED
    with pytest.raises(DecisionRefused):  # a second approval (another click) is refused
        await store.record_decision(decision(mid, Action.APPROVE, "k2", before_text="again"))
    assert len((await store.get_mention(mid)).outbox) == 1


async def test_remove_enqueues_removal(store: Store) -> None:
    mid = await _mention(store)
    await store.record_decision(decision(mid, Action.REMOVE, "rm", role=Role.MODERATOR))
    [item] = (await store.get_mention(mid)).outbox
    assert item.kind is OutboxKind.REMOVE and "text" not in item.payload


async def test_relabel_claim_unclaim_and_dismiss(store: Store) -> None:
    mid = await _mention(store)
    relabel = await store.record_decision(decision(mid, Action.RELABEL, "r1", to_label=Label.SPAM))
    assert relabel.from_label is None and relabel.to_label is Label.SPAM
    relabel2 = await store.record_decision(
        decision(mid, Action.RELABEL, "r2", to_label=Label.COMPLAINT)
    )
    assert relabel2.from_label is Label.SPAM
    await store.record_decision(decision(mid, Action.CLAIM, "c1"))
    m = (await store.get_mention(mid)).mention
    assert (m.label, m.assignee, m.status) == (Label.COMPLAINT, "alice", Status.RECEIVED)
    assert [x.id for x in await store.list_mentions(assignee="alice")] == [mid]
    await store.record_decision(decision(mid, Action.UNCLAIM, "u1"))
    await store.record_decision(decision(mid, Action.DISMISS, "d1"))
    history = await store.get_mention(mid)
    assert (history.mention.assignee, history.mention.status) == (None, Status.CLOSED)
    assert history.outbox == []
    assert [a.action for a in history.audit] == [
        "decision.relabel",
        "decision.relabel",
        "decision.claim",
        "decision.unclaim",
        "decision.dismiss",
    ]


async def test_refusals_are_audited(store: Store) -> None:
    mid = await _mention(store)
    await store.record_decision(decision(mid, Action.CLAIM, "c1", actor="alice"))
    with pytest.raises(DecisionRefused, match="claimed by alice"):
        await store.record_decision(decision(mid, Action.CLAIM, "c2", actor="bob"))
    [refused] = [a for a in await store.list_audit(mid) if a.outcome is Outcome.REFUSED]
    assert (refused.actor, refused.action) == ("bob", "decision.claim")
    assert "alice" in refused.detail["reason"]
    assert (await store.get_mention(mid)).mention.assignee == "alice"
    assert len((await store.get_mention(mid)).decisions) == 1


async def test_key_reused_for_other_decision_conflicts(store: Store) -> None:
    a, b = await _mention(store, 1), await _mention(store, 2)
    await store.record_decision(decision(a, Action.CLAIM, "same"))
    with pytest.raises(IdempotencyConflict):
        await store.record_decision(decision(b, Action.CLAIM, "same"))


async def test_invalid_and_unknown(store: Store) -> None:
    mid = await _mention(store)
    with pytest.raises(ValueError, match="to_label"):
        await store.record_decision(decision(mid, Action.RELABEL, "x"))
    with pytest.raises(ValueError, match="reply text"):
        await store.record_decision(decision(mid, Action.APPROVE, "y"))
    with pytest.raises(NotFound):
        await store.record_decision(decision(987654, Action.CLAIM, "z"))


async def test_decision_takes_over_a_pipeline_lease(store: Store) -> None:
    mid = await _mention(store)
    await store.claim(Status.RECEIVED, "w1", limit=1, lease_seconds=60)
    await store.record_decision(decision(mid, Action.REMOVE, "rm", role=Role.MODERATOR))
    m = (await store.get_mention(mid)).mention
    assert (m.status, m.lease_owner) == (Status.DECIDED, None)
