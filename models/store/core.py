"""The Store: every database read and write in mentionbot goes through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine
from models.migrate import upgrade
from models.store.appeals import AppealsMixin
from models.store.audit import AuditMixin
from models.store.base import Clock, utcnow
from models.store.cards import CardsMixin
from models.store.decisions import DecisionsMixin
from models.store.feedback import FeedbackMixin
from models.store.mentions import MentionsMixin
from models.store.moderation import ModerationMixin
from models.store.outbox import OutboxMixin
from models.store.pipeline import PipelineMixin
from models.store.queues import QueuesMixin
from models.store.reports import ReportsMixin


class Store(
    MentionsMixin,
    PipelineMixin,
    CardsMixin,
    DecisionsMixin,
    OutboxMixin,
    AuditMixin,
    ReportsMixin,
    QueuesMixin,
    ModerationMixin,
    AppealsMixin,
    FeedbackMixin,
):
    """Async access to mentionbot's database (SQLite or PostgreSQL).

    Methods return domain dataclasses from :mod:`models.domain` and raise the errors in
    :mod:`models.errors`; database outages surface as ``StoreUnavailable``. ``clock`` returns
    the current UTC time (tests pass a fake one).
    """

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utcnow) -> None:
        super().__init__(engine, clock=clock)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, url: str, *, migrate: bool = False, clock: Clock = utcnow
    ) -> AsyncIterator[Store]:
        """``async with Store.open(url) as store:`` creates the engine, optionally migrates the
        database to the newest schema, and disposes of the engine on exit."""
        engine = create_engine(url)
        try:
            if migrate:
                await upgrade(engine)
            yield cls(engine, clock=clock)
        finally:
            await engine.dispose()

    async def ping(self) -> None:
        """Round-trip to the database; raises StoreUnavailable if it cannot be reached."""
        async with self._read() as conn:
            await conn.execute(text("SELECT 1"))
