"""Aggregate queries for dashboards and metrics: queue depths and playbook outcomes."""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select

from models.domain import Action, OutboxStatus, PlaybookStats, Status
from models.store.base import StoreBase
from models.tables import DecisionRow, Mention, OutboxRow, SuggestionRow


class ReportsMixin(StoreBase):
    """Counts over mentions, outbox items, suggestions and decisions."""

    async def queue_depth(self) -> dict[Status, int]:
        """Number of mentions in each pipeline stage (every stage present, zero if empty)."""
        query = select(Mention.status, func.count()).group_by(Mention.status)
        async with self._read() as conn:
            counts = {Status(s): int(n) for s, n in await conn.execute(query)}
        return {s: counts.get(s, 0) for s in Status}

    async def outbox_depth(self) -> dict[OutboxStatus, int]:
        """Number of outbox items in each delivery state (every state present)."""
        query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        async with self._read() as conn:
            counts = {OutboxStatus(s): int(n) for s, n in await conn.execute(query)}
        return {s: counts.get(s, 0) for s in OutboxStatus}

    async def playbook_stats(self) -> list[PlaybookStats]:
        """Per playbook version: mentions it was suggested for, approvals as is / after an edit,
        and rejections. Sorted by playbook id and version."""
        suggested = select(
            SuggestionRow.playbook_id,
            SuggestionRow.playbook_version,
            func.count(SuggestionRow.mention_id.distinct()),
        ).group_by(SuggestionRow.playbook_id, SuggestionRow.playbook_version)
        approve = DecisionRow.action == str(Action.APPROVE)
        edited = and_(
            DecisionRow.after_text.is_not(None),
            DecisionRow.after_text.is_distinct_from(DecisionRow.before_text),
        )
        decided = (
            select(
                DecisionRow.playbook_id,
                DecisionRow.playbook_version,
                func.count(case((and_(approve, ~edited), 1))),
                func.count(case((and_(approve, edited), 1))),
                func.count(case((DecisionRow.action == str(Action.REJECT), 1))),
            )
            .where(
                DecisionRow.playbook_id.is_not(None),
                DecisionRow.playbook_version.is_not(None),
                or_(approve, DecisionRow.action == str(Action.REJECT)),
            )
            .group_by(DecisionRow.playbook_id, DecisionRow.playbook_version)
        )
        stats: dict[tuple[str, str], list[int]] = {}
        async with self._read() as conn:
            for pid, version, n in await conn.execute(suggested):
                stats[(pid, version)] = [int(n), 0, 0, 0]
            for key_id, key_version, as_is, after_edit, rejected in await conn.execute(decided):
                counts = stats.setdefault((str(key_id), str(key_version)), [0, 0, 0, 0])
                counts[1:] = [int(as_is), int(after_edit), int(rejected)]
        return [
            PlaybookStats(pid, version, *counts) for (pid, version), counts in sorted(stats.items())
        ]
