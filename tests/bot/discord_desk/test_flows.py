"""Acceptance 1: the real discord.py client against the fake Discord."""

from __future__ import annotations

import copy
from typing import Any

from models.domain import Label, Outcome
from models.moderation import AUTOMATIC, AppealState, ModAction
from models.store import Store
from tests.bot.discord_desk.fake_discord import FakeDiscord
from tests.bot.discord_desk.rig import (
    AGENT,
    AGENT_ROLE,
    AUTO,
    DESK,
    MOD,
    MOD_ROLE,
    MODLOG,
    SPAMMER,
    WATCHED,
    running,
)

EPHEMERAL = 64


def card_for(fake: FakeDiscord, mention_id: int) -> dict[str, Any] | None:
    footer = f"mentionbot #{mention_id}"
    for m in fake.in_channel(DESK):
        if any((e.get("footer") or {}).get("text") == footer for e in m["embeds"]):
            return m
    return None


def custom_ids(message: dict[str, Any]) -> set[str]:
    return {c["custom_id"] for row in message["components"] for c in row["components"]}


def modlog_with(fake: FakeDiscord, needle: str) -> dict[str, Any] | None:
    for m in fake.in_channel(MODLOG):
        if any(needle in (e.get("title") or "") for e in m["embeds"]):
            return m
    return None


async def mention_of(store: Store, message: dict[str, Any]) -> int:
    [m] = [x for x in await store.list_mentions() if x.external_id == message["id"]]
    return m.id


def followups(fake: FakeDiscord, iid: int) -> list[dict[str, Any]]:
    return [r for r in fake.responses[iid] if r.get("followup")]


async def test_spam_card_remove_deletes_and_logs(fake: FakeDiscord, store: Store) -> None:
    async with running(fake, store) as rig:
        spam = await fake.post(WATCHED, SPAMMER, "cheap followers [spam 0.97] @everyone")
        mention_id = await fake.wait_for(lambda: store_id(rig, spam))
        card = await fake.wait_for(lambda: card_for(fake, mention_id))
        assert f"mb:remove:{mention_id}" in custom_ids(card)
        assert int(spam["id"]) not in fake.deleted  # auto-removal is off in this channel
        iid = await fake.click(int(card["id"]), f"mb:remove:{mention_id}", MOD, [MOD_ROLE])
        await fake.wait_for(lambda: int(spam["id"]) in fake.deleted)
        entry = await fake.wait_for(lambda: modlog_with(fake, "remove"))
        assert "cheap followers" in entry["embeds"][0]["description"]
        assert fake.responses[iid][0]["type"] == 5  # deferred, ephemeral "thinking"
        answer = await fake.wait_for(lambda: followups(fake, iid))
        assert answer[0]["flags"] & EPHEMERAL
        [logged] = await store.list_moderation(mention_id=mention_id)
        assert logged.actor == "discord:6001" and logged.action is ModAction.REMOVE
        assert logged.model_version == "scripted-1" and logged.confidence == 0.97
        assert logged.content == "cheap followers [spam 0.97] @everyone"
        audit = {a.action for a in await store.list_audit(mention_id)}
        assert {"decision.remove", "moderation.remove"} <= audit


async def store_id(rig: Any, message: dict[str, Any]) -> int | None:
    found = [x for x in await rig.store.list_mentions() if x.external_id == message["id"]]
    return found[0].id if found else None


def dm_with(fake: FakeDiscord, uid: int, needle: str) -> dict[str, Any] | None:
    for m in fake.dm_messages(uid):
        if any(
            needle in (e.get("title") or "") + (e.get("description") or "") for e in m["embeds"]
        ):
            return m
    return None


async def auto_removed(fake: FakeDiscord, rig: Any, text: str) -> tuple[dict[str, Any], int]:
    """A spam message in the auto-moderated channel, removed without a human."""
    spam = await fake.post(AUTO, SPAMMER, text)
    mention_id = await fake.wait_for(lambda: store_id(rig, spam))
    await fake.wait_for(lambda: int(spam["id"]) in fake.deleted)
    return spam, mention_id


async def test_auto_removal_then_not_spam_reposts_and_keeps_feedback(
    fake: FakeDiscord, store: Store
) -> None:
    async with running(fake, store) as rig:
        low = await fake.post(AUTO, SPAMMER, "maybe spam [spam 0.6]")  # below the threshold
        _, mention_id = await auto_removed(fake, rig, "hello all [spam 0.99] **hi** @here")
        [entry] = await fake.wait_for(lambda: rig.store.list_moderation(mention_id=mention_id))
        assert entry.actor == AUTOMATIC and entry.confidence == 0.99
        assert "0.90" in entry.reason and entry.model_version == "scripted-1"
        logged = copy.deepcopy(await fake.wait_for(lambda: modlog_with(fake, f"entry {entry.id}")))
        assert card_for(fake, mention_id) is None  # its card is the mod-log entry
        button = f"mb:restore:{entry.id}"
        assert button in custom_ids(logged)
        low_id = await fake.wait_for(lambda: store_id(rig, low))
        assert await fake.wait_for(lambda: card_for(fake, low_id))  # waits for a human
        assert int(low["id"]) not in fake.deleted

        iid = await fake.click(int(logged["id"]), button, MOD, [MOD_ROLE])
        post = await fake.wait_for(lambda: fake.webhook_posts)
        assert post[0]["content"] == "hello all [spam 0.99] **hi** @here"
        assert post[0]["username"] == "Spammer"
        assert post[0]["allowed_mentions"] == {"parse": []}
        await fake.wait_for(lambda: followups(fake, iid))
        [feedback] = await store.list_feedback(mention_id)
        assert feedback.from_label is Label.SPAM and feedback.to_label is Label.OTHER
        assert feedback.actor == "discord:6001" and feedback.text.startswith("hello all")
        history = await store.get_mention(mention_id)
        assert history.mention.label is Label.OTHER
        restores = [
            e
            for e in await store.list_moderation(mention_id=mention_id)
            if e.action is ModAction.RESTORE
        ]
        assert len(restores) == 1 and restores[0].actor == "discord:6001"
        await fake.wait_for(lambda: modlog_with(fake, "restore"))
        # the restored entry loses its button; restoring again does not repost
        await fake.wait_for(lambda: button not in custom_ids(fake.messages[int(logged["id"])]))
        stale = await fake.click(int(logged["id"]), button, MOD, [MOD_ROLE], seen=logged)
        [answer] = await fake.wait_for(lambda: followups(fake, stale))
        assert "already restored" in answer["content"] and len(fake.webhook_posts) == 1


async def test_appeal_round_trip(fake: FakeDiscord, store: Store) -> None:
    async with running(fake, store) as rig:
        _, mention_id = await auto_removed(fake, rig, "my art shop [spam 0.95]")
        notice = await fake.wait_for(lambda: dm_with(fake, 5001, "removed"))
        [entry] = await store.list_moderation(mention_id=mention_id)
        assert f"mb:appeal:{entry.id}" in custom_ids(notice)
        dm_channel = int(notice["channel_id"])
        # somebody else cannot appeal; the author gets a form
        iid = await fake.click(int(notice["id"]), f"mb:appeal:{entry.id}", SPAMMER)
        form = await fake.wait_for(lambda: fake.responses[iid])
        assert form[0]["type"] == 9 and form[0]["data"]["custom_id"] == f"mb:appealform:{entry.id}"
        iid = await fake.submit(
            f"mb:appealform:{entry.id}",
            {"statement": "I only shared my own art"},
            dm_channel,
            SPAMMER,
        )
        answer = await fake.wait_for(lambda: followups(fake, iid))
        assert "sent to the moderators" in answer[0]["content"]
        card = await fake.wait_for(
            lambda: next(
                (
                    m
                    for m in fake.in_channel(DESK)
                    if any("Appeal" in (e.get("title") or "") for e in m["embeds"])
                ),
                None,
            )
        )
        [appeal_button] = [c for c in custom_ids(card) if c.startswith("mb:accept:")]
        await fake.click(int(card["id"]), appeal_button, MOD, [MOD_ROLE])
        await fake.wait_for(lambda: fake.webhook_posts)
        assert fake.webhook_posts[0]["content"] == "my art shop [spam 0.95]"
        outcome = await fake.wait_for(lambda: dm_with(fake, 5001, "accepted"))
        assert outcome["embeds"][0]["title"].startswith("Appeal")
        appeal_id = int(appeal_button.rsplit(":", 1)[1])
        appeal = await store.get_appeal(appeal_id)
        assert appeal.state is AppealState.ACCEPTED and appeal.decided_by == "discord:6001"
        await fake.wait_for(lambda: modlog_with(fake, "appeal\\_accepted"))  # titles are escaped
        assert await fake.wait_for(lambda: store.list_feedback(mention_id))


async def test_button_clicked_after_restart_still_works(fake: FakeDiscord, store: Store) -> None:
    async with running(fake, store) as rig:
        spam = await fake.post(WATCHED, SPAMMER, "dm me for crypto [spam 0.8]")
        mention_id = await fake.wait_for(lambda: store_id(rig, spam))
        card = await fake.wait_for(lambda: card_for(fake, mention_id))
    assert fake.identifies == 1
    async with running(fake, store):  # a new process: no view, no state in memory
        await fake.click(int(card["id"]), f"mb:remove:{mention_id}", MOD, [MOD_ROLE])
        await fake.wait_for(lambda: int(spam["id"]) in fake.deleted)
        await fake.wait_for(lambda: modlog_with(fake, "remove"))
    assert fake.identifies == 2


async def test_non_moderator_ban_is_refused_and_audited(fake: FakeDiscord, store: Store) -> None:
    async with running(fake, store) as rig:
        spam = await fake.post(WATCHED, SPAMMER, "free nitro [spam 0.85]")
        mention_id = await fake.wait_for(lambda: store_id(rig, spam))
        card = await fake.wait_for(lambda: card_for(fake, mention_id))
        assert f"mb:ban:{mention_id}" in custom_ids(card)
        iid = await fake.click(int(card["id"]), f"mb:ban:{mention_id}", AGENT, [AGENT_ROLE])
        [answer] = await fake.wait_for(lambda: followups(fake, iid))
        assert answer["flags"] & EPHEMERAL and answer["content"].startswith("Refused")
        refused = [a for a in await store.list_audit(mention_id) if a.action == "discord.ban"]
        assert refused and refused[0].outcome is Outcome.REFUSED
        assert refused[0].actor == "discord:6002"
        assert fake.bans == []
        # a moderator may
        iid = await fake.click(int(card["id"]), f"mb:ban:{mention_id}", MOD, [MOD_ROLE])
        await fake.wait_for(lambda: fake.bans)
        assert fake.bans[0][1] == 5001
        await fake.wait_for(lambda: modlog_with(fake, "ban"))
        await fake.click(int(card["id"]), f"mb:timeout:{mention_id}", MOD, [MOD_ROLE])
        [(_, member, until)] = await fake.wait_for(lambda: fake.timeouts)
        assert member == 5001 and until is not None

        async def logged() -> set[ModAction]:  # logged once Discord has confirmed the action
            entries = await store.list_moderation(mention_id=mention_id)
            return {e.action for e in entries} if len(entries) == 2 else set()

        assert await fake.wait_for(logged) == {ModAction.BAN, ModAction.TIMEOUT}


async def test_relabel_select_is_answered_once_and_kept_as_feedback(
    fake: FakeDiscord, store: Store
) -> None:
    async with running(fake, store) as rig:
        message = await fake.post(WATCHED, SPAMMER, "hello there [question 0.6]")
        mention_id = await fake.wait_for(lambda: store_id(rig, message))
        card = await fake.wait_for(lambda: card_for(fake, mention_id))
        custom_id = f"mb:relabel:{mention_id}"
        iid = await fake.click(int(card["id"]), custom_id, MOD, [MOD_ROLE], values=["praise"])
        [answer] = await fake.wait_for(lambda: followups(fake, iid))
        assert answer["content"] == f"mention #{mention_id} relabelled praise"
        assert [r["type"] for r in fake.responses[iid] if "type" in r] == [5]  # one ack
        assert (await store.get_mention(mention_id)).mention.label is Label.PRAISE
        [fb] = await store.list_feedback(mention_id)
        assert fb.to_label is Label.PRAISE and fb.actor == "discord:6001"
