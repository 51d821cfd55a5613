"""Training feedback (human corrections of the classifier, with the text they apply to) and the
source-side changes of community mentions: edits, and deletions by others."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import JSONDict, Label, Outcome
from models.errors import NotFound
from models.moderation import FeedbackRecord
from models.store.base import StoreBase
from models.store.rows import DBRow, label_or_none
from models.tables import FeedbackRow, Mention


def _feedback(r: DBRow) -> FeedbackRecord:
    return FeedbackRecord(
        id=r.id,
        mention_id=r.mention_id,
        from_label=label_or_none(r.from_label),
        to_label=Label(r.to_label),
        actor=r.actor,
        reason=r.reason,
        model_version=r.model_version,
        text=r.text,
        created_at=r.created_at,
    )


class FeedbackMixin(StoreBase):
    """Corrections kept as training data, and source edits/deletions."""

    async def record_feedback(
        self,
        mention_id: int,
        to_label: Label,
        actor: str,
        reason: str,
        *,
        from_label: Label | None = None,
        model_version: str | None = None,
    ) -> tuple[FeedbackRecord, bool]:
        """Keep a human correction with a copy of the text, once per (mention, actor, label)."""
        async with self._write() as conn:
            text = (
                await conn.execute(select(Mention.text).where(Mention.id == mention_id))
            ).scalar_one_or_none()
            if text is None:
                raise NotFound(f"no mention with id {mention_id}")
            stmt = (
                self._upsert(FeedbackRow)
                .values(
                    mention_id=mention_id,
                    from_label=None if from_label is None else str(from_label),
                    to_label=str(to_label),
                    actor=actor,
                    reason=reason,
                    model_version=model_version,
                    text=text,
                    created_at=self._now(),
                )
                .on_conflict_do_nothing(index_elements=["mention_id", "actor", "to_label"])
                .returning(*FeedbackRow.__table__.c)
            )
            row = (await conn.execute(stmt)).one_or_none()
            if row is not None:
                return _feedback(row), True
            query = select(FeedbackRow).where(
                FeedbackRow.mention_id == mention_id,
                FeedbackRow.actor == actor,
                FeedbackRow.to_label == str(to_label),
            )
            return _feedback((await conn.execute(query)).one()), False

    async def list_feedback(
        self, mention_id: int | None = None, limit: int = 1000
    ) -> list[FeedbackRecord]:
        query = select(FeedbackRow).order_by(FeedbackRow.id).limit(limit)
        if mention_id is not None:
            query = query.where(FeedbackRow.mention_id == mention_id)
        async with self._read() as conn:
            return [_feedback(r) for r in await conn.execute(query)]

    # --- changes at the source -----------------------------------------------------------------

    async def source_edited(
        self, source: str, external_id: str, text: str, actor: str
    ) -> int | None:
        """The author edited a mention at its source: store the new text (audited with the
        old one). Returns the mention id, or None if the mention is unknown or unchanged."""
        async with self._write() as conn:
            row = await self._source_mention(conn, source, external_id)
            if row is None or row.text == text:
                return None
            await conn.execute(update(Mention).where(Mention.id == row.id).values(text=text))
            detail: JSONDict = {"before": row.text, "after": text}
            await self._audit(conn, actor, "source.edit", row.id, detail, Outcome.ALLOWED)
            return int(row.id)

    async def source_deleted(
        self, source: str, external_id: str, actor: str, detail: JSONDict | None = None
    ) -> int | None:
        """A mention was deleted at its source (not by us): mark it in its metadata (audited).
        Returns the mention id, or None if unknown or already marked."""
        async with self._write() as conn:
            row = await self._source_mention(conn, source, external_id)
            if row is None or "deleted_at" in row.source_metadata:
                return None
            metadata = dict(row.source_metadata)
            metadata["deleted_at"] = self._now().isoformat()
            await conn.execute(
                update(Mention).where(Mention.id == row.id).values(source_metadata=metadata)
            )
            await self._audit(conn, actor, "source.delete", row.id, detail or {}, Outcome.ALLOWED)
            return int(row.id)

    @staticmethod
    async def _source_mention(conn: AsyncConnection, source: str, external_id: str) -> DBRow:
        query = (
            select(Mention.id, Mention.text, Mention.source_metadata)
            .where(Mention.source == source, Mention.external_id == external_id)
            .with_for_update()
        )
        return (await conn.execute(query)).one_or_none()
