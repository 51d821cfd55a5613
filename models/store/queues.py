"""The human work queue: what waits for a decision, who holds what, and today's counts.

"Waiting" means relayed to chat and not yet decided (status ``relayed``). Chat desks use these
for their home views and for "give me the next mention" commands.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from models.domain import Action, Label, MentionRecord, Status
from models.store import rows
from models.store.base import StoreBase
from models.tables import DecisionRow, Mention

_WAITING = str(Status.RELAYED)


class QueuesMixin(StoreBase):
    """Read-only views of the queue of mentions waiting for a human."""

    async def waiting_counts(self) -> dict[Label | None, int]:
        """Mentions waiting for a decision, per label (None: not classified)."""
        query = (
            select(Mention.label, func.count())
            .where(Mention.status == _WAITING)
            .group_by(Mention.label)
        )
        async with self._read() as conn:
            return {
                (None if label is None else Label(label)): int(n)
                for label, n in await conn.execute(query)
            }

    async def oldest_waiting(
        self, label: Label | None = None, *, unclaimed: bool = True
    ) -> MentionRecord | None:
        """The mention that has waited longest (optionally with ``label``, optionally unclaimed)."""
        query = rows.SELECT_MENTIONS.where(Mention.status == _WAITING)
        if label is not None:
            query = query.where(Mention.label == str(label))
        if unclaimed:
            query = query.where(Mention.assignee.is_(None))
        query = query.order_by(Mention.received_at, Mention.id).limit(1)
        async with self._read() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else rows.to_mention(row)

    async def oldest_waiting_per_label(self) -> dict[Label | None, MentionRecord]:
        """For each label with waiting mentions, the one that has waited longest (one query)."""
        place = (
            func.row_number()
            .over(partition_by=Mention.label, order_by=(Mention.received_at, Mention.id))
            .label("place")
        )
        ranked = select(Mention.id, place).where(Mention.status == _WAITING).subquery("ranked")
        query = rows.SELECT_MENTIONS.join(ranked, ranked.c.id == Mention.id).where(
            ranked.c.place == 1
        )
        async with self._read() as conn:
            found = [rows.to_mention(r) for r in await conn.execute(query)]
        return {m.label: m for m in found}

    async def claimed_by(self, actor: str, limit: int = 50) -> list[MentionRecord]:
        """Mentions ``actor`` has claimed and not yet decided, oldest first."""
        query = (
            rows.SELECT_MENTIONS.where(Mention.assignee == actor, Mention.status == _WAITING)
            .order_by(Mention.received_at, Mention.id)
            .limit(limit)
        )
        async with self._read() as conn:
            return [rows.to_mention(r) for r in await conn.execute(query)]

    async def counts_since(self, since: datetime) -> dict[str, int]:
        """Mentions received and decisions taken (per action) since ``since``:
        ``{"received": n, "approve": n, ...}`` with every action present."""
        received = select(func.count()).select_from(Mention).where(Mention.received_at >= since)
        decided = (
            select(DecisionRow.action, func.count())
            .where(DecisionRow.created_at >= since)
            .group_by(DecisionRow.action)
        )
        async with self._read() as conn:
            counts = {"received": int((await conn.execute(received)).scalar_one())}
            by_action = {str(a): int(n) for a, n in await conn.execute(decided)}
        counts.update({str(a): by_action.get(str(a), 0) for a in Action})
        return counts
