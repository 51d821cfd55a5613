"""Settings: environment over TOML over defaults; secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings
from models.domain import Role

TOML = """
[database]
url = "postgresql+asyncpg://bot:hunter2@db.internal/mentionbot"

[http]
port = 9000
ingest_secret = "toml-secret"

[pipeline]
batch_size = 16

[[api.tokens]]
token = "tok-from-toml"
actor = "maya"
role = "moderator"
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MENTIONBOT_CONFIG", raising=False)


def test_defaults_are_safe_for_a_first_start() -> None:
    s = Settings.load()
    assert s.http.host == "127.0.0.1"
    assert s.database.url.get_secret_value().startswith("sqlite+aiosqlite:///var/")
    assert s.http.replay_window_s == 300
    assert s.chat.adapter == "console"


def test_environment_overrides_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mentionbot.toml"
    path.write_text(TOML)
    monkeypatch.setenv("MENTIONBOT_CONFIG", str(path))
    monkeypatch.setenv("MENTIONBOT_HTTP__PORT", "9100")
    s = Settings.load()
    assert s.http.port == 9100  # env wins
    assert s.pipeline.batch_size == 16  # from the file
    assert s.http.ingest_secret is not None
    assert s.http.ingest_secret.get_secret_value() == "toml-secret"
    entry = s.token_for("tok-from-toml")
    assert entry is not None and (entry.actor, entry.role) == ("maya", Role.MODERATOR)
    assert s.token_for("tok-from-tom") is None


def test_secrets_are_masked_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "mentionbot.toml"
    path.write_text(TOML)
    s = Settings.load(path)
    shown = repr(s) + str(s) + s.database.display_url
    for secret in ("toml-secret", "tok-from-toml", "hunter2"):
        assert secret not in shown
    assert s.database.display_url == "postgresql+asyncpg://bot:***@db.internal/mentionbot"


def test_invalid_settings_name_the_field_but_not_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTIONBOT_API__TOKENS", '[{"token": "sup3rs3cret", "role": "boss"}]')
    with pytest.raises(ConfigError) as info:
        Settings.load()
    message = str(info.value)
    assert "api.tokens.0.actor" in message and "api.tokens.0.role" in message
    assert "sup3rs3cret" not in message


def test_missing_or_broken_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[http\nport = ")
    with pytest.raises(ConfigError):
        Settings.load(broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[htp]\nport = 1\n")
    with pytest.raises(ConfigError, match="htp"):
        Settings.load(unknown)
