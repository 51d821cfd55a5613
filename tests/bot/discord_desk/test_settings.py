"""``[discord]`` settings: complete when enabled, secrets masked, channels looked up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.discord.settings import DiscordSettings


def test_enabled_needs_token_channels_and_guilds() -> None:
    with pytest.raises(ValidationError) as caught:
        DiscordSettings(enabled=True)
    assert "token" in str(caught.value) and "desk_channel_id" in str(caught.value)
    with pytest.raises(ValidationError):
        DiscordSettings.model_validate(
            {"enabled": True, "token": "t", "desk_channel_id": 1, "modlog_channel_id": 2}
        )
    DiscordSettings()  # disabled: nothing needed


def test_token_is_masked_and_channels_are_found() -> None:
    s = DiscordSettings.model_validate(
        {
            "enabled": True,
            "token": "very-secret",
            "guild_ids": [1],
            "desk_channel_id": 2,
            "modlog_channel_id": 3,
            "channels": [{"id": 4, "auto_remove": True, "threshold": 0.97}],
        }
    )
    assert "very-secret" not in repr(s) and "very-secret" not in str(s.model_dump())
    watched = s.watched(4)
    assert watched is not None and watched.auto_remove and watched.threshold == 0.97
    assert s.watched(5) is None
    assert DiscordSettings().channels == []  # auto-removal is off until a channel opts in
