"""Migrations: the initial revision builds exactly the ORM schema, on both backends."""

from __future__ import annotations

from importlib.resources import files

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from models.db import create_engine
from models.migrate import current_revision, downgrade, head_revision, upgrade
from models.tables import metadata
from tests.conftest import Backend


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def test_migrated_schema_equals_orm_metadata(backend: Backend) -> None:
    engine = create_engine(backend.url)
    try:
        assert await current_revision(engine) == head_revision() == "0002"
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_tables) == set(metadata.tables) | {"alembic_version"}
    finally:
        await engine.dispose()


async def test_downgrade_and_upgrade_again(backend: Backend) -> None:
    engine = create_engine(backend.url)
    try:
        await downgrade(engine, "base")
        assert await current_revision(engine) is None
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) <= {"alembic_version"}
        await upgrade(engine)
        await upgrade(engine)  # idempotent at head
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_migration_files_ship_inside_the_package() -> None:
    migrations = files("models") / "migrations"
    for name in (
        "env.py",
        "script.py.mako",
        "versions/0001_initial.py",
        "versions/0002_moderation.py",
    ):
        assert (migrations / name).is_file(), name
