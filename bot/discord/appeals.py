"""Restoring removed content, and appeals.

* Restore ("Not spam" on a removal, or an accepted appeal): the saved content is reposted
  through a channel webhook under the author's name and avatar (``allowed_mentions`` none), the
  correction is kept as training feedback, and a ``restore`` entry goes to the mod log.
* Appeal: the Appeal button in the removal DM opens a form; the statement becomes an appeal
  card for moderators; Accept restores, Reject keeps the removal; the outcome goes to the mod log
  and is DM'd back (``ModLog``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

import discord

from bot.decisions import Actor, DecisionRequest
from bot.discord import buttons, embeds
from bot.discord.context import Context
from bot.discord.modlog import ModLog
from bot.discord.wire import SOURCE, translated
from models.domain import Action, Label
from models.moderation import AppealRecord, ModAction, ModLogEntry, NewModLogEntry

log = logging.getLogger(__name__)
WEBHOOK_NAME = "mentionbot"
APPEAL_MODAL = "appealform"


class Restorer:
    def __init__(self, ctx: Context, modlog: ModLog) -> None:
        self._ctx = ctx
        self._modlog = modlog
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._webhooks: dict[int, discord.Webhook] = {}

    async def restore(self, entry_id: int, actor: Actor, why: str) -> str:
        """Repost a removal's content once; returns what happened, for the moderator."""
        ctx = self._ctx
        async with self._locks[entry_id]:
            entry = await ctx.store.get_moderation(entry_id)
            if entry.result_ref is not None:
                return f"entry {entry.id} was already restored"
            webhook = await self._webhook(int(entry.channel_id))
            async with translated("repost"):
                message = await webhook.send(
                    content=entry.content[:2000] or "\u200b",
                    username=(entry.author_name or "member")[:80],
                    avatar_url=entry.author_avatar_url or discord.utils.MISSING,
                    allowed_mentions=embeds.NO_PINGS,
                    wait=True,
                )
            await ctx.store.set_moderation_result(entry.id, f"webhook:{message.id}")
        await ctx.store.record_moderation(
            follow_up(
                entry,
                key=f"restore:{entry.id}",
                actor=actor.name,
                action=ModAction.RESTORE,
                reason=why,
                message_id=str(message.id),
            )
        )
        if entry.mention_id is not None:
            await self.not_spam(entry.mention_id, actor, reason="not_spam")
        ctx.modlog_wake.set()
        try:
            await self._modlog.refresh(await ctx.store.get_moderation(entry.id))
        except discord.HTTPException as exc:
            log.warning("mod-log message not updated: %s", exc)
        return f"restored entry {entry.id} as message {message.id}"

    async def not_spam(self, mention_id: int, actor: Actor, reason: str) -> None:
        """Keep the correction as training feedback; relabel the mention if it is still spam."""
        ctx = self._ctx
        history = await ctx.store.get_mention(mention_id)
        p = history.prediction
        await ctx.store.record_feedback(
            mention_id,
            Label.OTHER,
            actor.name,
            reason,
            from_label=None if p is None else p.label,
            model_version=None if p is None else p.model_version,
        )
        if history.mention.label is Label.SPAM:
            request = DecisionRequest(
                mention_id,
                Action.RELABEL,
                label=Label.OTHER,
                idempotency_key=f"notspam:{mention_id}",
            )
            await ctx.decisions.decide(actor, request)

    async def _webhook(self, channel_id: int) -> discord.Webhook:
        if (found := self._webhooks.get(channel_id)) is not None:
            return found
        client = self._ctx.live()
        async with translated("webhooks"):
            existing = await client.http.channel_webhooks(channel_id)
            data: Any = next(
                (w for w in existing if w.get("name") == WEBHOOK_NAME and w.get("token")), None
            )
            if data is None:
                data = await client.http.create_webhook(channel_id, name=WEBHOOK_NAME)
        webhook = discord.Webhook.partial(int(data["id"]), str(data["token"]), client=client)
        self._webhooks[channel_id] = webhook
        return webhook


class Appeals:
    def __init__(self, ctx: Context, restorer: Restorer) -> None:
        self._ctx = ctx
        self._restorer = restorer

    @staticmethod
    def form(entry_id: int, max_length: int) -> discord.ui.Modal:
        modal = discord.ui.Modal(
            title="Appeal the removal", custom_id=f"mb:{APPEAL_MODAL}:{entry_id}", timeout=600
        )
        modal.add_item(
            discord.ui.TextInput(
                label="Why should your message be restored?",
                style=discord.TextStyle.paragraph,
                custom_id="statement",
                max_length=max_length,
            )
        )
        return modal

    async def submit(self, user: discord.abc.User, entry_id: int, statement: str) -> str:
        """Open the appeal and show it to moderators; returns the answer for the member."""
        ctx = self._ctx
        appeal, created = await ctx.store.open_appeal(entry_id, str(user.id), statement)
        if not created:
            return f"You have already appealed (appeal {appeal.id} is {appeal.state.value})."
        entry = await ctx.store.get_moderation(entry_id)
        desk = ctx.settings.desk_channel_id
        assert desk is not None
        channel = ctx.live().get_partial_messageable(desk)
        view = buttons.appeal_view(appeal)
        message = await channel.send(
            embed=embeds.appeal_embed(appeal, entry),
            allowed_mentions=embeds.NO_PINGS,
            view=view,
        )
        await ctx.store.set_appeal_card(appeal.id, str(desk), str(message.id))
        return f"Your appeal ({appeal.id}) was sent to the moderators."

    async def decide(self, appeal_id: int, actor: Actor, accept: bool) -> str:
        ctx = self._ctx
        appeal = await ctx.store.decide_appeal(appeal_id, actor.name, accept)
        entry = await ctx.store.get_moderation(appeal.modlog_id)
        outcome = "accepted" if accept else "rejected"
        answer = f"appeal {appeal.id} {outcome}"
        if accept:
            answer += "; " + await self._restorer.restore(entry.id, actor, f"appeal {appeal.id}")
        await ctx.store.record_moderation(
            follow_up(
                entry,
                key=f"appeal:{appeal.id}",
                actor=actor.name,
                action=ModAction.APPEAL_ACCEPTED if accept else ModAction.APPEAL_REJECTED,
                reason=f"appeal {appeal.id}: {appeal.statement}",
                message_id=entry.message_id,
            )
        )
        await self._refresh_card(appeal, entry)
        ctx.modlog_wake.set()  # the outcome DM is owed now
        return answer

    async def _refresh_card(self, appeal: AppealRecord, entry: ModLogEntry) -> None:
        if appeal.card_channel is None or appeal.card_message is None:
            return
        channel = self._ctx.live().get_partial_messageable(int(appeal.card_channel))
        try:
            await channel.get_partial_message(int(appeal.card_message)).edit(
                embed=embeds.appeal_embed(appeal, entry), view=buttons.appeal_view(appeal)
            )
        except discord.HTTPException as exc:
            log.warning("appeal card not updated: %s", exc)


def follow_up(
    entry: ModLogEntry,
    *,
    key: str,
    actor: str,
    action: ModAction,
    reason: str,
    message_id: str | None,
) -> NewModLogEntry:
    """A mod-log entry about the same message and author as ``entry`` (a restore, an appeal's
    outcome), keeping its content copy, model version and confidence."""
    return NewModLogEntry(
        key=key,
        source=SOURCE,
        channel_id=entry.channel_id,
        author_id=entry.author_id,
        author_name=entry.author_name,
        actor=actor,
        action=action,
        reason=reason,
        content=entry.content,
        mention_id=entry.mention_id,
        guild_id=entry.guild_id,
        message_id=message_id,
        author_avatar_url=entry.author_avatar_url,
        model_version=entry.model_version,
        confidence=entry.confidence,
    )
