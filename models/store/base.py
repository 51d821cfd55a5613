"""Shared plumbing of the store: engine, clock, transactions, error translation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.db import reader
from models.domain import JSONDict, Outcome, Status
from models.errors import NotFound, StoreUnavailable
from models.store.rows import DBRow
from models.tables import AuditRow, Base, Mention, StageEventRow

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class StoreBase:
    """Engine, clock and transaction helpers that every store module builds on."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utcnow) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self._clock = clock
        # SQLite has one writer at a time, and a writer that finds the database locked sleeps in
        # SQLite's busy handler (up to 100 ms a try). Queue this process's writers here instead.
        self._write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @property
    def engine(self) -> AsyncEngine:
        """The engine the store runs on."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def _now(self) -> datetime:
        return self._clock()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
        if self._write_turn is None:
            async with _translated(), self._engine.begin() as conn:
                yield conn
            return
        async with self._write_turn, _translated(), self._engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction with a consistent snapshot."""
        async with _translated(), self._reader.begin() as conn:
            yield conn

    def _upsert(self, table: type[Base]) -> sqlite.Insert | postgresql.Insert:
        """A dialect INSERT that supports ``ON CONFLICT``."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def _require_mentions(self, conn: AsyncConnection, ids: Iterable[int]) -> None:
        wanted = set(ids)
        found = set(
            (await conn.execute(select(Mention.id).where(Mention.id.in_(wanted)))).scalars()
        )
        if missing := sorted(wanted - found):
            raise NotFound(f"no mention with id {', '.join(map(str, missing))}")

    async def _event(
        self,
        conn: AsyncConnection,
        mention_id: int,
        from_status: Status | str | None,
        to_status: Status,
        actor: str | None,
        detail: JSONDict | None = None,
    ) -> None:
        await conn.execute(
            insert(StageEventRow).values(
                mention_id=mention_id,
                from_status=None if from_status is None else str(from_status),
                to_status=str(to_status),
                at=self._now(),
                actor=actor,
                detail=detail,
            )
        )

    async def _audit(
        self,
        conn: AsyncConnection,
        actor: str,
        action: str,
        mention_id: int | None,
        detail: JSONDict,
        outcome: Outcome,
    ) -> DBRow:
        stmt = (
            insert(AuditRow)
            .values(
                at=self._now(),
                actor=actor,
                action=action,
                mention_id=mention_id,
                detail=detail,
                outcome=str(outcome),
            )
            .returning(*AuditRow.__table__.c)
        )
        return (await conn.execute(stmt)).one()


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Turn driver errors meaning "database unreachable or busy" into StoreUnavailable."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig or exc}") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailable(f"database connection lost: {exc.orig or exc}") from exc
        raise
    except OSError as exc:  # includes ConnectionRefusedError and TimeoutError
        raise StoreUnavailable(f"database unreachable: {exc}") from exc
