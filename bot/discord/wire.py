"""Translating discord.py failures into the runtime's error tree, and Discord references.

discord.py already waits out rate limits (it reads ``X-RateLimit-*`` and retries 429s); what
still reaches us is mapped here: 429/5xx/connection trouble → ``TransientError``, other 4xx →
``PermanentError``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import discord

from bot.errors import PermanentError, TransientError

SOURCE = "discord"
UNKNOWN_MESSAGE = 10008
_JUMP = re.compile(r"/channels/(?P<guild>\d+|@me)/(?P<channel>\d+)/(?P<message>\d+)")
DISCORD_EPOCH_MS = 1420070400000


@dataclass(frozen=True, slots=True)
class MessageLink:
    """Where a Discord message lives."""

    guild_id: int | None
    channel_id: int
    message_id: int

    @classmethod
    def parse(cls, url: str | None) -> MessageLink:
        found = _JUMP.search(url or "")
        if found is None:
            raise PermanentError(f"not a Discord message link: {url!r}")
        guild = found["guild"]
        return cls(
            None if guild == "@me" else int(guild), int(found["channel"]), int(found["message"])
        )

    @property
    def url(self) -> str:
        guild = "@me" if self.guild_id is None else str(self.guild_id)
        return f"https://discord.com/channels/{guild}/{self.channel_id}/{self.message_id}"


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def bulk_deletable(message_id: int, now: datetime | None = None) -> bool:
    """Discord's bulk delete only takes messages younger than 14 days (a margin kept)."""
    age = (now or datetime.now(UTC)) - snowflake_time(message_id)
    return age < timedelta(days=13, hours=23)


@asynccontextmanager
async def translated(what: str) -> AsyncIterator[None]:
    """Run a Discord call, raising TransientError / PermanentError on failure."""
    try:
        yield
    except discord.RateLimited as exc:
        raise TransientError(f"{what}: rate limited", retry_after=exc.retry_after) from exc
    except discord.HTTPException as exc:
        if exc.status == 429 or exc.status >= 500:
            raise TransientError(f"{what}: HTTP {exc.status}") from exc
        raise PermanentError(f"{what}: HTTP {exc.status} (code {exc.code})") from exc
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
        raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from exc
