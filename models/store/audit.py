"""The audit log: who did what to which mention, and whether it was allowed."""

from __future__ import annotations

from sqlalchemy import select

from models.domain import AuditEntry, JSONDict, Outcome
from models.store import rows
from models.store.base import StoreBase
from models.tables import AuditRow


class AuditMixin(StoreBase):
    """Write and read audit entries."""

    async def audit(
        self,
        actor: str,
        action: str,
        *,
        mention_id: int | None = None,
        detail: JSONDict | None = None,
        outcome: Outcome = Outcome.ALLOWED,
    ) -> AuditEntry:
        """Append an audit entry (e.g. a refused command); returns it as stored."""
        async with self._write() as conn:
            if mention_id is not None:
                await self._require_mentions(conn, [mention_id])
            row = await self._audit(conn, actor, action, mention_id, detail or {}, outcome)
        return rows.to_audit(row)

    async def list_audit(self, mention_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
        """Audit entries newest first, optionally for one mention."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if mention_id is not None:
            query = query.where(AuditRow.mention_id == mention_id)
        async with self._read() as conn:
            return [rows.to_audit(r) for r in await conn.execute(query)]
