"""Engine creation for the two supported backends: SQLite (embedded default) and PostgreSQL.

SQLite connections run in WAL mode with a busy timeout and foreign keys on, and SQLAlchemy
(not the sqlite3 driver) emits ``BEGIN``: ``BEGIN IMMEDIATE`` by default, so a transaction
that reads and then writes holds the write lock from its first statement and cannot fail with
"database is locked" half way. Read-only work goes through :func:`reader`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

BUSY_TIMEOUT_MS = 5000
"""How long a SQLite connection waits for another writer before giving up."""

POOL_SIZE, POOL_OVERFLOW = 12, 8
"""Connections kept open per engine, and extra ones allowed under load. Connections beyond the
pool are closed when returned, so a pool smaller than the concurrent work churns connections."""

_BEGIN_OPTION = "mentionbot_sqlite_begin"
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


class UnsupportedDatabase(ValueError):
    """The URL names a database or driver mentionbot does not support."""


def is_sqlite(engine: AsyncEngine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine for ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        if parsed.database in (None, "", ":memory:"):
            raise UnsupportedDatabase(
                "in-memory SQLite is not supported (each connection would see its own database); "
                "use a file path: sqlite+aiosqlite:///path/to/mentionbot.db"
            )
        engine = create_async_engine(
            parsed, echo=echo, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
        _configure_sqlite(engine)
        return engine
    if parsed.drivername == "postgresql+asyncpg":
        return create_async_engine(
            parsed, echo=echo, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
    raise UnsupportedDatabase(
        f"unsupported database URL scheme {parsed.drivername!r}: use "
        "'sqlite+aiosqlite:///path/to/file.db' or 'postgresql+asyncpg://user@host/db'"
    )


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The same engine set up for read-only transactions that see one consistent snapshot.

    SQLite: a deferred ``BEGIN`` (no write lock). PostgreSQL: ``REPEATABLE READ``.
    """
    if is_sqlite(engine):
        return engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
    return engine.execution_options(isolation_level="REPEATABLE READ")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop the sqlite3 driver from emitting BEGIN itself; _on_begin does it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"bad SQLite BEGIN mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")
