"""Apply the schema migrations in ``models/migrations`` programmatically (no alembic.ini).

Usage from code: ``await upgrade(engine_or_url)``. From a shell::

    python -m models.migrate upgrade  sqlite+aiosqlite:///mentionbot.db
    python -m models.migrate current  sqlite+aiosqlite:///mentionbot.db
    python -m models.migrate revision sqlite+aiosqlite:///dev.db -m "add column"  # autogenerate
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.db import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_ID = 0x6D656E74  # "ment": serialises concurrent upgrades on PostgreSQL


def alembic_config() -> Config:
    """An alembic Config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


@asynccontextmanager
async def _transaction(target: AsyncEngine | str) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})
            yield conn
    finally:
        if isinstance(target, str):
            await engine.dispose()


def _with_config(action: Callable[[Config], object]) -> Callable[[Connection], None]:
    def run(sync_conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        action(cfg)

    return run


async def upgrade(target: AsyncEngine | str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: head) in one transaction."""
    async with _transaction(target) as conn:
        await conn.run_sync(_with_config(lambda cfg: command.upgrade(cfg, revision)))


async def downgrade(target: AsyncEngine | str, revision: str) -> None:
    """Downgrade the database to ``revision`` ("base" drops every table)."""
    async with _transaction(target) as conn:
        await conn.run_sync(_with_config(lambda cfg: command.downgrade(cfg, revision)))


async def current_revision(target: AsyncEngine | str) -> str | None:
    """The revision the database is at, or None if it has never been migrated."""

    def read(sync_conn: Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with _transaction(target) as conn:
        return await conn.run_sync(read)


async def new_revision(target: AsyncEngine | str, message: str) -> None:
    """Autogenerate the next numbered revision from the difference between ORM and database."""
    existing = [p.name[:4] for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    rev_id = f"{max((int(n) for n in existing), default=0) + 1:04d}"
    async with _transaction(target) as conn:
        await conn.run_sync(
            _with_config(
                lambda cfg: command.revision(cfg, message, autogenerate=True, rev_id=rev_id)
            )
        )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: upgrade, current or revision."""
    parser = argparse.ArgumentParser(prog="python -m models.migrate")
    parser.add_argument("command", choices=["upgrade", "current", "revision"])
    parser.add_argument("url", help="database URL, e.g. sqlite+aiosqlite:///mentionbot.db")
    parser.add_argument("-m", "--message", default="change", help="message for a new revision")
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        asyncio.run(upgrade(args.url))
    elif args.command == "current":
        print(asyncio.run(current_revision(args.url)) or "(none)")
    else:
        asyncio.run(new_revision(args.url, args.message))


if __name__ == "__main__":
    main()
