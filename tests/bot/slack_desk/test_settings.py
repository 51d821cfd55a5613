"""Slack settings: the credentials each mode needs, secrets never shown, env var names."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import Settings
from bot.slack.settings import SlackSettings


def test_each_mode_names_the_credentials_it_misses() -> None:
    with pytest.raises(ValueError, match="app_token") as caught:
        SlackSettings(enabled=True, bot_token="xoxb-1")  # type: ignore[arg-type]
    assert "MENTIONBOT_SLACK__APP_TOKEN" in str(caught.value)
    with pytest.raises(ValueError, match="signing_secret"):
        SlackSettings(enabled=True, mode="http", bot_token="xoxb-1")  # type: ignore[arg-type]
    SlackSettings()  # disabled: nothing needed


def test_environment_configures_the_desk_and_secrets_stay_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MENTIONBOT_SLACK__ENABLED", "true")
    monkeypatch.setenv("MENTIONBOT_SLACK__BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("MENTIONBOT_SLACK__APP_TOKEN", "xapp-very-secret")
    monkeypatch.setenv("MENTIONBOT_SLACK__ROUTES", '[{"labels": ["complaint"], "channel": "C1"}]')
    monkeypatch.setenv("MENTIONBOT_SLACK__PACING__PER_CHANNEL_PER_S", "0.5")
    s = Settings.load().slack
    assert s.enabled and s.mode == "socket" and s.routes[0].channel == "C1"
    assert s.pacing.per_channel_per_s == 0.5
    assert "very-secret" not in repr(s) and "very-secret" not in str(s)
    monkeypatch.setenv("MENTIONBOT_SLACK__MODE", "http")
    with pytest.raises(ConfigError) as caught:
        Settings.load()
    assert "signing_secret" in str(caught.value) and "very-secret" not in str(caught.value)
