"""Acceptance 2: Socket Mode against a fake websocket endpoint. ``apps.connections.open`` (with
the app-level token) answers a ``ws://`` URL on the fake; an envelope sent down the socket is
acknowledged with its ``envelope_id`` and its effect (a claim, a slash command) happens."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.chat.desk import CardDesk
from bot.decisions import DecisionService
from bot.metrics import Metrics
from bot.retry import Backoff
from bot.slack.desk import SlackDesk
from models.domain import Action, DecisionRecord
from models.store import Store
from tests.bot.conftest import eventually
from tests.bot.slack_desk.conftest import ALICE, BOB, CHANNEL, Desk, holds, slack_settings
from tests.bot.slack_desk.fake_slack import FakeSlack


async def test_socket_mode_acks_envelopes_and_acts(
    store: Store, fake_slack: FakeSlack, desk: Desk
) -> None:
    # ``desk`` (HTTP mode) only seeds a mention with a posted card; a second desk connects over
    # Socket Mode to the same fake Slack and store
    mid = await desk.seed()
    metrics = Metrics()
    decisions = DecisionService(store, metrics)
    socket_desk = SlackDesk(
        slack_settings(fake_slack.url, mode="socket"),
        store=store,
        decisions=decisions,
        metrics=metrics,
    )
    cards = CardDesk(store, [socket_desk], metrics, Backoff(base=0.01, cap=0.1), 2, 0)
    refreshed: list[int] = []

    async def refresh(d: DecisionRecord) -> None:
        refreshed.append(d.mention_id)
        await cards.refresh(d.mention_id)

    decisions.add_listener(refresh)
    async with socket_desk:
        await asyncio.wait_for(fake_slack.socket_open.wait(), 10)
        assert fake_slack.calls["apps.connections.open"] >= 1
        payload = desk.click_payload(BOB, "mb_claim", str(mid), mention_id=mid)
        envelope = await fake_slack.send_envelope("interactive", payload)

        async def acked() -> bool:
            return any(a.get("envelope_id") == envelope for a in fake_slack.acks)

        await eventually(acked, 10, "the envelope's ack")

        async def claimed() -> bool:
            history = await store.get_mention(mid)
            return [d.action for d in history.decisions] == [Action.CLAIM]

        await eventually(claimed, 10, "the claim")
        assert (await store.get_mention(mid)).mention.assignee == f"slack:{BOB}"
        await eventually(lambda: holds(refreshed == [mid]), 10, "the card refresh")

        command: dict[str, Any] = {
            "command": "/mentions",
            "text": "stats",
            "user_id": ALICE,
            "team_id": "T0FAKE",
            "channel_id": CHANNEL,
            "response_url": fake_slack.new_response_url(),
        }
        envelope = await fake_slack.send_envelope("slash_commands", command)
        await eventually(acked, 10, "the command's ack")

        async def answered() -> bool:
            return any("Waiting now" in r.get("text", "") for r in fake_slack.responses)

        await eventually(answered, 10, "the /mentions stats answer")


async def test_a_refused_app_token_stops_start_up_with_a_clear_error(
    store: Store, fake_slack: FakeSlack
) -> None:
    import pytest

    from bot.errors import PermanentError

    settings = slack_settings(fake_slack.url, mode="socket", app_token="xapp-wrong")
    desk = SlackDesk(
        settings, store=store, decisions=DecisionService(store, Metrics()), metrics=Metrics()
    )
    with pytest.raises(PermanentError, match="invalid_auth") as caught:
        async with desk:
            pass
    assert "xapp-wrong" not in str(caught.value)
