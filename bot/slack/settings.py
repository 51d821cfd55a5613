"""Settings of the Slack desk (``[slack]`` in the TOML file, ``MENTIONBOT_SLACK__*``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    enabled: bool = False
