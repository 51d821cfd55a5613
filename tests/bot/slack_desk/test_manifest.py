"""The app manifest asks for exactly the scopes and events the desk uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import bot.slack

SLACK = Path(bot.slack.__file__).parent
SCOPES = {  # Web API method → the bot scope it needs (None: none needed)
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "conversations_history": {"channels:history", "groups:history"},
    "conversations_replies": {"channels:history", "groups:history"},
    "usergroups_users_list": "usergroups:read",
    "views_open": None,
    "views_publish": None,
    "apps_connections_open": None,  # the app-level token's connections:write, not a bot scope
}


def test_manifest_scopes_and_events_match_the_code() -> None:
    manifest = yaml.safe_load((SLACK / "manifest.yaml").read_text())
    source = "\n".join(p.read_text() for p in SLACK.glob("*.py"))
    methods = set(re.findall(r"client\.([a-z]+_[A-Za-z_]+)\b", source))
    assert methods <= set(SCOPES), methods - set(SCOPES)
    needed: set[str] = {"commands"}  # the /mentions slash command
    for method in methods:
        scope = SCOPES[method]
        needed |= scope if isinstance(scope, set) else ({scope} if scope else set())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    events = set(re.findall(r"app\.event\(\"([a-z_]+)\"\)", source))
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == events
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/mentions"}
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
