"""The Discord desk inside the real bot (``bot.app.running``: settings → ``bot.desks`` → the
pipeline with the shipped classifier), against the fake Discord, on both databases."""

from __future__ import annotations

from bot.app import running
from models.moderation import AUTOMATIC, ModAction
from tests.bot.conftest import ModelFiles, bot_settings
from tests.bot.discord_desk.fake_discord import FakeDiscord
from tests.bot.discord_desk.rig import AUTO, MOD, MOD_ROLE, SPAMMER, WATCHED, desk_values
from tests.bot.discord_desk.test_flows import card_for, custom_ids, modlog_with
from tests.conftest import Backend

SPAM = "Buy cheap followers and likes, DM me now, 100% legit, limited offer"


async def test_the_real_bot_moderates_a_discord_channel(
    backend: Backend, model_files: ModelFiles, fake: FakeDiscord
) -> None:
    discord = desk_values(
        fake,
        channels=[
            {"id": WATCHED, "auto_remove": False, "threshold": 0.8},
            {"id": AUTO, "auto_remove": True, "threshold": 0.8},
        ],
    )
    settings = bot_settings(
        backend.url, model_files, None, chat={"adapter": "none"}, discord=discord
    )
    async with running(settings) as bot:
        store = bot.store
        raid = await fake.post(AUTO, SPAMMER, SPAM)
        plain = await fake.post(WATCHED, SPAMMER, SPAM + " (in a channel without auto-removal)")

        async def mention(message: dict[str, object]) -> int | None:
            found = [m for m in await store.list_mentions() if m.external_id == message["id"]]
            return found[0].id if found else None

        raid_id = await fake.wait_for(lambda: mention(raid), within=60)

        async def classified() -> bool:
            return bool((await store.get_mention(raid_id)).predictions)

        await fake.wait_for(classified, within=60)
        spam = (await store.get_mention(raid_id)).predictions[-1]
        if spam.label.value != "spam" or spam.confidence < 0.8 or not spam.auto_action:
            # an untrained stand-in model (no shipped artifact): nothing to auto-remove
            assert int(raid["id"]) not in fake.deleted
            return
        await fake.wait_for(lambda: int(raid["id"]) in fake.deleted, within=30)
        [entry] = await fake.wait_for(lambda: store.list_moderation(mention_id=raid_id))
        assert entry.actor == AUTOMATIC and entry.action is ModAction.REMOVE
        assert entry.model_version == spam.model_version
        await fake.wait_for(lambda: modlog_with(fake, f"entry {entry.id}"), within=30)

        plain_id = await fake.wait_for(lambda: mention(plain), within=60)
        card = await fake.wait_for(lambda: card_for(fake, plain_id), within=30)
        assert f"mb:remove:{plain_id}" in custom_ids(card)
        await fake.click(int(card["id"]), f"mb:remove:{plain_id}", MOD, [MOD_ROLE])
        await fake.wait_for(lambda: int(plain["id"]) in fake.deleted, within=30)
