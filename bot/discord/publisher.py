"""The ``discord`` publisher: replies and removals on Discord, driven by the outbox.

* A reply answers the original message (``message_reference``), with ``allowed_mentions`` none
  and its text escaped; its nonce (derived from the outbox key, ``enforce_nonce``) makes Discord
  drop a repeated send, so a retry after a lost answer cannot post twice.
* A removal deletes the message and writes its mod-log entry (actor or "automatic", reason,
  model version, confidence, content copy) in one store transaction with the audit entry. Other
  open removals in the same channel are carried out in the same bulk delete (a raid is 2,000
  deletions); the outbox then finds them done (``find``) and completes them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.discord.context import Context
from bot.discord.embeds import NO_PINGS, clip
from bot.discord.modlog import mention_entry
from bot.discord.wire import SOURCE, UNKNOWN_MESSAGE, MessageLink, bulk_deletable, translated
from bot.publish.base import Publisher, PublishRef, Target
from models.domain import Action, MentionHistory
from models.moderation import AUTOMATIC, ModAction, NewModLogEntry, NoticeState

log = logging.getLogger(__name__)
BULK_MAX = 100
SWEEP_S = 0.5
REPLY_MAX = 2000


def reply_content(text: str) -> str:
    """A reply as sent: escaped (no markdown, no mentions) and within Discord's 2,000."""
    return clip(text, REPLY_MAX)


def nonce_of(key: str) -> str:
    """A Discord message nonce (≤ 25 characters) for an outbox key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]


@dataclass(frozen=True, slots=True)
class _Removal:
    key: str
    """The outbox item's idempotency key (also the mod-log entry's key)."""
    link: MessageLink
    mention_id: int
    actor: str


class DiscordPublisher(Publisher):
    name = SOURCE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._swept = 0.0

    async def send_reply(self, target: Target, text: str, key: str) -> PublishRef:
        client = self._ctx.live()
        link = MessageLink.parse(target.url)
        channel = client.get_partial_messageable(link.channel_id, guild_id=link.guild_id)
        reference = discord.MessageReference(
            message_id=link.message_id,
            channel_id=link.channel_id,
            guild_id=link.guild_id,
            fail_if_not_exists=False,
        )
        async with translated("reply"):
            message = await channel.send(
                content=reply_content(text),
                reference=reference,
                allowed_mentions=NO_PINGS,
                nonce=nonce_of(key),
            )
        return PublishRef(self.name, str(message.id))

    async def find(self, key: str) -> PublishRef | None:
        entry = await self._ctx.store.moderation_by_key(key)
        return None if entry is None else PublishRef(self.name, f"removed:{entry.message_id}")

    async def remove(self, target: Target, key: str) -> PublishRef:
        if (done := await self.find(key)) is not None:
            await self._sweep()  # carried out by a bulk delete: keep the channel clean
            return done
        link = MessageLink.parse(target.url)
        await self._bulk(link.channel_id, _Removal(key, link, target.mention_id, ""))
        return PublishRef(self.name, f"removed:{link.message_id}")

    async def _sweep(self) -> None:
        """During a raid the outbox completes removals one by one while more arrive: at most
        every ``SWEEP_S`` seconds, carry out the open removals of one channel in one bulk."""
        now = time.monotonic()
        if now - self._swept < SWEEP_S:
            return
        self._swept = now
        items = await self._open()
        if items:
            await self._bulk(items[0].link.channel_id, None, items)

    async def _open(self) -> list[_Removal]:
        return [
            _Removal(
                i.idempotency_key,
                MessageLink.parse(i.payload.get("url")),
                i.mention_id,
                str(i.payload.get("actor", "")),
            )
            for i in await self._ctx.store.open_removals(SOURCE)
        ]

    async def _bulk(
        self, channel_id: int, first: _Removal | None, items: list[_Removal] | None = None
    ) -> None:
        """Delete ``first`` and, in the same call, other open removals in its channel that
        Discord's bulk delete accepts (≤ 100, younger than 14 days); then log each."""
        ctx = self._ctx
        batch: dict[str, _Removal] = {} if first is None else {first.key: first}
        if first is None or bulk_deletable(first.link.message_id):
            for r in items if items is not None else await self._open():
                if len(batch) >= BULK_MAX:
                    break
                if r.link.channel_id == channel_id and bulk_deletable(r.link.message_id):
                    batch[r.key] = _Removal(
                        r.key, r.link, r.mention_id, r.actor or batch.get(r.key, r).actor
                    )
        if not batch:
            return
        histories = await ctx.store.get_mentions([r.mention_id for r in batch.values()])
        await self._delete(channel_id, [r.link.message_id for r in batch.values()])
        await ctx.store.record_moderations(
            [
                self._entry(r.key, r.link, h, r.actor or _remover(h))
                for r in batch.values()
                if (h := histories.get(r.mention_id)) is not None
            ]
        )
        ctx.modlog_wake.set()

    async def _delete(self, channel_id: int, ids: Sequence[int]) -> None:
        client = self._ctx.live()
        self._ctx.deleting.update(ids)
        reason = "mentionbot moderation (see the mod log)"
        async with translated("delete"):
            try:
                if len(ids) == 1:
                    await client.http.delete_message(channel_id, ids[0], reason=reason)
                else:
                    await client.http.delete_messages(channel_id, list(ids), reason=reason)
            except discord.NotFound as exc:
                if exc.code != UNKNOWN_MESSAGE:
                    raise
                log.info("message already gone", extra={"channel": channel_id})

    def _entry(self, key: str, where: MessageLink, h: MentionHistory, actor: str) -> NewModLogEntry:
        s = self._ctx.settings
        m = h.mention
        p = h.prediction
        watched = s.watched(where.channel_id)
        if actor == AUTOMATIC and p is not None and watched is not None:
            reason = (
                f"automatic: {p.label.value} with confidence {p.confidence:.3f} "
                f"≥ this channel's threshold {watched.threshold:.2f}"
            )
        else:
            label = m.label.value if m.label else "unlabelled"
            reason = f"removed by {actor} (labelled {label})"
        return mention_entry(
            h,
            where,
            key=key,
            actor=actor,
            action=ModAction.REMOVE,
            reason=reason,
            notice=NoticeState.PENDING if s.appeals.enabled else NoticeState.NONE,
        )


def _remover(h: MentionHistory) -> str:
    removal = [d for d in h.decisions if d.action is Action.REMOVE]
    return removal[-1].actor if removal else "unknown"
