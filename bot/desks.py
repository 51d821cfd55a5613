"""The chat desks — Slack and Discord — built from settings: part of the composition root.

``bot.app.running`` calls :func:`build_desks` once the store and the decision service exist.
This module and ``bot.app`` are the only ones that import concrete adapters. A desk is a chat
adapter (cards and buttons); Discord is also a mention source and, for the mentions it brought
in, the publisher that replies and removes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.chat.base import ChatAdapter
from bot.decisions import DecisionService
from bot.metrics import Metrics
from bot.publish.base import Publisher
from bot.settings import Settings
from models.store import Store


@dataclass
class Desks:
    adapters: list[ChatAdapter] = field(default_factory=list)
    publishers: dict[str, Publisher] = field(default_factory=dict)
    """Extra publishers by name (``discord``)."""
    source_routes: dict[str, str] = field(default_factory=dict)
    """Mention source → publisher name for the sources a desk brings in."""
    http_routes: list[web.RouteDef] = field(default_factory=list)
    """Routes to mount on the bot's HTTP server (Slack in HTTP mode)."""


def build_desks(
    settings: Settings,
    store: Store,
    decisions: DecisionService,
    metrics: Metrics,
    on_ingested: Callable[[], None],
) -> Desks:
    """The desks ``settings`` switch on (not started: enter each adapter with ``async with``)."""
    desks = Desks()
    if settings.slack.enabled:
        from bot.slack.desk import SlackDesk

        slack = SlackDesk(settings.slack, store=store, decisions=decisions, metrics=metrics)
        desks.adapters.append(slack)
        if settings.slack.mode == "http":
            desks.http_routes += slack.http_routes()
    if settings.discord.enabled:
        from bot.discord.desk import DiscordDesk

        discord = DiscordDesk(
            settings.discord,
            store=store,
            decisions=decisions,
            metrics=metrics,
            on_ingested=on_ingested,
        )
        desks.adapters.append(discord)
        desks.publishers[discord.publisher.name] = discord.publisher
        desks.source_routes[discord.name] = discord.publisher.name
    return desks
