"""Settings of the Discord source and desk (``[discord]``, ``MENTIONBOT_DISCORD__*``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DiscordSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    enabled: bool = False
