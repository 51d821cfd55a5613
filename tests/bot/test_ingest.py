"""Signed ingest over HTTP: every refusal has its own precise answer; accepted mentions are
stored once, verbatim."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import Bot, running
from bot.chat.markup import BROADCAST, USER_PING, markup_flags
from tests.bot.conftest import SECRET, Client, bot_settings, mention_json
from tests.conftest import Backend


@pytest.fixture
async def bot(backend: Backend) -> AsyncIterator[Bot]:
    async with running(bot_settings(backend.url, None, http={"max_body_bytes": 4096})) as b:
        yield b


@pytest.fixture
def client(bot: Bot, http: aiohttp.ClientSession) -> Client:
    assert bot.http is not None
    return Client(http, bot.http.url)


def _signed(body: bytes, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    """Signature computed here from the documented recipe, independently of bot.http.signing."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Mentionbot-Timestamp": str(timestamp), "X-Mentionbot-Signature": f"v1={mac}"}


async def test_batch_is_accepted_with_ids_and_created_flags(client: Client, bot: Bot) -> None:
    body = json.dumps({"mentions": [mention_json(1), mention_json(2)]}).encode()
    status, answer, _ = await client.ingest_raw(body, _signed(body, int(time.time())))
    assert status == 202
    results = answer["results"]
    assert [(r["external_id"], r["created"]) for r in results] == [("m1", True), ("m2", True)]
    # the same request again (a replay inside the window) creates nothing new
    status, again = await client.ingest({"mentions": [mention_json(2), mention_json(3)]})
    assert status == 202
    assert [r["created"] for r in again["results"]] == [False, True]
    assert again["results"][0]["id"] == results[1]["id"]
    assert len(await bot.store.list_mentions()) == 3


async def test_single_mention_object_is_accepted(client: Client) -> None:
    status, answer = await client.ingest(mention_json(7))
    assert status == 202
    assert answer["results"][0]["created"] is True


async def test_markup_payload_is_stored_verbatim_and_flagged(client: Client, bot: Bot) -> None:
    text = "<!channel> @everyone refund me <@U024BE7LH> <script>x</script> \x1b[31mred\u202e"
    status, answer = await client.ingest(mention_json(1, text=text))
    assert status == 202
    stored = await bot.store.get_mention(answer["results"][0]["id"])
    assert stored.mention.text == text
    assert {BROADCAST, USER_PING} <= markup_flags(stored.mention.text)


async def test_bad_json_is_400(client: Client) -> None:
    body = b'{"source": "x", '
    status, answer, _ = await client.ingest_raw(body, _signed(body, int(time.time())))
    assert (status, answer["error"]) == (400, "bad_json")


async def test_schema_violations_are_422_with_field_paths(client: Client) -> None:
    bad = mention_json(2, created_at="2025-03-14T09:00:00")  # naive time
    del bad["author"]["name"]
    status, answer = await client.ingest({"mentions": [mention_json(1), bad, mention_json(3)]})
    assert (status, answer["error"]) == (422, "schema_violation")
    locs = {d["loc"] for d in answer["details"]}
    assert {"mentions.1.author.name", "mentions.1.created_at"} <= locs
    status, answer = await client.ingest(mention_json(1, text="nul\x00byte", extra_field=1))
    assert status == 422
    assert {d["loc"] for d in answer["details"]} == {"text", "extra_field"}
    status, answer = await client.ingest(["not", "an", "object"])
    assert status == 422


async def test_nothing_is_stored_when_any_item_is_invalid(client: Client, bot: Bot) -> None:
    await client.ingest({"mentions": [mention_json(1), mention_json(2, text=None)]})
    assert await bot.store.list_mentions() == []


async def test_missing_signature_is_401(client: Client) -> None:
    body = json.dumps(mention_json(1)).encode()
    status, answer, _ = await client.ingest_raw(body)
    assert (status, answer["error"]) == (401, "signature_missing")
    only_ts = {"X-Mentionbot-Timestamp": str(int(time.time()))}
    status, answer, _ = await client.ingest_raw(body, only_ts)
    assert (status, answer["error"]) == (401, "signature_missing")
    assert "X-Mentionbot-Signature" in answer["message"]


async def test_wrong_signature_is_401(client: Client) -> None:
    body = json.dumps(mention_json(1)).encode()
    now = int(time.time())
    for headers in (
        _signed(body, now, secret="not-the-secret"),
        _signed(body + b" ", now),  # body changed after signing
        {**_signed(body, now), "X-Mentionbot-Timestamp": str(now - 1)},  # timestamp changed
        {**_signed(body, now), "X-Mentionbot-Signature": "sha1=abc"},
    ):
        status, answer, _ = await client.ingest_raw(body, headers)
        assert (status, answer["error"]) == (401, "signature_invalid")


async def test_stale_or_future_timestamp_is_401_stale(client: Client) -> None:
    body = json.dumps(mention_json(1)).encode()
    for skew in (-301, 301):
        status, answer, _ = await client.ingest_raw(body, _signed(body, int(time.time()) + skew))
        assert (status, answer["error"]) == (401, "stale_timestamp")
    status, _, _ = await client.ingest_raw(body, _signed(body, int(time.time()) - 240))
    assert status == 202  # inside the 5-minute window


async def test_oversize_body_is_413(client: Client, http: aiohttp.ClientSession) -> None:
    big = json.dumps(mention_json(1, text="x" * 5000)).encode()
    status, answer, _ = await client.ingest_raw(big, _signed(big, int(time.time())))
    assert (status, answer["error"]) == (413, "payload_too_large")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit still holds
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    headers = _signed(big, int(time.time()))
    async with http.post(f"{client.url}/v1/mentions", data=chunks(), headers=headers) as resp:
        assert resp.status == 413
