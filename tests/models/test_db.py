"""Engine creation: supported URLs and SQLite connection settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from models.db import BUSY_TIMEOUT_MS, UnsupportedDatabase, create_engine, reader


@pytest.mark.parametrize(
    "url",
    [
        "mysql+aiomysql://u@h/db",
        "sqlite:///sync-driver.db",
        "postgresql://u@h/db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
    ],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabase):
        create_engine(url)


def test_postgresql_url_is_accepted() -> None:
    engine = create_engine("postgresql+asyncpg://u@127.0.0.1:1/db")
    assert engine.dialect.name == "postgresql"


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as conn:
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": BUSY_TIMEOUT_MS,
        }
    finally:
        await engine.dispose()


def _can_take_write_lock(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


async def test_sqlite_write_transactions_begin_immediate(tmp_path: Path) -> None:
    """The write lock is taken at BEGIN, so read-then-write can't hit "database is locked"."""
    path = tmp_path / "x.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin():
            assert not _can_take_write_lock(path)
        assert _can_take_write_lock(path)
        async with reader(engine).begin() as conn:
            await conn.exec_driver_sql("SELECT 1")
            assert _can_take_write_lock(path)  # readers don't block writers
    finally:
        await engine.dispose()
