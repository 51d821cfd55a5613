"""The human work queue as desks see it: waiting counts, oldest waiting, claims, today's counts."""

from __future__ import annotations

from datetime import timedelta

from models.domain import Action, Label, Status
from models.store import Store
from tests.models.store_factories import CREATED, decision, new_mention, prediction


async def _relayed(store: Store, labels: list[Label]) -> list[int]:
    """Mentions taken through classification to ``relayed`` (waiting for a human), in order."""
    results = await store.ingest([new_mention(i) for i in range(len(labels))])
    ids = [r.id for r in results]
    await store.claim(Status.RECEIVED, "w", limit=len(ids), lease_seconds=60)
    await store.save_predictions(
        {mid: prediction(label) for mid, label in zip(ids, labels, strict=True)}, worker="w"
    )
    for mid in ids:
        await store.advance(mid, "w", Status.RELAYED)
    return ids


async def test_waiting_counts_and_oldest_per_label(store: Store) -> None:
    q, c, q2, s = await _relayed(
        store, [Label.QUESTION, Label.COMPLAINT, Label.QUESTION, Label.SPAM]
    )
    assert await store.waiting_counts() == {Label.QUESTION: 2, Label.COMPLAINT: 1, Label.SPAM: 1}
    oldest = await store.oldest_waiting_per_label()
    assert {label: m.id for label, m in oldest.items()} == {
        Label.QUESTION: q,
        Label.COMPLAINT: c,
        Label.SPAM: s,
    }
    assert (await store.oldest_waiting()) is not None
    await store.record_decision(decision(q, Action.CLAIM, "k1", actor="alice"))
    found = await store.oldest_waiting(Label.QUESTION)
    assert found is not None and found.id == q2  # the claimed one is skipped
    assert [m.id for m in await store.claimed_by("alice")] == [q]
    await store.record_decision(decision(s, Action.DISMISS, "k2", actor="maya"))
    assert Label.SPAM not in await store.waiting_counts()  # decided: no longer waiting
    assert await store.oldest_waiting(Label.SPAM) is None


async def test_counts_since(store: Store) -> None:
    ids = await _relayed(store, [Label.PRAISE, Label.PRAISE])
    await store.record_decision(decision(ids[0], Action.CLAIM, "k1", actor="alice"))
    counts = await store.counts_since(CREATED - timedelta(days=1))
    assert counts["received"] == 2 and counts["claim"] == 1 and counts["approve"] == 0
    later = await store.counts_since(CREATED + timedelta(days=3650))
    assert later["received"] == 0 and later["claim"] == 0
