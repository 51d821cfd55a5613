"""Slash commands: ``/mentions next``, ``/mentions stats`` and ``/modlog [user]``.
Answers are ephemeral; a member without the needed role is refused (audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord
from discord import app_commands

from bot.discord import embeds
from bot.discord.context import Context
from bot.discord.roles import actor_name, actor_of, at_least
from bot.discord.wire import SOURCE
from models.domain import Outcome, Role
from models.store.base import utcnow


async def _allowed(ctx: Context, interaction: discord.Interaction[Any], role: Role) -> bool:
    if at_least(actor_of(interaction.user, ctx.settings.roles), role):
        return True
    reason = f"/{interaction.command.qualified_name if interaction.command else '?'} needs {role}"
    await ctx.store.audit(
        actor_name(interaction.user),
        "discord.command",
        detail={"reason": reason},
        outcome=Outcome.REFUSED,
    )
    await interaction.response.send_message(
        f"Refused: {reason}.", ephemeral=True, allowed_mentions=embeds.NO_PINGS
    )
    return False


def build_commands(ctx: Context) -> list[app_commands.Command[Any, Any, Any] | app_commands.Group]:
    mentions = app_commands.Group(name="mentions", description="The review queue")

    @mentions.command(name="next", description="The mention that has waited longest")
    async def next_(interaction: discord.Interaction[Any]) -> None:
        if not await _allowed(ctx, interaction, Role.AGENT):
            return
        m = await ctx.store.oldest_waiting()
        if m is None:
            text = "Nothing is waiting."
        else:
            label = m.label.value if m.label else "unclassified"
            card = await ctx.store.get_card(m.id, SOURCE)
            where = f" — card {card.message_ref}" if card else ""
            text = f"#{m.id} {label} from {embeds.clip(m.author_name, 100)}{where}"
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=embeds.NO_PINGS
        )

    @mentions.command(name="stats", description="Waiting mentions and today's decisions")
    async def stats(interaction: discord.Interaction[Any]) -> None:
        if not await _allowed(ctx, interaction, Role.AGENT):
            return
        waiting = await ctx.store.waiting_counts()
        counts = await ctx.store.counts_since(utcnow() - timedelta(days=1))
        lines = [
            "Waiting: "
            + (
                ", ".join(
                    f"{'unclassified' if k is None else k.value} {n}" for k, n in waiting.items()
                )
                or "none"
            )
        ]
        lines.append("Last 24 h: " + ", ".join(f"{k} {n}" for k, n in counts.items() if n))
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=embeds.NO_PINGS
        )

    @app_commands.command(name="modlog", description="Recent moderation, optionally of one member")
    @app_commands.describe(user="Only this member's entries")
    async def modlog(
        interaction: discord.Interaction[Any], user: discord.User | None = None
    ) -> None:
        if not await _allowed(ctx, interaction, Role.MODERATOR):
            return
        entries = await ctx.store.list_moderation(
            source=SOURCE, author_id=None if user is None else str(user.id), limit=10
        )
        if not entries:
            await interaction.response.send_message(
                "No entries.", ephemeral=True, allowed_mentions=embeds.NO_PINGS
            )
            return
        await interaction.response.send_message(
            embeds=[embeds.modlog_embed(e) for e in entries],
            ephemeral=True,
            allowed_mentions=embeds.NO_PINGS,
        )

    return [mentions, modlog]
