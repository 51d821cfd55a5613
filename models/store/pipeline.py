"""Pipeline stages: leasing mentions to workers and saving what the workers produced."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import (
    Action,
    JSONDict,
    MentionRecord,
    NewSuggestion,
    Prediction,
    PredictionRecord,
    Status,
    SuggestionRecord,
)
from models.errors import LeaseLost, NotFound
from models.store import rows
from models.store.base import StoreBase
from models.tables import DecisionRow, Mention, PredictionRow, StageEventRow, SuggestionRow


class PipelineMixin(StoreBase):
    """Claim mentions for a stage, advance them, and save predictions and suggestions."""

    async def claim(
        self, stage_from: Status, worker: str, limit: int, lease_seconds: float
    ) -> list[MentionRecord]:
        """Lease up to ``limit`` mentions in ``stage_from`` whose lease is free or expired.

        Each claimed mention gets ``lease_owner=worker``, a lease of ``lease_seconds`` and
        ``attempts + 1``. Two concurrent claimers never get the same mention.
        """
        now = self._now()
        candidates = (
            select(Mention.id)
            .where(
                Mention.status == str(stage_from),
                or_(Mention.lease_until.is_(None), Mention.lease_until <= now),
            )
            .order_by(Mention.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._write() as conn:
            ids = list((await conn.execute(candidates)).scalars())
            if not ids:
                return []
            await conn.execute(
                update(Mention)
                .where(Mention.id.in_(ids))
                .values(
                    lease_owner=worker,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=Mention.attempts + 1,
                )
            )
            query = rows.SELECT_MENTIONS.where(Mention.id.in_(ids)).order_by(Mention.id)
            return [rows.to_mention(r) for r in await conn.execute(query)]

    async def advance(
        self, mention_id: int, worker: str, to_status: Status, detail: JSONDict | None = None
    ) -> None:
        """Move a leased mention to ``to_status``, release the lease and record the transition.

        Resets ``attempts`` for the next stage. Raises LeaseLost unless ``worker`` holds an
        unexpired lease on the mention, NotFound if there is no such mention.
        """
        async with self._write() as conn:
            status = await self._check_leases(conn, [mention_id], worker, lock=True)
            await conn.execute(
                update(Mention)
                .where(Mention.id == mention_id)
                .values(status=str(to_status), lease_owner=None, lease_until=None, attempts=0)
            )
            await self._event(conn, mention_id, status[mention_id], to_status, worker, detail)

    async def advance_many(
        self,
        mention_ids: Sequence[int],
        worker: str,
        to_status: Status,
        details: Mapping[int, JSONDict] | None = None,
    ) -> list[int]:
        """:meth:`advance` for a batch in one transaction. Mentions ``worker`` no longer leases
        (or that do not exist) are left alone; returns the ids that were advanced."""
        wanted = sorted(set(mention_ids))
        if not wanted:
            return []
        now = self._now()
        query = (
            select(Mention.id, Mention.status, Mention.lease_owner, Mention.lease_until)
            .where(Mention.id.in_(wanted))
            .order_by(Mention.id)
            .with_for_update()
        )
        async with self._write() as conn:
            held = {
                r.id: r.status
                for r in await conn.execute(query)
                if r.lease_owner == worker and r.lease_until is not None and r.lease_until > now
            }
            if not held:
                return []
            await conn.execute(
                update(Mention)
                .where(Mention.id.in_(list(held)))
                .values(status=str(to_status), lease_owner=None, lease_until=None, attempts=0)
            )
            events = [
                {
                    "mention_id": i,
                    "from_status": status,
                    "to_status": str(to_status),
                    "at": now,
                    "actor": worker,
                    "detail": (details or {}).get(i),
                }
                for i, status in sorted(held.items())
            ]
            await conn.execute(insert(StageEventRow), events)
        return sorted(held)

    async def release(self, mention_id: int, worker: str) -> bool:
        """Give up ``worker``'s lease early (the stage is unchanged); False if it held none."""
        async with self._write() as conn:
            result = await conn.execute(
                update(Mention)
                .where(Mention.id == mention_id, Mention.lease_owner == worker)
                .values(lease_owner=None, lease_until=None)
            )
            return bool(result.rowcount)

    async def _check_leases(
        self, conn: AsyncConnection, ids: Iterable[int], worker: str, *, lock: bool = False
    ) -> dict[int, str]:
        """Return {id: status}; raise NotFound/LeaseLost unless ``worker`` holds every lease."""
        wanted = sorted(set(ids))
        query = select(Mention.id, Mention.status, Mention.lease_owner, Mention.lease_until)
        query = query.where(Mention.id.in_(wanted)).order_by(Mention.id)
        if lock:
            query = query.with_for_update()
        found = {r.id: r for r in await conn.execute(query)}
        if missing := [i for i in wanted if i not in found]:
            raise NotFound(f"no mention with id {', '.join(map(str, missing))}")
        now = self._now()
        lost = [
            i
            for i, r in found.items()
            if r.lease_owner != worker or r.lease_until is None or r.lease_until <= now
        ]
        if lost:
            raise LeaseLost(f"worker {worker!r} no longer holds the lease on mention(s) {lost}")
        return {i: r.status for i, r in found.items()}

    async def save_predictions(
        self, predictions: Mapping[int, Prediction], *, worker: str | None = None
    ) -> list[PredictionRecord]:
        """Store one prediction per mention id and set each mention's current label.

        A mention a human has relabelled keeps the human's label. With ``worker``, raises
        LeaseLost unless that worker holds every mention's lease.
        """
        if not predictions:
            return []
        now = self._now()
        values = [
            {
                "mention_id": mention_id,
                "model_version": p.model_version,
                "label": str(p.label),
                "confidence": p.confidence,
                "probabilities": {str(k): v for k, v in p.probabilities.items()},
                "needs_review": p.needs_review,
                "auto_action": p.auto_action,
                "created_at": now,
            }
            for mention_id, p in sorted(predictions.items())
        ]
        by_label: dict[str, list[int]] = defaultdict(list)
        for mention_id, p in predictions.items():
            by_label[str(p.label)].append(mention_id)
        relabelled = exists().where(
            DecisionRow.mention_id == Mention.id, DecisionRow.action == str(Action.RELABEL)
        )
        async with self._write() as conn:
            await self._guard(conn, predictions, worker)
            stmt = insert(PredictionRow).returning(*PredictionRow.__table__.c)
            saved = [rows.to_prediction(r) for r in await conn.execute(stmt, values)]
            for label, ids in by_label.items():
                await conn.execute(
                    update(Mention).where(Mention.id.in_(ids), ~relabelled).values(label=label)
                )
        return sorted(saved, key=lambda r: r.mention_id)

    async def save_suggestions(
        self,
        mention_id: int,
        suggestions: Sequence[NewSuggestion],
        *,
        worker: str | None = None,
    ) -> list[SuggestionRecord]:
        """Replace the mention's suggestions with ``suggestions`` (a re-run does not duplicate).

        With ``worker``, raises LeaseLost unless that worker holds the mention's lease.
        """
        now = self._now()
        values = [
            {
                "mention_id": mention_id,
                "playbook_id": s.playbook_id,
                "playbook_version": s.playbook_version,
                "rank": s.rank,
                "score": s.score,
                "text": s.text,
                "findings": list(s.findings),
                "created_at": now,
            }
            for s in suggestions
        ]
        async with self._write() as conn:
            await self._guard(conn, [mention_id], worker)
            await conn.execute(delete(SuggestionRow).where(SuggestionRow.mention_id == mention_id))
            if not values:
                return []
            stmt = insert(SuggestionRow).returning(*SuggestionRow.__table__.c)
            saved = [rows.to_suggestion(r) for r in await conn.execute(stmt, values)]
        return sorted(saved, key=lambda r: (r.rank, r.id))

    async def _guard(self, conn: AsyncConnection, ids: Iterable[int], worker: str | None) -> None:
        if worker is None:
            await self._require_mentions(conn, ids)
        else:
            await self._check_leases(conn, ids, worker)
