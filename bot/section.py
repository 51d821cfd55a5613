"""The base of every settings section: unknown keys refused, input never echoed, frozen.

Shared by ``bot.settings`` and the desks' own settings (``bot.slack.settings``,
``bot.discord.settings``), which ``bot.settings`` imports, so it cannot live there.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)
