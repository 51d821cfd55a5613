"""``DiscordDesk``: the Discord chat adapter (cards with persistent buttons in the desk channel)
and, through the same connection, the Discord source, the mod log, appeals and the ``discord``
publisher.

``async with desk:`` logs in, connects to the gateway, waits until ready and starts the ingest
and mod-log loops; leaving stops them and closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

import discord
import discord.gateway
import discord.http
import yarl

from bot.chat.base import ChatAdapter
from bot.chat.card import Card, MessageRef
from bot.decisions import DecisionService
from bot.discord import automod, buttons, embeds
from bot.discord.actions import DeskActions
from bot.discord.appeals import Appeals, Restorer
from bot.discord.client import DeskClient
from bot.discord.commands import build_commands
from bot.discord.context import Context
from bot.discord.modlog import ModLog
from bot.discord.publisher import DiscordPublisher
from bot.discord.settings import DiscordSettings
from bot.discord.source import DiscordSource
from bot.discord.wire import SOURCE, translated
from bot.errors import ConfigError, PermanentError
from bot.metrics import Metrics
from bot.publish.base import Publisher
from models.domain import Action
from models.moderation import AUTOMATIC
from models.store import Store

log = logging.getLogger(__name__)
AUTO_PREFIX = "auto:"
"""A card ref for an automatic removal: its card is the mod-log entry (no desk card in a raid)."""
READY_TIMEOUT_S = 60.0


class DiscordDesk(ChatAdapter):
    name = SOURCE

    def __init__(
        self,
        settings: DiscordSettings,
        *,
        store: Store,
        decisions: DecisionService,
        metrics: Metrics,
        on_ingested: Callable[[], None],
    ) -> None:
        if settings.token is None or settings.desk_channel_id is None:
            raise ConfigError("discord.token and discord.desk_channel_id must be set")
        self._settings = settings
        self._ctx = Context(settings, store, decisions, metrics)
        self._on_ingested = on_ingested
        self._publisher = DiscordPublisher(self._ctx)
        self._modlog = ModLog(self._ctx)
        self._source: DiscordSource | None = None
        self._runner: asyncio.Task[None] | None = None

    @property
    def publisher(self) -> Publisher:
        return self._publisher

    @property
    def modlog(self) -> ModLog:
        return self._modlog

    async def __aenter__(self) -> Self:
        s = self._settings
        if s.api_base:
            discord.http.Route.BASE = s.api_base.rstrip("/")
        if s.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(s.gateway_url)
        ctx = self._ctx
        ctx.modlog_wake = asyncio.Event()
        restorer = Restorer(ctx, self._modlog)
        actions = DeskActions(ctx, restorer, Appeals(ctx, restorer))
        self._source = DiscordSource(ctx, self._on_ingested)
        client = DeskClient(ctx, actions, self._source, build_commands(ctx))
        ctx.client = client
        assert s.token is not None
        try:
            await client.login(s.token.get_secret_value())
        except discord.LoginFailure as exc:
            await client.close()
            raise ConfigError("discord.token was refused by Discord") from exc
        except BaseException:
            await client.close()
            raise
        self._runner = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait(
            {ready, self._runner}, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if not ready.done():
            ready.cancel()
            why = self._runner.exception() if self._runner.done() else "timed out"
            await self._close()
            raise PermanentError(f"could not connect to the Discord gateway: {why}")
        self._source.start()
        self._modlog.start()
        log.info("discord desk connected", extra={"user": str(client.user)})
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        """Stop the mod-log loop, close the connection (no more events), then store what the
        source still holds."""
        await self._modlog.stop()
        if self._ctx.client is not None:
            await self._ctx.client.close()
        if self._runner is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._runner
        if self._source is not None:
            await self._source.stop()
        self._ctx.client = None

    # --- ChatAdapter ---------------------------------------------------------------------------

    async def post_card(self, card: Card) -> MessageRef:
        ctx = self._ctx
        if _auto_removed(card) or (
            automod.qualifies(ctx, card) and await automod.auto_remove(ctx, card)
        ):
            return self._auto_ref(card)
        channel = ctx.live().get_partial_messageable(self._desk_channel)
        async with translated("post card"):
            message = await channel.send(
                embed=embeds.card_embed(card),
                view=buttons.card_view(card),
                allowed_mentions=embeds.NO_PINGS,
            )
        return MessageRef(str(self._desk_channel), str(message.id))

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        if ref.message_id.startswith(AUTO_PREFIX):
            return  # shown by its mod-log entry
        channel = self._ctx.live().get_partial_messageable(int(ref.channel))
        async with translated("update card"):
            await channel.get_partial_message(int(ref.message_id)).edit(
                embed=embeds.card_embed(card), view=buttons.card_view(card)
            )

    async def find_card(self, card: Card, since: datetime) -> MessageRef | None:
        if _auto_removed(card):
            return self._auto_ref(card)
        channel = self._ctx.live().get_partial_messageable(self._desk_channel)
        wanted = embeds.footer(card.mention_id)
        async with translated("find card"):
            async for message in channel.history(after=since, limit=500, oldest_first=True):
                if any(e.footer.text == wanted for e in message.embeds):
                    return MessageRef(str(self._desk_channel), str(message.id))
        return None

    def _auto_ref(self, card: Card) -> MessageRef:
        return MessageRef(str(self._settings.modlog_channel_id), f"{AUTO_PREFIX}{card.mention_id}")

    @property
    def _desk_channel(self) -> int:
        assert self._settings.desk_channel_id is not None
        return self._settings.desk_channel_id


def _auto_removed(card: Card) -> bool:
    return card.state.decision is Action.REMOVE and card.state.decided_by == AUTOMATIC
