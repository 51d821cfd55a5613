"""Read side: history, listings, queue depth, playbook stats, audit log, health."""

from __future__ import annotations

from typing import Any

import pytest

from models.domain import Action, Label, NewSuggestion, Outcome, PlaybookStats, Status
from models.errors import NotFound, StoreUnavailable
from models.store import Store
from tests.conftest import Backend
from tests.models.store_factories import decision, new_mention, prediction


async def test_history_returns_everything(store: Store) -> None:
    [r] = await store.ingest([new_mention(1)])
    mid = r.id
    await store.claim(Status.RECEIVED, "w", limit=1, lease_seconds=60)
    await store.save_predictions({mid: prediction(Label.QUESTION)}, worker="w")
    await store.advance(mid, "w", Status.CLASSIFIED)
    await store.save_suggestions(mid, [NewSuggestion("faq", "1", 1, 0.9, "Answer")])
    await store.upsert_card(mid, "slack", "C1", "ts1")
    await store.record_decision(
        decision(mid, Action.APPROVE, "k", before_text="Answer", playbook_id="faq")
    )
    await store.audit("bob", "command.remove", mention_id=mid, outcome=Outcome.REFUSED)

    h = await store.get_mention(mid)
    assert h.mention.id == mid and h.mention.label is Label.QUESTION
    assert [e.to_status for e in h.events] == [Status.RECEIVED, Status.CLASSIFIED, Status.DECIDED]
    assert [p.label for p in h.predictions] == [Label.QUESTION]
    assert [s.text for s in h.suggestions] == ["Answer"]
    assert [c.message_ref for c in h.cards] == ["ts1"]
    assert [d.action for d in h.decisions] == [Action.APPROVE]
    assert [o.payload["text"] for o in h.outbox] == ["Answer"]
    assert [(a.action, a.outcome) for a in h.audit] == [
        ("decision.approve", Outcome.ALLOWED),
        ("command.remove", Outcome.REFUSED),
    ]
    with pytest.raises(NotFound):
        await store.get_mention(mid + 1000)


async def test_list_mentions_filters_and_pages(store: Store) -> None:
    ids = [r.id for r in await store.ingest([new_mention(n) for n in range(6)])]
    await store.save_predictions({ids[0]: prediction(Label.SPAM), ids[1]: prediction(Label.SPAM)})
    await store.record_decision(decision(ids[1], Action.CLAIM, "c", actor="bob"))
    await store.claim(Status.RECEIVED, "w", limit=1, lease_seconds=60)
    await store.advance(ids[0], "w", Status.CLASSIFIED)

    assert [m.id for m in await store.list_mentions()] == ids[::-1]
    assert [m.id for m in await store.list_mentions(limit=2, offset=1)] == [ids[4], ids[3]]
    assert [m.id for m in await store.list_mentions(label=Label.SPAM)] == [ids[1], ids[0]]
    assert [m.id for m in await store.list_mentions(status=Status.CLASSIFIED)] == [ids[0]]
    assert [m.id for m in await store.list_mentions(assignee="bob")] == [ids[1]]
    both = await store.list_mentions(status=Status.RECEIVED, label=Label.SPAM)
    assert [m.id for m in both] == [ids[1]]


async def test_queue_depth_counts_every_stage(store: Store) -> None:
    ids = [r.id for r in await store.ingest([new_mention(n) for n in range(3)])]
    await store.claim(Status.RECEIVED, "w", limit=1, lease_seconds=60)
    await store.advance(ids[0], "w", Status.CLASSIFIED)
    depth = await store.queue_depth()
    assert depth == {s: 0 for s in Status} | {Status.RECEIVED: 2, Status.CLASSIFIED: 1}


async def test_playbook_stats(store: Store) -> None:
    ids = [r.id for r in await store.ingest([new_mention(n) for n in range(5)])]
    for mid in ids:
        await store.save_suggestions(
            mid,
            [
                NewSuggestion("faq", "1", 1, 0.9, "Answer"),
                NewSuggestion("sorry", "2", 2, 0.4, "Sorry"),
            ],
        )
    pb: dict[str, Any] = {"playbook_id": "faq", "playbook_version": "1", "before_text": "Answer"}
    await store.record_decision(decision(ids[0], Action.APPROVE, "a0", **pb))
    await store.record_decision(decision(ids[1], Action.APPROVE, "a1", after_text="Answer", **pb))
    await store.record_decision(decision(ids[2], Action.APPROVE, "a2", after_text="Better", **pb))
    await store.record_decision(decision(ids[3], Action.REJECT, "r3", **pb))
    sorry: dict[str, Any] = {
        "playbook_id": "sorry",
        "playbook_version": "2",
        "before_text": "Sorry",
    }
    await store.record_decision(decision(ids[3], Action.REJECT, "r3b", **sorry))
    await store.record_decision(decision(ids[4], Action.DISMISS, "d4"))
    assert await store.playbook_stats() == [
        PlaybookStats("faq", "1", suggested=5, approved_as_is=2, approved_after_edit=1, rejected=1),
        PlaybookStats(
            "sorry", "2", suggested=5, approved_as_is=0, approved_after_edit=0, rejected=1
        ),
    ]


async def test_audit_log(store: Store) -> None:
    [r] = await store.ingest([new_mention(1)])
    entry = await store.audit(
        "carol", "command.relabel", mention_id=r.id, detail={"why": "role"}, outcome=Outcome.REFUSED
    )
    assert (entry.actor, entry.detail, entry.outcome) == ("carol", {"why": "role"}, Outcome.REFUSED)
    await store.audit("system", "startup")
    assert [a.action for a in await store.list_audit()] == ["startup", "command.relabel"]
    assert [a.action for a in await store.list_audit(mention_id=r.id)] == ["command.relabel"]
    assert len(await store.list_audit(limit=1)) == 1
    with pytest.raises(NotFound):
        await store.audit("carol", "x", mention_id=r.id + 99)


async def test_ping(store: Store) -> None:
    await store.ping()


async def test_unreachable_database_is_store_unavailable(
    backend: Backend, tmp_path: object
) -> None:
    if backend.name == "sqlite":
        url = "sqlite+aiosqlite:////nonexistent-dir/sub/mentionbot.db"
    else:
        url = "postgresql+asyncpg://postgres@127.0.0.1:1/postgres"
    async with Store.open(url) as store:
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.ingest([new_mention(1)])


async def test_open_migrates_when_asked(backend: Backend) -> None:
    async with Store.open(backend.url, migrate=True) as store:  # already at head: a no-op
        await store.ping()
        assert await store.queue_depth() == {s: 0 for s in Status}
