"""Fixtures: a started fake Discord; after each test, every message we sent to it is checked
to have had ``allowed_mentions`` none (acceptance 2, over every flow the tests drive)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.discord_desk.fake_discord import FakeDiscord
from tests.bot.discord_desk.rig import new_fake

NO_PINGS = {"parse": []}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = new_fake()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    for channel, body in fake.sent:
        assert body.get("allowed_mentions") == NO_PINGS, (channel, body)
    for body in fake.webhook_posts:
        assert body.get("allowed_mentions") == NO_PINGS, body
    for answers in fake.responses.values():
        for answer in answers:
            data = answer.get("data", answer)
            if "content" in data or "embeds" in data:
                assert data.get("allowed_mentions") == NO_PINGS, answer
