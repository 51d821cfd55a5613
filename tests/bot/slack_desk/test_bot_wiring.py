"""The real bot (``bot.app.running``) with the Slack desk switched on in HTTP mode: a mention
ingested over signed HTTP is classified by the shipped model, its card reaches the fake Slack,
an Approve click signed with the signing secret comes back through the bot's own server, and
the reply reaches the publisher once."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.app import running
from bot.errors import ConfigError
from bot.settings import Settings
from models.domain import Action, OutboxStatus
from tests.bot.conftest import Client, ModelFiles, bot_settings, eventually, mention_json
from tests.bot.fakes import FarEnd
from tests.bot.slack_desk.conftest import ALICE, CHANNEL, SECRET, holds, slack_settings
from tests.bot.slack_desk.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.conftest import Backend

PRAISE = "@SkylarkAir thank you so much, the crew on my flight to Lyon was wonderful!"


def _settings(backend: Backend, model: ModelFiles, far_url: str, slack_url: str) -> Settings:
    slack = slack_settings(slack_url).model_dump(mode="json")
    slack |= {"bot_token": BOT_TOKEN, "app_token": APP_TOKEN, "signing_secret": SECRET}
    slack["timeout_s"], slack["pacing"]["max_wait_s"] = 2, 1
    return bot_settings(backend.url, model, far_url, chat={"adapter": "none"}, slack=slack)


def _button(card: dict[str, Any], prefix: str) -> dict[str, Any]:
    for block in card["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if str(element.get("action_id", "")).startswith(prefix):
                return dict(element)
    raise AssertionError(f"no {prefix} button on the card")


async def _click(http: aiohttp.ClientSession, url: str, card: dict[str, Any], button: Any) -> int:
    payload = {
        "type": "block_actions",
        "user": {"id": ALICE, "username": "alice", "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "token": "legacy",
        "trigger_id": "trigger-1",
        "container": {"type": "message", "message_ts": card["ts"], "channel_id": CHANNEL},
        "channel": {"id": CHANNEL, "name": "review"},
        "actions": [button | {"action_ts": f"{time.time():.6f}", "block_id": "b"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
        return response.status


async def test_the_bot_relays_to_slack_and_an_approve_click_sends_once(
    backend: Backend,
    model_files: ModelFiles,
    far_end: tuple[FarEnd, str],
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
) -> None:
    far, far_url = far_end
    fake_slack.groups["S0AGENTS"] = [ALICE]
    async with running(_settings(backend, model_files, far_url, fake_slack.url)) as bot:
        assert bot.http is not None and [a.name for a in bot.chat] == ["slack"]
        client = Client(http, bot.http.url)
        _, answer = await client.ingest(mention_json(1, text=PRAISE))
        mid = answer["results"][0]["id"]

        async def posted() -> bool:
            try:
                fake_slack.card(mid)
            except ValueError:  # not posted yet
                return False
            return True

        await eventually(posted, 60, "the card in Slack")
        card = fake_slack.card(mid)
        assert await _click(http, bot.http.url, card, _button(card, "mb_approve")) == 200

        async def sent() -> bool:
            return (await bot.store.outbox_depth())[OutboxStatus.DONE] == 1

        await eventually(sent, 30, "the reply published")
        history = await bot.store.get_mention(mid)
        assert [d.action for d in history.decisions] == [Action.APPROVE]
        assert sum(far.sends.values()) == 1
        await eventually(lambda: holds(fake_slack.updates[mid] >= 1), 10, "card updated")


def test_http_mode_needs_the_http_server(backend: Backend) -> None:
    slack = slack_settings("http://127.0.0.1:9").model_dump(mode="json")
    slack |= {"bot_token": BOT_TOKEN, "app_token": APP_TOKEN, "signing_secret": SECRET}
    settings = bot_settings(backend.url, None, None, http={"enabled": False}, slack=slack)
    from bot.app import check

    with pytest.raises(ConfigError, match=r"slack\.mode is 'http'"):
        check(settings)
