"""Ingesting mentions and reading them back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import IngestResult, Label, MentionHistory, MentionRecord, NewMention, Status
from models.errors import NotFound
from models.store import rows
from models.store.base import StoreBase
from models.tables import (
    AuditRow,
    Author,
    ChatCard,
    DecisionRow,
    Mention,
    OutboxRow,
    PredictionRow,
    StageEventRow,
    SuggestionRow,
)

Key = tuple[str, str]


class MentionsMixin(StoreBase):
    """Ingest, list and inspect mentions."""

    async def ingest(self, mentions: Sequence[NewMention]) -> list[IngestResult]:
        """Store new mentions, idempotent on (source, external_id); results in input order.

        A mention seen before (or twice in one batch) keeps its first row and reports
        ``created=False``. Authors are created or their name/avatar refreshed.
        """
        if not mentions:
            return []
        now = self._now()
        unique: dict[Key, NewMention] = {}
        for m in mentions:
            unique.setdefault((m.source, m.external_id), m)
        async with self._write() as conn:
            author_ids = await self._upsert_authors(conn, mentions)
            values = [
                {
                    "source": m.source,
                    "external_id": m.external_id,
                    "author_id": author_ids[(m.source, m.author_id)],
                    "text": m.text,
                    "url": m.url,
                    "language": m.language,
                    "created_at": m.created_at,
                    "received_at": now,
                    "source_metadata": m.metadata,
                    "status": str(Status.RECEIVED),
                    "brand": m.brand,
                    "thread_key": m.thread_key,
                    "attempts": 0,
                }
                for _, m in sorted(unique.items())  # fixed order: no deadlocks between batches
            ]
            stmt = (
                self._upsert(Mention)
                .on_conflict_do_nothing(index_elements=["source", "external_id"])
                .returning(Mention.id, Mention.source, Mention.external_id)
            )
            created = {(r.source, r.external_id): r.id for r in await conn.execute(stmt, values)}
            ids = dict(created)
            if missing := [k for k in unique if k not in created]:
                ids.update(await self._mention_ids(conn, missing))
            if created:
                events = [
                    {"mention_id": i, "to_status": str(Status.RECEIVED), "at": now}
                    for i in created.values()
                ]
                await conn.execute(insert(StageEventRow), events)
        results = []
        for m in mentions:
            key = (m.source, m.external_id)
            results.append(IngestResult(id=ids[key], created=created.pop(key, None) is not None))
        return results

    async def _upsert_authors(
        self, conn: AsyncConnection, mentions: Sequence[NewMention]
    ) -> dict[Key, int]:
        latest: dict[Key, NewMention] = {(m.source, m.author_id): m for m in mentions}
        values = [
            {
                "source": source,
                "external_id": external_id,
                "display_name": m.author_name,
                "avatar_url": m.author_avatar_url,
            }
            for (source, external_id), m in sorted(latest.items())
        ]
        stmt = self._upsert(Author)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "external_id"],
            set_={
                "display_name": stmt.excluded.display_name,
                "avatar_url": func.coalesce(stmt.excluded.avatar_url, Author.avatar_url),
            },
            where=Author.display_name.is_distinct_from(stmt.excluded.display_name)
            | (
                stmt.excluded.avatar_url.is_not(None)
                & Author.avatar_url.is_distinct_from(stmt.excluded.avatar_url)
            ),
        )
        await conn.execute(stmt, values)
        query = select(Author.id, Author.source, Author.external_id).where(
            tuple_(Author.source, Author.external_id).in_(list(latest))
        )
        return {(r.source, r.external_id): r.id for r in await conn.execute(query)}

    @staticmethod
    async def _mention_ids(conn: AsyncConnection, keys: list[Key]) -> dict[Key, int]:
        query = select(Mention.id, Mention.source, Mention.external_id).where(
            tuple_(Mention.source, Mention.external_id).in_(keys)
        )
        return {(r.source, r.external_id): r.id for r in await conn.execute(query)}

    async def list_mentions(
        self,
        status: Status | None = None,
        label: Label | None = None,
        assignee: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[MentionRecord]:
        """Mentions newest first, optionally filtered by status, label and assignee."""
        query = rows.SELECT_MENTIONS
        if status is not None:
            query = query.where(Mention.status == str(status))
        if label is not None:
            query = query.where(Mention.label == str(label))
        if assignee is not None:
            query = query.where(Mention.assignee == assignee)
        query = query.order_by(Mention.id.desc()).limit(limit).offset(offset)
        async with self._read() as conn:
            return [rows.to_mention(r) for r in await conn.execute(query)]

    async def get_mention(self, mention_id: int) -> MentionHistory:
        """A mention with everything recorded about it; raises NotFound."""
        found = await self.get_mentions([mention_id])
        if mention_id not in found:
            raise NotFound(f"no mention with id {mention_id}")
        return found[mention_id]

    async def get_mentions(self, mention_ids: Sequence[int]) -> dict[int, MentionHistory]:
        """:meth:`get_mention` for many mentions in one snapshot (one query per table, not per
        mention); ids with no mention are left out."""
        wanted = sorted(set(mention_ids))
        if not wanted:
            return {}
        async with self._read() as conn:
            found = {
                r.id: r
                for r in await conn.execute(rows.SELECT_MENTIONS.where(Mention.id.in_(wanted)))
            }
            ids = sorted(found)

            async def related(table: Any, convert: Any) -> dict[int, list[Any]]:
                by_mention: dict[int, list[Any]] = {i: [] for i in ids}
                if ids:
                    query = select(table).where(table.mention_id.in_(ids)).order_by(table.id)
                    for r in await conn.execute(query):
                        by_mention[r.mention_id].append(convert(r))
                return by_mention

            events = await related(StageEventRow, rows.to_event)
            predictions = await related(PredictionRow, rows.to_prediction)
            suggestions = await related(SuggestionRow, rows.to_suggestion)
            cards = await related(ChatCard, rows.to_card)
            decisions = await related(DecisionRow, rows.to_decision)
            outbox = await related(OutboxRow, rows.to_outbox)
            audit = await related(AuditRow, rows.to_audit)
        return {
            i: MentionHistory(
                mention=rows.to_mention(found[i]),
                events=events[i],
                predictions=predictions[i],
                suggestions=suggestions[i],
                cards=cards[i],
                decisions=decisions[i],
                outbox=outbox[i],
                audit=audit[i],
            )
            for i in ids
        }
