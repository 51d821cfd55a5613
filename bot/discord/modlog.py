"""The mod-log channel and the member notices, both fed from the store's queues.

Entries are written by whoever acted (publisher, buttons) and start unposted; this loop posts
them, up to ten embeds per message with a "Not spam" button per removal, and then marks them
posted. Removal notices (a DM with the reason and an Appeal button) and appeal outcomes are sent
the same way. A crash between acting and posting only delays the post: 0 entries are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import discord

from bot.discord import buttons, embeds
from bot.discord.context import Context
from bot.discord.wire import SOURCE, MessageLink
from bot.errors import BotError
from models.domain import MentionHistory
from models.moderation import (
    AppealRecord,
    AppealState,
    ModAction,
    ModLogEntry,
    NewModLogEntry,
    NoticeState,
)

log = logging.getLogger(__name__)


class ModLog:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._task: asyncio.Task[None] | None = None
        self._last_dm: dict[str, float] = {}
        self.posted = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discord-modlog")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        ctx = self._ctx
        while True:
            ctx.modlog_wake.clear()
            try:
                busy = await self.flush()
            except asyncio.CancelledError:
                raise
            except (discord.HTTPException, BotError) as exc:  # 429s past discord.py's retries
                log.warning("mod log: Discord call failed (%s); retrying", exc)
                busy = False
            except Exception:
                log.exception("mod log: posting failed; retrying")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ctx.modlog_wake.wait(), ctx.settings.modlog_poll_s)

    async def flush(self) -> bool:
        """Post a round of unposted entries and owed notices; True if there was work."""
        s = self._ctx.settings
        entries = await self._ctx.store.unposted_moderation(limit=s.modlog_batch * 5)
        for start in range(0, len(entries), s.modlog_batch):
            await self._post(entries[start : start + s.modlog_batch])
        notices = await self._ctx.store.moderation_notices(limit=20)
        for entry in notices:
            await self._notify(entry)
        outcomes = await self._ctx.store.appeal_notices(limit=20)
        for appeal in outcomes:
            await self._notify_outcome(appeal)
        return bool(entries or notices or outcomes)

    async def _post(self, entries: list[ModLogEntry]) -> None:
        ctx = self._ctx
        channel_id = ctx.settings.modlog_channel_id
        assert channel_id is not None
        channel = ctx.live().get_partial_messageable(channel_id)
        view = buttons.modlog_view(entries)
        message = await channel.send(
            embeds=[embeds.modlog_embed(e) for e in entries],
            allowed_mentions=embeds.NO_PINGS,
            view=view,
        )
        await ctx.store.mark_moderation_posted(
            [e.id for e in entries], str(channel_id), str(message.id)
        )
        self.posted += len(entries)

    async def refresh(self, entry: ModLogEntry) -> None:
        """Re-render the mod-log message showing ``entry`` (e.g. its content was restored)."""
        if entry.posted_channel is None or entry.posted_message is None:
            return
        shown = await self._ctx.store.moderation_on_message(
            entry.posted_channel, entry.posted_message
        )
        view = buttons.modlog_view(shown)
        channel = self._ctx.live().get_partial_messageable(int(entry.posted_channel))
        await channel.get_partial_message(int(entry.posted_message)).edit(
            embeds=[embeds.modlog_embed(e) for e in shown], view=view
        )

    async def _notify(self, entry: ModLogEntry) -> None:
        ctx = self._ctx
        now = time.monotonic()
        last = self._last_dm.get(entry.author_id)
        if last is not None and now - last < ctx.settings.appeals.dm_cooldown_s:
            await ctx.store.set_moderation_notice(entry.id, NoticeState.NONE)
            return  # one DM per member per cooldown: a raid must not make us a DM spammer
        self._last_dm[entry.author_id] = now
        state = NoticeState.SENT
        try:
            dm = await ctx.live().create_dm(discord.Object(int(entry.author_id)))
            await dm.send(
                embed=embeds.notice_embed(entry),
                view=buttons.notice_view(entry),
                allowed_mentions=embeds.NO_PINGS,
            )
        except (discord.Forbidden, discord.NotFound, ValueError):
            state = NoticeState.FAILED  # e.g. the member does not accept DMs
        await ctx.store.set_moderation_notice(entry.id, state)

    async def _notify_outcome(self, appeal: AppealRecord) -> None:
        ctx = self._ctx
        state = NoticeState.SENT
        if appeal.state is not AppealState.OPEN:
            try:
                dm = await ctx.live().create_dm(discord.Object(int(appeal.author_id)))
                await dm.send(embed=embeds.outcome_embed(appeal), allowed_mentions=embeds.NO_PINGS)
            except (discord.Forbidden, discord.NotFound):
                state = NoticeState.FAILED
        await ctx.store.set_appeal_notice(appeal.id, state)


def mention_entry(
    h: MentionHistory,
    where: MessageLink,
    *,
    key: str,
    actor: str,
    action: ModAction,
    reason: str,
    notice: NoticeState = NoticeState.NONE,
) -> NewModLogEntry:
    """A mod-log entry about a mention's message (a removal, timeout or ban), with a copy of
    its content and the latest prediction's model version and confidence."""
    m = h.mention
    p = h.prediction
    return NewModLogEntry(
        key=key,
        source=SOURCE,
        channel_id=str(where.channel_id),
        author_id=m.author_external_id,
        author_name=m.author_name,
        actor=actor,
        action=action,
        reason=reason,
        content=m.text,
        mention_id=m.id,
        guild_id=None if where.guild_id is None else str(where.guild_id),
        message_id=str(where.message_id),
        author_avatar_url=m.author_avatar_url,
        model_version=None if p is None else p.model_version,
        confidence=None if p is None else p.confidence,
        notice=notice,
    )
