"""Shared fixtures: a migrated ``Store`` on SQLite and on PostgreSQL.

PostgreSQL tests need ``MENTIONBOT_TEST_PG_URL`` (e.g.
``postgresql+asyncpg://postgres@127.0.0.1:55432/postgres``); they are skipped without it,
except under CI (``CI`` set), where a missing database is a failure. The tests own that
database: its ``public`` schema is dropped and recreated once per session.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from models.db import create_engine
from models.migrate import upgrade
from models.store import Store
from models.tables import metadata

PG_URL_ENV = "MENTIONBOT_TEST_PG_URL"
BACKENDS = ["sqlite", "postgresql"]
T = TypeVar("T")


def run_isolated(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on its own loop in its own thread (for sync fixtures)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class FakeClock:
    """A controllable UTC clock for lease expiry and retry tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Backend:
    """How to reach one migrated test database."""

    name: str
    url: str


def pg_url() -> str:
    """The PostgreSQL test URL, or skip (fail under CI) when it is not configured."""
    url = os.environ.get(PG_URL_ENV)
    if url:
        return url
    reason = (
        f"PostgreSQL tests need {PG_URL_ENV}, "
        "e.g. postgresql+asyncpg://postgres@127.0.0.1:55432/postgres"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error, not a skip)")
    pytest.skip(reason)


async def _reset_pg(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    run_isolated(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    """The PostgreSQL test database, emptied and migrated once per session."""
    url = pg_url()
    run_isolated(_reset_pg(url))
    return url


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A freshly emptied, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "mentionbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return Backend("sqlite", f"sqlite+aiosqlite:///{path}")
    url = request.getfixturevalue("pg_migrated")
    await _truncate_pg(url)
    return Backend("postgresql", url)


async def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    try:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(backend: Backend, clock: FakeClock) -> AsyncIterator[Store]:
    """A Store on a fresh database (both backends), driven by the fake clock."""
    engine = create_engine(backend.url)
    try:
        yield Store(engine, clock=clock)
    finally:
        await engine.dispose()
