"""The database going away: ingest answers 503 with Retry-After and acknowledges nothing it did
not store; when the database is back, ingest and the pipeline carry on and nothing is lost."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
from sqlalchemy.engine import make_url

from bot.app import running
from bot.http.signing import sign
from models.domain import Status
from tests.bot.conftest import SECRET, Client, ModelFiles, bot_settings, eventually, mention_json
from tests.bot.fakes import FarEnd
from tests.bot.tcp_proxy import TcpProxy
from tests.conftest import Backend

Outage = Callable[[], Awaitable[None]]


@asynccontextmanager
async def database_switch(backend: Backend) -> AsyncIterator[tuple[str, Outage, Outage]]:
    """(URL the bot uses, take the database away, bring it back).

    PostgreSQL: the bot connects through a proxy that is cut (connections dropped and refused).
    SQLite: another process holds an exclusive lock, so writers wait out their busy timeout.
    """
    url = make_url(backend.url)
    if backend.name == "postgresql":
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        await proxy.start()
        via = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        try:
            yield via, proxy.cut, proxy.restore
        finally:
            await proxy.cut()
        return
    holder = sqlite3.connect(url.database or "", isolation_level=None, check_same_thread=False)

    async def lock() -> None:
        await asyncio.to_thread(holder.execute, "BEGIN EXCLUSIVE")

    async def unlock() -> None:
        await asyncio.to_thread(holder.execute, "ROLLBACK")

    try:
        yield backend.url, lock, unlock
    finally:
        holder.close()


async def test_database_outage_answers_503_and_the_bot_recovers(
    backend: Backend,
    model_files: ModelFiles,
    far_end: tuple[FarEnd, str],
    http: aiohttp.ClientSession,
) -> None:
    fake, fake_url = far_end
    async with (
        database_switch(backend) as (url, take_away, bring_back),
        running(bot_settings(url, model_files, fake_url)) as bot,
    ):
        assert bot.http is not None
        client = Client(http, bot.http.url)
        status, first = await client.ingest({"mentions": [mention_json(i) for i in range(5)]})
        assert status == 202

        await take_away()
        status, answer, headers = await client.ingest_raw(
            *_signed({"mentions": [mention_json(i) for i in range(5, 10)]})
        )
        assert (status, answer["error"]) == (503, "unavailable")
        assert int(headers["Retry-After"]) > 0
        if backend.name == "postgresql":  # SQLite in WAL mode still reads under the lock
            async with http.get(f"{bot.http.url}/healthz") as resp:
                assert resp.status == 503
        await bring_back()

        status, answer = await client.ingest({"mentions": [mention_json(i) for i in range(5, 10)]})
        assert status == 202
        assert all(r["created"] for r in answer["results"])  # nothing was stored by the 503
        async with http.get(f"{bot.http.url}/healthz") as resp:
            assert resp.status == 200

        async def all_relayed() -> bool:
            return (await bot.store.queue_depth())[Status.RELAYED] == 10

        await eventually(all_relayed, what="every acknowledged mention relayed")
        ids = [r["id"] for r in first["results"] + answer["results"]]
        assert {mid: fake.posts[mid] for mid in ids} == {mid: 1 for mid in ids}


def _signed(payload: object) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, sign(SECRET, body)
