"""Edits and deletions at the source, the Edit form → a reply through the outbox, and the
slash commands."""

from __future__ import annotations

from models.domain import Action, Outcome
from models.store import Store
from tests.bot.discord_desk.fake_discord import GUILD_ID, FakeDiscord
from tests.bot.discord_desk.rig import (
    AGENT,
    AGENT_ROLE,
    DESK,
    MEMBER,
    MOD,
    MOD_ROLE,
    SPAMMER,
    WATCHED,
    running,
)
from tests.bot.discord_desk.test_flows import (
    EPHEMERAL,
    auto_removed,
    card_for,
    custom_ids,
    followups,
    store_id,
)


async def test_edit_form_sends_an_escaped_reply_that_pings_nobody(
    fake: FakeDiscord, store: Store
) -> None:
    async with running(fake, store) as rig:
        question = await fake.post(WATCHED, MEMBER, "is the shop open on sunday?")
        mention_id = await fake.wait_for(lambda: store_id(rig, question))
        card = await fake.wait_for(lambda: card_for(fake, mention_id))
        assert f"mb:edit:{mention_id}" in custom_ids(card)
        iid = await fake.click(int(card["id"]), f"mb:edit:{mention_id}", AGENT, [AGENT_ROLE])
        [form] = await fake.wait_for(lambda: fake.responses[iid])
        assert form["type"] == 9
        reply = "@everyone yes! **10-16h** <@&42>"
        await fake.submit(f"mb:editform:{mention_id}", {"text": reply}, DESK, AGENT, [AGENT_ROLE])
        sent = await fake.wait_for(
            lambda: [b for c, b in fake.sent if c == WATCHED and b.get("message_reference")]
        )
        body = sent[0]
        assert body["allowed_mentions"] == {"parse": []}
        assert str(body["message_reference"]["message_id"]) == question["id"]
        assert "@everyone" not in body["content"] and "\\*\\*10\\-16h\\*\\*" in body["content"]
        assert "\\<\\@\\&42\\>" in body["content"]
        history = await fake.wait_for(lambda: _closed(store, mention_id))
        assert [d.action for d in history.decisions] == [Action.APPROVE]
        assert history.decisions[0].actor == "discord:6002"


async def _closed(store: Store, mention_id: int):  # type: ignore[no-untyped-def]
    history = await store.get_mention(mention_id)
    return history if history.mention.status == "closed" else None


async def test_edits_update_the_mention_and_deletions_by_others_are_recorded(
    fake: FakeDiscord, store: Store
) -> None:
    async with running(fake, store) as rig:
        message = await fake.post(WATCHED, MEMBER, "first words")
        mention_id = await fake.wait_for(lambda: store_id(rig, message))
        edited = {**message, "content": "second thoughts", "edited_timestamp": message["timestamp"]}
        await fake.dispatch("MESSAGE_UPDATE", edited)

        async def text_is_new() -> bool:
            return (await store.get_mention(mention_id)).mention.text == "second thoughts"

        await fake.wait_for(text_is_new)
        await fake.dispatch(
            "MESSAGE_DELETE",
            {"id": message["id"], "channel_id": str(WATCHED), "guild_id": str(GUILD_ID)},
        )

        async def marked() -> bool:
            return "deleted_at" in (await store.get_mention(mention_id)).mention.metadata

        await fake.wait_for(marked)
        actions = {a.action for a in await store.list_audit(mention_id)}
        assert {"source.edit", "source.delete"} <= actions
        # our own removals are not "deleted by others"
        _, removed = await auto_removed(fake, rig, "raid [spam 0.99]")
        await fake.wait_for(lambda: store.list_moderation(mention_id=removed))
        assert "deleted_at" not in (await store.get_mention(removed)).mention.metadata


async def test_slash_commands(fake: FakeDiscord, store: Store) -> None:
    async with running(fake, store) as rig:
        assert {c["name"] for c in fake.commands[GUILD_ID]} == {"mentions", "modlog"}
        _, removed = await auto_removed(fake, rig, "raid [spam 0.99]")
        waiting = await fake.post(WATCHED, MEMBER, "where is my order?")
        waiting_id = await fake.wait_for(lambda: store_id(rig, waiting))
        await fake.wait_for(lambda: card_for(fake, waiting_id))
        await fake.wait_for(store.waiting_counts)  # marked relayed just after the card posts
        iid = await fake.slash("mentions", "stats", DESK, AGENT, [AGENT_ROLE])
        [answer] = await fake.wait_for(lambda: fake.responses[iid])
        assert answer["data"]["flags"] & EPHEMERAL and "other 1" in answer["data"]["content"]
        iid = await fake.slash("mentions", "next", DESK, AGENT, [AGENT_ROLE])
        [answer] = await fake.wait_for(lambda: fake.responses[iid])
        assert answer["data"]["content"].startswith(f"#{waiting_id} ")
        await fake.wait_for(lambda: store.list_moderation(mention_id=removed))
        spammer = {"type": 6, "name": "user", "value": SPAMMER["id"]}
        resolved = {"users": {SPAMMER["id"]: SPAMMER}}
        iid = await fake.slash("modlog", None, DESK, MOD, [MOD_ROLE], [spammer], resolved)
        [answer] = await fake.wait_for(lambda: fake.responses[iid])
        assert answer["data"]["flags"] & EPHEMERAL and len(answer["data"]["embeds"]) == 1
        # an agent may not read the mod log: refused, ephemeral, audited
        iid = await fake.slash("modlog", None, DESK, AGENT, [AGENT_ROLE])
        [answer] = await fake.wait_for(lambda: fake.responses[iid])
        assert answer["data"]["content"].startswith("Refused")
        refused = [a for a in await store.list_audit() if a.action == "discord.command"]
        assert refused and refused[0].outcome is Outcome.REFUSED
        assert followups(fake, iid) == []


async def test_gateway_drop_is_resumed_and_nothing_posted_meanwhile_is_lost(
    fake: FakeDiscord, store: Store
) -> None:
    async with running(fake, store) as rig:
        before = await fake.post(WATCHED, MEMBER, "before the drop")
        await fake.wait_for(lambda: store_id(rig, before))
        await fake.drop(code=4000)  # Discord closes the connection; discord.py resumes
        during = await fake.post(WATCHED, MEMBER, "while we were away")
        await fake.wait_for(lambda: fake.resumes >= 1, within=30)
        await fake.wait_for(lambda: store_id(rig, during))
        after = await fake.post(WATCHED, MEMBER, "after the resume")
        await fake.wait_for(lambda: store_id(rig, after))
        assert fake.identifies == 1
