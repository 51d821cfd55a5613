"""A Slack desk wired like the bot wires it — Store (both backends), DecisionService with the
playbook policy check, CardDesk, the outbox worker and a webhook publisher — with only the far
ends faked: Slack (``FakeSlack``) and the publishing bridge (``tests.bot.fakes.FarEnd``).
Interactive payloads are signed with the signing secret and go through Bolt's verification."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.app import load_playbooks
from bot.chat.desk import CardDesk
from bot.decisions import DecisionService
from bot.metrics import Metrics
from bot.pipeline.outbox import OutboxStage
from bot.publish.base import Publishers
from bot.publish.webhook import WebhookPublisher
from bot.retry import Backoff
from bot.settings import PipelineSettings, PlaybookSettings
from bot.slack.desk import SlackDesk
from bot.slack.settings import SlackSettings
from models.domain import (
    DecisionRecord,
    Label,
    NewMention,
    NewSuggestion,
    Prediction,
    Status,
)
from models.store import Store
from tests.bot.fakes import FarEnd, Served
from tests.bot.slack_desk.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack

SECRET = "slack-signing-secret"
ALICE, BOB, MAYA, ADA, EVE = "UALICE", "UBOB", "UMAYA", "UADA", "UEVE"
"""alice and bob are agents (through a user group), maya a moderator, ada an admin, eve nobody."""
CHANNEL = "C0REVIEW"


async def holds(value: bool) -> bool:
    """``value`` as a check for ``eventually`` (the lambda around it re-evaluates it)."""
    return value


def slack_settings(url: str, **overrides: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "enabled": True,
        "mode": "http",
        "bot_token": BOT_TOKEN,
        "app_token": APP_TOKEN,
        "signing_secret": SECRET,
        "api_base_url": f"{url}/api/",
        "timeout_s": 5,
        "default_channel": CHANNEL,
        "roles": {
            "agent_groups": ["S0AGENTS"],
            "moderator_users": [MAYA],
            "admin_users": [ADA],
        },
        "pacing": {"per_channel_per_s": 100, "digest_interval_s": 0.1},
    }
    values.update(overrides)
    return SlackSettings.model_validate(values)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(groups={"S0AGENTS": [ALICE, BOB]})
    async with Served(fake.app()) as url:
        fake.url = url
        yield fake
        await fake.close_sockets()


@pytest.fixture
async def far_end() -> AsyncIterator[tuple[FarEnd, str]]:
    fake = FarEnd()
    async with Served(fake.app()) as url:
        yield fake, url


@pytest.fixture(scope="session")
def checker() -> Any:
    return load_playbooks(PlaybookSettings(semantic=False))[1]


@dataclass
class Desk:
    store: Store
    slack: FakeSlack
    far: FarEnd
    desk: SlackDesk
    cards: CardDesk
    decisions: DecisionService
    outbox: OutboxStage
    url: str
    http: aiohttp.ClientSession
    seq: int = 0
    decided: list[DecisionRecord] = field(default_factory=list)

    async def seed(
        self,
        text: str = "@skylark my flight was cancelled and nobody answers",
        label: Label = Label.COMPLAINT,
        replies: tuple[str, ...] = ("Sorry about that, we are looking into it now.",),
        author: str | None = None,
        relay: bool = True,
    ) -> int:
        """A mention as the pipeline leaves it: classified, suggested, card posted, relayed."""
        self.seq += 1
        n = self.seq
        new = NewMention(
            source="x",
            external_id=f"m{n}",
            author_id=author or f"user{n}",
            author_name=f"User {n}",
            text=text,
            url=f"https://x.example/status/{n}",
            language="en",
            created_at=datetime(2025, 1, 1, 11, 0, tzinfo=UTC),
        )
        (result,) = await self.store.ingest([new])
        mid = result.id
        probs = dict.fromkeys(Label, 0.02) | {label: 0.92}
        await self.store.save_predictions({mid: Prediction(label, 0.92, probs, False, False, "t")})
        await self.store.save_suggestions(
            mid,
            [
                NewSuggestion("test.playbook", "1", rank, 0.9 - rank / 10, reply, [])
                for rank, reply in enumerate(replies, start=1)
            ],
        )
        await self.store.claim(Status.RECEIVED, "seed", 1000, 600)
        if relay:
            await self.cards.relay(await self.store.get_mention(mid), maybe_posted=False, budget=5)
        await self.store.advance(mid, "seed", Status.RELAYED)
        return mid

    async def signed(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        secret: str = SECRET,
        timestamp: int | None = None,
        tamper: str = "",
    ) -> tuple[int, str]:
        """POST ``body`` signed with ``secret``; ``tamper`` is appended after signing."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        body += tamper
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            "Content-Type": content_type,
        }
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as r:
            return r.status, await r.text()

    async def interact(self, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.signed(body, **kw)

    def click_payload(
        self,
        user: str,
        action_id: str,
        value: str | None = None,
        *,
        mention_id: int | None = None,
        selected: str | None = None,
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        ts = "" if mention_id is None or ephemeral else self.slack.card(mention_id)["ts"]
        action: dict[str, Any] = {
            "type": "static_select" if selected else "button",
            "action_id": action_id,
            "block_id": f"mb:{mention_id}",
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if selected is not None:
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": selected},
                "value": selected,
            }
        return {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"},
            "api_app_id": "A0FAKE",
            "team": {"id": "T0FAKE", "domain": "fake"},
            "token": "legacy",
            "trigger_id": f"trigger-{time.time()}",
            "response_url": self.slack.new_response_url(),
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": CHANNEL,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": CHANNEL, "name": "review"},
            "actions": [action],
        }

    async def click(
        self, user: str, action_id: str, value: str | None, **kw: Any
    ) -> tuple[int, str]:
        return await self.interact(self.click_payload(user, action_id, value, **kw))

    async def command(self, user: str, text: str) -> tuple[int, str]:
        form = {
            "command": "/mentions",
            "text": text,
            "user_id": user,
            "user_name": user.lower(),
            "team_id": "T0FAKE",
            "channel_id": CHANNEL,
            "response_url": self.slack.new_response_url(),
            "trigger_id": "t",
            "api_app_id": "A0FAKE",
            "token": "legacy",
        }
        return await self.signed(urllib.parse.urlencode(form))

    async def deliver(self) -> None:
        """Run the outbox worker once (carry out approved replies and removals)."""
        await self.outbox.step()


@pytest.fixture
async def desk(
    store: Store, fake_slack: FakeSlack, far_end: tuple[FarEnd, str], checker: Any
) -> AsyncIterator[Desk]:
    far, far_url = far_end
    metrics = Metrics()
    decisions = DecisionService(store, metrics, checker)
    slack = SlackDesk(
        slack_settings(fake_slack.url), store=store, decisions=decisions, metrics=metrics
    )
    backoff = Backoff(base=0.01, cap=0.1)
    cards = CardDesk(
        store, [slack], metrics, backoff, 2, 10 * 365 * 86_400.0
    )  # the store clock is fake
    decided: list[DecisionRecord] = []

    async def refresh(decision: DecisionRecord) -> None:
        decided.append(decision)
        await cards.refresh(decision.mention_id, budget=5.0)

    decisions.add_listener(refresh)
    app = web.Application()
    app.add_routes(slack.http_routes())
    publisher = WebhookPublisher(f"{far_url}/pub", None, 5)
    async with slack, publisher, Served(app) as url, aiohttp.ClientSession() as http:
        publishers = Publishers({"webhook": publisher}, "webhook", {})
        outbox = OutboxStage(store, metrics, PipelineSettings(), 0, publishers, cards, backoff)
        yield Desk(
            store, fake_slack, far, slack, cards, decisions, outbox, url, http, decided=decided
        )
