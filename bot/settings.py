"""Typed settings, read once at start-up by :meth:`Settings.load` (never at import time).

Sources, strongest first: keyword overrides, environment variables (``MENTIONBOT_`` prefix,
``__`` between nested names, e.g. ``MENTIONBOT_HTTP__PORT=9000``), an optional TOML file
(``--config FILE`` or ``MENTIONBOT_CONFIG``), then the defaults below. Secrets are ``SecretStr``:
their ``repr`` and ``str`` print ``**********`` and validation errors never echo input values.

A TOML file mirrors the sections::

    [database]
    url = "postgresql+asyncpg://mentionbot@db/mentionbot"

    [http]
    port = 8080
    ingest_secret = "change-me"

    [[api.tokens]]
    token = "s3cr3t"
    actor = "alice"
    role = "moderator"
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from bot.discord.settings import DiscordSettings
from bot.errors import ConfigError
from bot.section import Section
from bot.slack.settings import SlackSettings
from models.domain import Role

CONFIG_ENV = "MENTIONBOT_CONFIG"
_config_file: ContextVar[Path | None] = ContextVar("mentionbot_config_file", default=None)


class DatabaseSettings(Section):
    url: SecretStr = SecretStr("sqlite+aiosqlite:///var/mentionbot.db")
    """SQLite file (relative to the working directory) or ``postgresql+asyncpg://...``."""

    @property
    def display_url(self) -> str:
        """The URL with any password masked, safe to log."""
        return make_url(self.url.get_secret_value()).render_as_string(hide_password=True)


class ClassifierSettings(Section):
    model_dir: Path | None = None
    """Saved model directory; None: the artifact shipped in ``classifiers/artifacts``."""
    fast: bool = True
    """ONNX Runtime int8 (the serving path); False: the torch model."""
    onnx_cache_dir: Path | None = None
    """Where the ONNX file built from the artifact is cached; None: ``~/.cache/mentionbot``."""
    threads: Annotated[int, Field(ge=1, le=64)] = 2
    """Cores for inference: ONNX runs this many single-threaded sessions side by side."""
    max_batch: Annotated[int, Field(ge=1, le=1024)] = 32
    max_wait_ms: Annotated[float, Field(ge=0, le=5000)] = 10.0


class PlaybookSettings(Section):
    enabled: bool = True
    """Suggest replies from playbooks; False: humans write every reply."""
    directory: Path | None = None
    """Playbook library directory; None: the library shipped in ``playbooks/library``."""
    semantic: bool = True
    """Match mentions to playbook examples by meaning (loads the sentence encoder, ~90 MB)."""


class HttpSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    ingest_secret: SecretStr | None = None
    """HMAC-SHA256 key shared with ingesters; required when HTTP is enabled."""
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576
    max_batch: Annotated[int, Field(ge=1)] = 1000
    replay_window_s: Annotated[float, Field(gt=0)] = 300.0
    unavailable_retry_after_s: Annotated[int, Field(ge=1)] = 5


class ApiToken(Section):
    token: SecretStr
    actor: Annotated[str, Field(min_length=1, max_length=128)]
    role: Role = Role.AGENT


class ApiSettings(Section):
    tokens: list[ApiToken] = Field(default_factory=list)


class RetrySettings(Section):
    """Exponential backoff with jitter for chat and publisher calls; Retry-After wins."""

    base_s: Annotated[float, Field(gt=0)] = 1.0
    factor: Annotated[float, Field(ge=1)] = 2.0
    cap_s: Annotated[float, Field(gt=0)] = 300.0
    jitter: Annotated[float, Field(ge=0, le=1)] = 0.5
    attempts: Annotated[int, Field(ge=1)] = 3
    """Tries within one claim before the work is handed back to the queue."""


class PipelineSettings(Section):
    enabled: bool = True
    lease_s: Annotated[float, Field(gt=0)] = 60.0
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 32
    poll_interval_s: Annotated[float, Field(gt=0)] = 0.5
    relay_concurrency: Annotated[int, Field(ge=1, le=64)] = 8
    """Cards posted at the same time (different authors; one author's mentions in order)."""
    workers: Annotated[int, Field(ge=1, le=32)] = 1
    """Concurrent loops per stage in this process (run more processes on PostgreSQL)."""
    outbox_max_attempts: Annotated[int, Field(ge=1)] = 8
    store_retry_s: Annotated[float, Field(gt=0)] = 2.0
    """Pause after the database was unavailable."""


class RelaySettings(Section):
    follow_up_window_s: Annotated[float, Field(ge=0)] = 86_400.0
    """A mention by the same author within this window is threaded under the earlier card."""


class ConsoleChatSettings(Section):
    actor: str = "console"
    role: Role = Role.ADMIN
    interactive: bool = False
    """Read decisions (``approve 12``) from stdin; the demo turns this on for a terminal."""


class WebApiChatSettings(Section):
    base_url: str = "https://slack.com/api"
    token: SecretStr | None = None
    timeout_s: Annotated[float, Field(gt=0)] = 10.0


class ChatSettings(Section):
    adapter: Literal["console", "webapi", "none"] = "console"
    channel: str = "mentions"
    console: ConsoleChatSettings = Field(default_factory=ConsoleChatSettings)
    webapi: WebApiChatSettings = Field(default_factory=WebApiChatSettings)


class WebhookPublishSettings(Section):
    url: str | None = None
    token: SecretStr | None = None
    timeout_s: Annotated[float, Field(gt=0)] = 10.0


class PublishSettings(Section):
    default: Literal["console", "webhook"] = "console"
    routes: dict[str, Literal["console", "webhook"]] = Field(default_factory=dict)
    """Publisher per mention source; sources not listed use ``default``."""
    webhook: WebhookPublishSettings = Field(default_factory=WebhookPublishSettings)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class Settings(BaseSettings):
    """Everything the runtime can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="MENTIONBOT_",
        env_nested_delimiter="__",
        extra="forbid",
        hide_input_in_errors=True,
        frozen=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    playbooks: PlaybookSettings = Field(default_factory=PlaybookSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    relay: RelaySettings = Field(default_factory=RelaySettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    publish: PublishSettings = Field(default_factory=PublishSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if (path := _config_file.get()) is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @classmethod
    def load(cls, config: Path | None = None, **overrides: Any) -> Settings:
        """Read settings from the environment and the TOML file ``config`` (default: the file
        named by ``MENTIONBOT_CONFIG``, if any). Raises ConfigError, never echoing secrets."""
        path = config or (Path(p) if (p := os.environ.get(CONFIG_ENV)) else None)
        if path is not None and not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        token = _config_file.set(path)
        try:
            return cls(**overrides)
        except ValidationError as exc:
            where = f" (config file {path})" if path else ""
            raise ConfigError(f"invalid settings{where}:\n{_describe(exc)}") from None
        except ValueError as exc:  # TOML syntax errors
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        finally:
            _config_file.reset(token)

    def token_for(self, presented: str) -> ApiToken | None:
        """The API token entry matching ``presented`` (constant-time per comparison)."""
        import hmac

        found = None
        for entry in self.api.tokens:
            if hmac.compare_digest(entry.token.get_secret_value().encode(), presented.encode()):
                found = entry
        return found


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)
