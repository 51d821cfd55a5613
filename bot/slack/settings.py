"""Settings of the Slack desk (``[slack]`` in the TOML file, ``MENTIONBOT_SLACK__*``).

A TOML example::

    [slack]
    enabled = true
    mode = "socket"                      # or "http" (mounted on the bot's server)
    bot_token = "xoxb-..."
    app_token = "xapp-..."               # socket mode
    signing_secret = "..."               # http mode
    default_channel = "C0REVIEW"

    [[slack.routes]]                     # first match wins
    labels = ["complaint"]
    channel = "C0COMPLAINTS"

    [slack.roles]
    agent_groups = ["S0AGENTS"]
    moderator_groups = ["S0MODS"]
    admin_users = ["U0BOSS"]
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator

from bot.section import Section
from models.domain import Label


class SlackRoute(Section):
    """Send matching mentions to ``channel``. Every condition given must hold; lists mean "any
    of". The first matching route wins; nothing matches → ``default_channel``."""

    channel: Annotated[str, Field(min_length=1)]
    labels: list[Label] | None = None
    brands: list[str] | None = None
    languages: list[str] | None = None
    sources: list[str] | None = None
    needs_review: bool | None = None


class SlackRoles(Section):
    """Who may act. Slack user-group ids (``S…``) and/or user ids (``U…``) per role; the highest
    role a user has wins. A user in none of them may look but not act."""

    agent_groups: list[str] = Field(default_factory=list)
    agent_users: list[str] = Field(default_factory=list)
    moderator_groups: list[str] = Field(default_factory=list)
    moderator_users: list[str] = Field(default_factory=list)
    admin_groups: list[str] = Field(default_factory=list)
    admin_users: list[str] = Field(default_factory=list)
    everyone_is_agent: bool = False
    """Treat every workspace member not listed elsewhere as an agent (small teams)."""
    cache_s: Annotated[float, Field(ge=0)] = 300.0
    """How long user-group memberships (``usergroups.users.list``) are cached."""


class SlackPacing(Section):
    """Slack allows about one message per second per channel (``chat.postMessage``)."""

    per_channel_per_s: Annotated[float, Field(gt=0, le=100)] = 1.0
    margin: Annotated[float, Field(ge=1.0, le=2.0)] = 1.05
    """Spacing between posts is ``margin / per_channel_per_s`` (room for network jitter)."""
    max_wait_s: Annotated[float, Field(gt=0)] = 15.0
    """Longest a post waits for its channel's turn; beyond it the post fails as transient with
    Retry-After, so the relay hands the mention back instead of holding its lease. Keep
    ``max_wait_s + timeout_s`` below half of ``pipeline.lease_s``."""
    digest_threshold: Annotated[int, Field(ge=0)] = 30
    """Estimated messages waiting for a channel above which spam/praise/other are collapsed
    into the channel's digest message (0: always digest them)."""
    digest_labels: list[Label] = Field(
        default_factory=lambda: [Label.SPAM, Label.PRAISE, Label.OTHER]
    )
    digest_interval_s: Annotated[float, Field(gt=0)] = 10.0
    """How often a changed digest message is updated."""
    digest_max_entries: Annotated[int, Field(ge=1)] = 500
    """A digest message holding this many mentions is closed and a new one started."""
    demand_window_s: Annotated[float, Field(gt=0)] = 60.0
    """Window over which each channel's share of the traffic is measured."""


class SlackSettings(Section):
    enabled: bool = False
    mode: Literal["socket", "http"] = "socket"
    """socket: Socket Mode (no public URL needed); http: Slack calls ``POST /slack/events`` on
    the bot's HTTP server (events, interactivity and slash commands)."""
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    """App-level token (``xapp-…``, scope ``connections:write``) for Socket Mode."""
    signing_secret: SecretStr | None = None
    """Verifies requests in HTTP mode."""
    api_base_url: str = "https://slack.com/api/"
    timeout_s: Annotated[float, Field(gt=0)] = 10.0
    default_channel: str = "mentions"
    routes: list[SlackRoute] = Field(default_factory=list)
    roles: SlackRoles = Field(default_factory=SlackRoles)
    pacing: SlackPacing = Field(default_factory=SlackPacing)
    suggestions_shown: Annotated[int, Field(ge=1, le=5)] = 3
    command: str = "/mentions"
    queue_url: str | None = None
    """Link shown in digest messages (e.g. a dashboard); without it they point to the App Home
    and ``/mentions next``."""

    @model_validator(mode="after")
    def _credentials(self) -> SlackSettings:
        if not self.enabled:
            return self
        missing = [] if self.bot_token else ["bot_token"]
        if self.mode == "socket" and self.app_token is None:
            missing.append("app_token")
        if self.mode == "http" and self.signing_secret is None:
            missing.append("signing_secret")
        if missing:
            names = ", ".join(f"slack.{m} (MENTIONBOT_SLACK__{m.upper()})" for m in missing)
            raise ValueError(f"Slack {self.mode} mode needs {names}")
        return self
