"""Digest updates are never lost to a mention that arrives while an update is on its way."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.slack.digest import Digests, pointer
from bot.slack.settings import SlackPacing
from models.domain import Label
from tests.bot.slack_desk.cards import card


async def test_a_mention_added_during_an_update_is_shown_by_the_next_round() -> None:
    shown: dict[str, dict[str, Any]] = {}
    in_flight, release = asyncio.Event(), asyncio.Event()

    async def post(_channel: str, message: dict[str, Any]) -> str:
        shown["D1"] = message
        return "D1"

    async def update(_channel: str, ts: str, message: dict[str, Any]) -> None:
        in_flight.set()
        await release.wait()  # Slack is slow to answer
        shown[ts] = message

    async def waiting() -> dict[Label | None, int]:
        return {}

    digests = Digests(SlackPacing(), post, update, waiting, pointer("/mentions", None))
    await digests.add("C1", card("first one", id=1))
    flushing = asyncio.create_task(digests.flush())
    await in_flight.wait()  # the update carries "first one" only
    await digests.add("C1", card("second one", id=2))
    release.set()
    await flushing
    await digests.flush()  # the next round
    text = json.dumps(shown["D1"]["blocks"])
    assert "first one" in text and "second one" in text
    assert "2 low-priority mentions" in text
