"""Alembic environment for mentionbot; driven by :mod:`models.migrate`, no alembic.ini needed.

``models.migrate`` hands over an open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from models.tables import UTCDateTime, metadata

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render project column types as plain SQLAlchemy types in generated revisions."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported")
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through models.migrate (python -m models.migrate upgrade URL), "
            "which provides the database connection"
        )
    _run(connection)


_main()
