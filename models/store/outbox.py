"""The outbox: approved replies and removals, leased to executors and carried out once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import JSONDict, OutboxItem, OutboxStatus, Outcome, Status
from models.errors import LeaseLost, NotFound
from models.store import rows
from models.store.base import StoreBase
from models.store.rows import DBRow
from models.tables import Mention, OutboxRow

DEFAULT_MAX_ATTEMPTS = 5


class OutboxMixin(StoreBase):
    """Lease outbox items, and record their delivery or failure."""

    async def claim_outbox(self, worker: str, limit: int, lease_seconds: float) -> list[OutboxItem]:
        """Lease up to ``limit`` items that are due (pending and past ``next_attempt_at``, or
        in flight with an expired lease); ``attempts`` counts these claims."""
        now = self._now()
        due = or_(
            and_(OutboxRow.status == str(OutboxStatus.PENDING), OutboxRow.next_attempt_at <= now),
            and_(OutboxRow.status == str(OutboxStatus.IN_FLIGHT), OutboxRow.lease_until <= now),
        )
        candidates = (
            select(OutboxRow.id)
            .where(due)
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._write() as conn:
            ids = list((await conn.execute(candidates)).scalars())
            if not ids:
                return []
            stmt = (
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids))
                .values(
                    status=str(OutboxStatus.IN_FLIGHT),
                    lease_owner=worker,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=OutboxRow.attempts + 1,
                )
                .returning(*OutboxRow.__table__.c)
            )
            items = [rows.to_outbox(r) for r in await conn.execute(stmt)]
        return sorted(items, key=lambda i: i.id)

    async def complete_outbox(self, item_id: int, worker: str | None = None) -> OutboxItem:
        """Mark an in-flight item done and close its mention; repeating it is harmless.

        With ``worker``, raises LeaseLost if another worker has taken the item over since.
        """
        now = self._now()
        async with self._write() as conn:
            item = await self._lock_item(conn, item_id)
            if item.status == OutboxStatus.DONE:
                return rows.to_outbox(item)
            self._check_lease(item, worker)
            result = await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(status=str(OutboxStatus.DONE), done_at=now, lease_until=None)
                .returning(*OutboxRow.__table__.c)
            )
            done = rows.to_outbox(result.one())
            closed = await conn.execute(
                update(Mention)
                .where(Mention.id == item.mention_id, Mention.status == str(Status.DECIDED))
                .values(status=str(Status.CLOSED))
            )
            if closed.rowcount:
                detail = {"outbox_id": item_id, "kind": item.kind}
                await self._event(
                    conn, item.mention_id, Status.DECIDED, Status.CLOSED, worker, detail
                )
        return done

    async def fail_outbox(
        self,
        item_id: int,
        error: str,
        retry_at: datetime | None,
        *,
        worker: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        audit_actor: str | None = None,
        audit_detail: JSONDict | None = None,
    ) -> OutboxItem:
        """Record a failed attempt: retry at ``retry_at``, or mark the item failed for good when
        ``retry_at`` is None or it has been tried ``max_attempts`` times. A final failure is
        written to the audit log (``publish.<kind>``, refused, by ``audit_actor``) in the same
        transaction, so it can never be failed without a trace."""
        async with self._write() as conn:
            item = await self._lock_item(conn, item_id)
            self._check_lease(item, worker)
            final = retry_at is None or item.attempts >= max_attempts
            if final and audit_actor is not None:
                action = f"publish.{item.kind}"
                detail = audit_detail or {}
                await self._audit(
                    conn, audit_actor, action, item.mention_id, detail, Outcome.REFUSED
                )
            status = OutboxStatus.FAILED if final else OutboxStatus.PENDING
            values: dict[str, Any] = {
                "status": str(status),
                "last_error": error,
                "lease_owner": None,
                "lease_until": None,
            }
            if retry_at is not None:
                values["next_attempt_at"] = retry_at
            result = await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(values)
                .returning(*OutboxRow.__table__.c)
            )
            return rows.to_outbox(result.one())

    @staticmethod
    async def _lock_item(conn: AsyncConnection, item_id: int) -> DBRow:
        query = select(OutboxRow).where(OutboxRow.id == item_id).with_for_update()
        item = (await conn.execute(query)).one_or_none()
        if item is None:
            raise NotFound(f"no outbox item with id {item_id}")
        return item

    @staticmethod
    def _check_lease(item: DBRow, worker: str | None) -> None:
        if item.status != OutboxStatus.IN_FLIGHT or (
            worker is not None and item.lease_owner != worker
        ):
            raise LeaseLost(
                f"outbox item {item.id} is {item.status}, leased by {item.lease_owner!r}, "
                f"not in flight for {worker or 'this worker'!r}"
            )
