"""Discord as a source: messages in watched channels become mentions.

Messages are ingested in small batches (whatever arrived while the previous batch was being
stored), so a raid of thousands of messages is a few hundred store writes, not thousands.
Edits update the stored text (audited with the old one); deletions by anyone but us are
recorded on the mention.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import discord

from bot.discord.context import Context
from bot.discord.wire import SOURCE, MessageLink
from models.domain import NewMention

log = logging.getLogger(__name__)
BATCH_MAX = 200


def to_mention(message: discord.Message) -> NewMention:
    guild_id = message.guild.id if message.guild else None
    link = MessageLink(guild_id, message.channel.id, message.id)
    author = message.author
    return NewMention(
        source=SOURCE,
        external_id=str(message.id),
        author_id=str(author.id),
        author_name=author.display_name,
        text=message.content,
        url=link.url,
        language=None,
        created_at=message.created_at,
        metadata={
            "guild_id": None if guild_id is None else str(guild_id),
            "channel_id": str(message.channel.id),
            "message_id": str(message.id),
        },
        author_avatar_url=str(author.display_avatar.url),
    )


class DiscordSource:
    def __init__(self, ctx: Context, on_ingested: Callable[[], None]) -> None:
        self._ctx = ctx
        self._on_ingested = on_ingested
        self._queue: asyncio.Queue[NewMention] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def watches(self, guild_id: int | None, channel_id: int) -> bool:
        s = self._ctx.settings
        return guild_id in s.guild_ids and s.watched(channel_id) is not None

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name="discord-ingest")

    async def stop(self) -> None:
        """Stop the loop (a batch it was storing goes back to the queue), then store what is
        queued."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            await self._ingest_some()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return  # our own cards, reposts and other bots are not mentions
        guild_id = message.guild.id if message.guild else None
        if self.watches(guild_id, message.channel.id):
            self._queue.put_nowait(to_mention(message))

    async def _drain(self) -> None:
        while True:
            try:
                await self._ingest_some()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is down: keep the queue, try again shortly
                log.exception("ingesting Discord messages failed; retrying")
                await asyncio.sleep(1.0)

    async def _ingest_some(self) -> None:
        first = await self._queue.get()
        batch = [first]
        while len(batch) < BATCH_MAX and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        try:
            results = await self._ctx.store.ingest(batch)
        except BaseException:
            for m in batch:  # nothing acknowledged is lost: back in the queue
                self._queue.put_nowait(m)
            raise
        created = sum(r.created for r in results)
        self._ctx.metrics.ingested.labels("true").inc(created)
        self._ctx.metrics.ingested.labels("false").inc(len(results) - created)
        self._on_ingested()

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        content = payload.data.get("content")
        if content is None or not self.watches(payload.guild_id, payload.channel_id):
            return
        await self._ctx.store.source_edited(SOURCE, str(payload.message_id), content, SOURCE)

    async def on_delete(self, channel_id: int, guild_id: int | None, message_ids: set[int]) -> None:
        if not self.watches(guild_id, channel_id):
            return
        for message_id in message_ids:
            if message_id in self._ctx.deleting:
                self._ctx.deleting.discard(message_id)
                continue  # our own removal, logged in the mod log
            detail = {"channel_id": str(channel_id), "by": "someone else"}
            await self._ctx.store.source_deleted(SOURCE, str(message_id), SOURCE, detail)
