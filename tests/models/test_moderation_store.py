"""The moderation store: mod log once per key with its audit entry, appeals, feedback, and
changes made at the source. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from models.domain import Action, Label, Outcome, Role
from models.errors import DecisionRefused, NotFound
from models.moderation import AUTOMATIC, AppealState, ModAction, NewModLogEntry, NoticeState
from models.store import Store
from tests.models.store_factories import decision, new_mention


def _entry(mention_id: int | None, key: str = "k1", **kw: object) -> NewModLogEntry:
    fields: dict[str, object] = {
        "key": key,
        "source": "discord",
        "channel_id": "10",
        "message_id": "500",
        "author_id": "u1",
        "author_name": "Spammer",
        "actor": AUTOMATIC,
        "action": ModAction.REMOVE,
        "reason": "spam (0.98 >= 0.9)",
        "content": "buy @everyone cheap",
        "mention_id": mention_id,
        "model_version": "m-1",
        "confidence": 0.98,
        "notice": NoticeState.PENDING,
    }
    fields.update(kw)
    return NewModLogEntry(**fields)  # type: ignore[arg-type]


async def test_mod_log_entry_is_recorded_once_with_its_audit(store: Store) -> None:
    [m] = await store.ingest([new_mention(1, source="discord")])
    entry, created = await store.record_moderation(_entry(m.id))
    again, created_again = await store.record_moderation(_entry(m.id, reason="other"))
    assert created and not created_again
    assert again == entry and entry.reason == "spam (0.98 >= 0.9)"
    audit = [a for a in await store.list_audit(m.id) if a.action == "moderation.remove"]
    assert len(audit) == 1
    assert audit[0].actor == AUTOMATIC and audit[0].outcome is Outcome.ALLOWED
    assert audit[0].detail["confidence"] == 0.98
    assert audit[0].detail["model_version"] == "m-1"
    assert audit[0].detail["content"] == "buy @everyone cheap"
    assert await store.moderation_by_key("k1") == entry


async def test_posting_and_notice_queues(store: Store) -> None:
    [m] = await store.ingest([new_mention(1, source="discord")])
    a, _ = await store.record_moderation(_entry(m.id, "a"))
    b, _ = await store.record_moderation(_entry(None, "b", notice=NoticeState.NONE))
    assert [e.id for e in await store.unposted_moderation()] == [a.id, b.id]
    await store.mark_moderation_posted([a.id, b.id], "99", "7")
    assert await store.unposted_moderation() == []
    assert [e.id for e in await store.moderation_on_message("99", "7")] == [a.id, b.id]
    assert [e.id for e in await store.moderation_notices()] == [a.id]
    await store.set_moderation_notice(a.id, NoticeState.SENT)
    assert await store.moderation_notices() == []
    await store.set_moderation_result(a.id, "webhook:1")
    assert (await store.get_moderation(a.id)).result_ref == "webhook:1"
    assert [e.id for e in await store.list_moderation(author_id="u1")] == [b.id, a.id]
    assert await store.list_moderation(author_id="nobody") == []
    with pytest.raises(NotFound):
        await store.get_moderation(12345)


async def test_appeal_round_trip(store: Store) -> None:
    [m] = await store.ingest([new_mention(1, source="discord")])
    entry, _ = await store.record_moderation(_entry(m.id))
    with pytest.raises(DecisionRefused):
        await store.open_appeal(entry.id, "someone-else", "let me")
    appeal, created = await store.open_appeal(entry.id, "u1", "it was not spam")
    assert created and appeal.state is AppealState.OPEN
    again, created_again = await store.open_appeal(entry.id, "u1", "again")
    assert not created_again and again.id == appeal.id
    await store.set_appeal_card(appeal.id, "20", "30")
    decided = await store.decide_appeal(appeal.id, "maya", accepted=True, note="fair")
    assert decided.state is AppealState.ACCEPTED and decided.decided_by == "maya"
    assert decided.card_message == "30"
    with pytest.raises(DecisionRefused):
        await store.decide_appeal(appeal.id, "ada", accepted=False)
    assert [a.id for a in await store.appeal_notices()] == [appeal.id]
    await store.set_appeal_notice(appeal.id, NoticeState.SENT)
    assert await store.appeal_notices() == []
    actions = [(a.action, a.outcome) for a in await store.list_audit(m.id)]
    assert ("appeal.open", Outcome.REFUSED) in actions
    assert ("appeal.accepted", Outcome.ALLOWED) in actions
    assert ("appeal.rejected", Outcome.REFUSED) in actions


async def test_feedback_keeps_a_copy_of_the_text_once(store: Store) -> None:
    [m] = await store.ingest([new_mention(1, source="discord", text="hello friends")])
    fb, created = await store.record_feedback(
        m.id, Label.OTHER, "maya", "not_spam", from_label=Label.SPAM, model_version="m-1"
    )
    _, created_again = await store.record_feedback(m.id, Label.OTHER, "maya", "not_spam")
    assert created and not created_again
    assert fb.text == "hello friends" and fb.from_label is Label.SPAM
    assert [f.id for f in await store.list_feedback(m.id)] == [fb.id]
    with pytest.raises(NotFound):
        await store.record_feedback(999, Label.OTHER, "maya", "not_spam")


async def test_edits_and_deletions_at_the_source(store: Store) -> None:
    [m] = await store.ingest([new_mention(1, source="discord", text="first")])
    assert await store.source_edited("discord", "m1", "second", "discord") == m.id
    assert await store.source_edited("discord", "m1", "second", "discord") is None
    assert await store.source_edited("discord", "nope", "x", "discord") is None
    assert (await store.get_mention(m.id)).mention.text == "second"
    assert await store.source_deleted("discord", "m1", "discord", {"by": "author"}) == m.id
    assert await store.source_deleted("discord", "m1", "discord") is None
    history = await store.get_mention(m.id)
    assert "deleted_at" in history.mention.metadata
    assert {"source.edit", "source.delete"} <= {a.action for a in history.audit}


async def test_open_removals_are_those_without_a_mod_log_entry(store: Store) -> None:
    a, b, other = await store.ingest(
        [new_mention(1, source="discord"), new_mention(2, source="discord"), new_mention(3)]
    )
    for m, key in ((a, "ka"), (b, "kb"), (other, "ko")):
        await store.record_decision(
            decision(m.id, Action.REMOVE, key, actor="maya", role=Role.MODERATOR)
        )
    items = await store.open_removals("discord")
    assert [i.mention_id for i in items] == [a.id, b.id]  # other sources are left out
    first = items[0].idempotency_key
    results = await store.record_moderations([_entry(a.id, first), _entry(a.id, first)])
    assert [created for _, created in results] == [True, False]
    assert await store.moderation_by_key(first) is not None
    assert await store.moderation_by_key("nope") is None
    assert [i.mention_id for i in await store.open_removals("discord")] == [b.id]
