"""Decisions through the API: roles, claims, idempotency, audit, and the API's own contract."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import Bot, running
from models.domain import Action, Label, OutboxKind, Outcome, Status
from tests.bot.conftest import Client, bot_settings, mention_json
from tests.conftest import Backend


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
async def bot(backend: Backend, console: io.StringIO) -> AsyncIterator[Bot]:
    async with running(bot_settings(backend.url, None), out=console) as b:
        yield b


@pytest.fixture
async def client(bot: Bot, http: aiohttp.ClientSession) -> Client:
    assert bot.http is not None
    return Client(http, bot.http.url)


@pytest.fixture
async def ids(client: Client, bot: Bot) -> list[int]:
    status, answer = await client.ingest({"mentions": [mention_json(i) for i in range(4)]})
    assert status == 202
    mention_ids = [r["id"] for r in answer["results"]]
    for mid in mention_ids:  # give each a card, as the relay stage would
        await bot.desk.relay(await bot.store.get_mention(mid), maybe_posted=False, budget=5)
    return mention_ids


async def _refusals(bot: Bot, mention_id: int) -> list[str]:
    return [
        a.action
        for a in (await bot.store.get_mention(mention_id)).audit
        if a.outcome is Outcome.REFUSED
    ]


async def test_removal_needs_a_moderator(client: Client, bot: Bot, ids: list[int]) -> None:
    status, answer = await client.decide(ids[0], "alice", action="remove")
    assert (status, answer["error"]) == (403, "forbidden")
    assert await _refusals(bot, ids[0]) == ["decision.remove"]
    status, _ = await client.decide(ids[0], "maya", action="remove")
    assert status == 200
    history = await bot.store.get_mention(ids[0])
    assert [o.kind for o in history.outbox] == [OutboxKind.REMOVE]
    assert history.mention.status is Status.DECIDED


async def test_a_claimed_mention_is_only_answered_by_its_claimant_or_an_admin(
    client: Client, bot: Bot, ids: list[int], console: io.StringIO
) -> None:
    assert (await client.decide(ids[1], "bob", action="claim"))[0] == 200
    assert "claimed by bob" in console.getvalue()  # the card was updated
    status, answer = await client.decide(ids[1], "alice", action="approve", text="Hi!")
    assert status == 403 and "claimed by bob" in answer["message"]
    status, _ = await client.decide(ids[1], "alice", action="claim")
    assert status == 409  # the store refuses a second claim
    assert (await client.decide(ids[1], "alice", action="unclaim"))[0] == 403
    assert await _refusals(bot, ids[1]) == [
        "decision.approve",
        "decision.claim",
        "decision.unclaim",
    ]
    status, answer = await client.decide(ids[1], "ada", action="approve", text="Admin here.")
    assert status == 200
    audit = (await bot.store.get_mention(ids[1])).audit
    assert any(a.action == "override.claim" and a.detail["claimed_by"] == "bob" for a in audit)
    assert (await client.decide(ids[2], "bob", action="claim"))[0] == 200
    assert (await client.decide(ids[2], "maya", action="unclaim"))[0] == 200


async def test_decisions_are_idempotent_on_their_key(
    client: Client, bot: Bot, ids: list[int]
) -> None:
    first = await client.decide(
        ids[0], "alice", action="approve", text="Thanks!", idempotency_key="k1"
    )
    again = await client.decide(
        ids[0], "alice", action="approve", text="Thanks!", idempotency_key="k1"
    )
    assert first[0] == again[0] == 200
    assert first[1]["decision"]["id"] == again[1]["decision"]["id"]
    history = await bot.store.get_mention(ids[0])
    assert len(history.decisions) == 1 and len(history.outbox) == 1
    status, _ = await client.api(
        "POST",
        f"/v1/mentions/{ids[1]}/decisions",
        "alice",
        json={"action": "reject"},
        headers={"Idempotency-Key": "k1"},  # the same key for another decision
    )
    assert status == 409
    status, _ = await client.decide(ids[0], "alice", action="dismiss")
    assert status == 409  # already decided


async def test_malformed_decisions_are_422(client: Client, ids: list[int]) -> None:
    assert (await client.decide(ids[0], "alice", action="approve"))[0] == 422  # no text at all
    assert (await client.decide(ids[0], "alice", action="approve", text="  "))[0] == 422
    assert (await client.decide(ids[0], "alice", action="relabel"))[0] == 422
    assert (await client.decide(ids[0], "alice", action="launch"))[0] == 422
    assert (await client.decide(99999, "alice", action="reject"))[0] == 404


async def test_relabel_and_queries(client: Client, bot: Bot, ids: list[int]) -> None:
    assert (await client.decide(ids[3], "alice", action="relabel", label="praise"))[0] == 200
    assert (await client.decide(ids[2], "bob", action="claim"))[0] == 200
    status, answer = await client.api("GET", "/v1/mentions?label=praise")
    assert status == 200 and [m["id"] for m in answer["mentions"]] == [ids[3]]
    status, answer = await client.api("GET", "/v1/mentions?assignee=bob&status=received")
    assert [m["id"] for m in answer["mentions"]] == [ids[2]]
    status, answer = await client.api("GET", f"/v1/mentions/{ids[3]}")
    assert status == 200
    assert answer["mention"]["label"] == Label.PRAISE
    assert [d["action"] for d in answer["decisions"]] == [Action.RELABEL]
    assert answer["cards"][0]["adapter"] == "console"
    assert (await client.api("GET", "/v1/mentions?status=nope"))[0] == 422
    assert (await client.api("GET", "/v1/mentions/99999"))[0] == 404


async def test_api_needs_a_known_token(client: Client, ids: list[int]) -> None:
    assert (await client.api("GET", "/v1/mentions", who=None))[0] == 401
    status, _ = await client.api(
        "GET", "/v1/mentions", who=None, headers={"Authorization": "Bearer nope"}
    )
    assert status == 401
    status, _ = await client.api("POST", f"/v1/mentions/{ids[0]}/decisions", who=None, json={})
    assert status == 401


async def test_openapi_health_and_metrics_are_served(
    client: Client, http: aiohttp.ClientSession, ids: list[int]
) -> None:
    async with http.get(f"{client.url}/openapi.json") as resp:
        spec = await resp.json()
    assert spec["openapi"].startswith("3.")
    assert {"/v1/mentions", "/v1/mentions/{id}", "/v1/mentions/{id}/decisions"} <= set(
        spec["paths"]
    )
    assert "MentionIn" in spec["components"]["schemas"]
    async with http.get(f"{client.url}/healthz") as resp:
        assert resp.status == 200
    async with http.get(f"{client.url}/metrics") as resp:
        text = await resp.text()
    assert 'mentionbot_ingested_total{created="true"} 4.0' in text
    assert 'mentionbot_queue_depth{status="received"} 4.0' in text
