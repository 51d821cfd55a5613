"""The discord.py client: gateway events in, our handlers out. Nothing else subclasses
discord.py, and no Discord object leaves ``bot.discord``."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.discord.actions import DeskActions
from bot.discord.buttons import DYNAMIC_ITEMS
from bot.discord.context import Context
from bot.discord.source import DiscordSource

log = logging.getLogger(__name__)
_FORM = re.compile(r"mb:(?P<kind>[a-z]+):(?P<ref>\d+)")


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True  # privileged: switch it on in the Developer Portal
    return wanted


class DeskClient(discord.Client):
    def __init__(
        self,
        ctx: Context,
        handler: DeskActions,
        source: DiscordSource,
        commands: list[Any],
    ) -> None:
        super().__init__(
            intents=intents(), allowed_mentions=discord.AllowedMentions.none(), max_messages=None
        )
        self.ctx = ctx
        self.handler = handler
        self.source = source
        self.tree = app_commands.CommandTree(self)
        for command in commands:
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.ctx.settings.sync_commands:
            for guild_id in self.ctx.settings.guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        await self.source.on_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.source.on_edit(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.source.on_delete(payload.channel_id, payload.guild_id, {payload.message_id})

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.source.on_delete(payload.channel_id, payload.guild_id, set(payload.message_ids))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Forms (modals) are answered here by their custom id, so a form opened before a
        restart still works; buttons are handled by the dynamic items."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if (found := _FORM.fullmatch(custom_id)) is not None:
            await self.handler.on_form(interaction, found["kind"], int(found["ref"]))

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("error in Discord event %s", event_method)
