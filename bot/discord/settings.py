"""Settings of the Discord source and desk (``[discord]``, ``MENTIONBOT_DISCORD__*``).

A TOML example::

    [discord]
    enabled = true
    token = "..."                          # the bot token (Developer Portal → Bot)
    guild_ids = [111]
    desk_channel_id = 222                  # review cards, appeal cards
    modlog_channel_id = 333                # every removal, timeout, ban, restore

    [[discord.channels]]                   # watched channels: their messages become mentions
    id = 444
    auto_remove = true                     # a moderator switched auto-removal on here
    threshold = 0.95                       # spam probability at or above which it removes

    [discord.roles]
    agent = [555]
    moderator = [666]
    admin = [777]
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, model_validator

from bot.section import Section

Snowflake = Annotated[int, Field(gt=0)]


class WatchedChannel(Section):
    """A channel whose messages are ingested, with its auto-moderation switch."""

    id: Snowflake
    auto_remove: bool = False
    """Remove spam automatically here (only where a moderator switched it on)."""
    threshold: Annotated[float, Field(gt=0, le=1)] = 0.95
    """Spam probability at or above which a message is removed automatically."""
    require_model_auto_action: bool = True
    """Also require the model's own auto-action flag (its calibrated spam threshold)."""


class DiscordRoles(Section):
    """Discord role ids per mentionbot role; the highest role a member has wins. A member with
    none may look, not act (an ephemeral refusal, audited)."""

    agent: list[Snowflake] = Field(default_factory=list)
    moderator: list[Snowflake] = Field(default_factory=list)
    admin: list[Snowflake] = Field(default_factory=list)


class AppealSettings(Section):
    enabled: bool = True
    """DM the author of removed content with the reason and an Appeal button."""
    dm_cooldown_s: Annotated[float, Field(ge=0)] = 600.0
    """At most one removal DM per member in this window (a raid must not make us a DM spammer);
    later removals in the window are still appealable from the first DM's member's history."""
    max_statement: Annotated[int, Field(ge=10, le=4000)] = 1000


class DiscordSettings(Section):
    enabled: bool = False
    token: SecretStr | None = None
    api_base: str | None = None
    """REST base URL override (tests point it at a fake, e.g. ``http://127.0.0.1:port/api/v10``)."""
    gateway_url: str | None = None
    """Gateway URL override (``ws://...``); None: the URL Discord's API hands out."""
    guild_ids: list[Snowflake] = Field(default_factory=list)
    channels: list[WatchedChannel] = Field(default_factory=list)
    desk_channel_id: Snowflake | None = None
    """Where review cards and appeal cards go."""
    modlog_channel_id: Snowflake | None = None
    """Where every removal, timeout, ban and restore is logged."""
    roles: DiscordRoles = Field(default_factory=DiscordRoles)
    appeals: AppealSettings = Field(default_factory=AppealSettings)
    timeout_minutes: Annotated[int, Field(ge=1, le=40320)] = 60
    """Length of a "Timeout author" (Discord allows up to 28 days)."""
    ban_delete_message_s: Annotated[int, Field(ge=0, le=604800)] = 3600
    """A ban also deletes the author's messages of this many last seconds."""
    modlog_batch: Annotated[int, Field(ge=1, le=10)] = 10
    """Mod-log entries per mod-log message (Discord allows 10 embeds per message)."""
    modlog_poll_s: Annotated[float, Field(gt=0)] = 1.0
    sync_commands: bool = True
    """Register the slash commands in each guild on start."""

    @model_validator(mode="after")
    def _complete(self) -> DiscordSettings:
        if self.enabled:
            missing = [
                name
                for name, value in (
                    ("token", self.token),
                    ("desk_channel_id", self.desk_channel_id),
                    ("modlog_channel_id", self.modlog_channel_id),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"discord is enabled but {', '.join(missing)} is not set")
            if not self.guild_ids:
                raise ValueError("discord is enabled but guild_ids is empty")
        return self

    def watched(self, channel_id: int) -> WatchedChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)
