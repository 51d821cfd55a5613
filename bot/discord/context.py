"""What the Discord modules share: settings, the store, decisions, and the running client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.decisions import DecisionService
from bot.discord.settings import DiscordSettings
from bot.errors import TransientError
from bot.metrics import Metrics
from models.store import Store

if TYPE_CHECKING:
    from bot.discord.client import DeskClient


@dataclass
class Context:
    settings: DiscordSettings
    store: Store
    decisions: DecisionService
    metrics: Metrics
    client: DeskClient | None = None
    deleting: set[int] = field(default_factory=set)
    """Message ids we are deleting (their gateway delete events are ours, not "by others")."""
    modlog_wake: asyncio.Event = field(default_factory=asyncio.Event)

    def live(self) -> DeskClient:
        """The connected client; TransientError while the desk is not running."""
        if self.client is None or self.client.is_closed():
            raise TransientError("the Discord desk is not connected")
        return self.client
