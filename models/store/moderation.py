"""The mod log for community sources: every removal, timeout, ban and restore, once per key.

Every mod-log entry is written once per ``key`` together with its audit entry, in one
transaction. Entries start unposted (``posted_message`` is None) and with the notice to the
member still owed where one is due; the desk posts and notifies from these queues, so a crash
between "done at the source" and "shown in the mod-log channel" loses nothing. Appeals live in
``models.store.appeals``, training feedback and source edits in ``models.store.feedback``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import JSONDict, OutboxItem, OutboxKind, OutboxStatus, Outcome
from models.errors import NotFound
from models.moderation import ModAction, ModLogEntry, NewModLogEntry, NoticeState
from models.store import rows
from models.store.base import StoreBase
from models.store.rows import DBRow
from models.tables import Mention, ModLogRow, OutboxRow


def _entry(r: DBRow) -> ModLogEntry:
    return ModLogEntry(
        id=r.id,
        at=r.at,
        key=r.key,
        source=r.source,
        mention_id=r.mention_id,
        guild_id=r.guild_id,
        channel_id=r.channel_id,
        message_id=r.message_id,
        author_id=r.author_id,
        author_name=r.author_name,
        author_avatar_url=r.author_avatar_url,
        actor=r.actor,
        action=ModAction(r.action),
        reason=r.reason,
        model_version=r.model_version,
        confidence=r.confidence,
        content=r.content,
        notice=NoticeState(r.notice),
        result_ref=r.result_ref,
        posted_channel=r.posted_channel,
        posted_message=r.posted_message,
        posted_at=r.posted_at,
    )


class ModerationMixin(StoreBase):
    """The mod log."""

    # --- mod log -------------------------------------------------------------------------------

    async def record_moderation(self, e: NewModLogEntry) -> tuple[ModLogEntry, bool]:
        """Record a moderation action once per ``e.key`` with its audit entry (actor, reason,
        model version, confidence, content copy). Returns (entry, created now)."""
        [result] = await self.record_moderations([e])
        return result

    async def record_moderations(
        self, entries: Sequence[NewModLogEntry]
    ) -> list[tuple[ModLogEntry, bool]]:
        """:meth:`record_moderation` for many entries in one transaction (a bulk removal)."""
        out: list[tuple[ModLogEntry, bool]] = []
        async with self._write() as conn:
            for e in entries:
                out.append(await self._record_one(conn, e))
        return out

    async def _record_one(
        self, conn: AsyncConnection, e: NewModLogEntry
    ) -> tuple[ModLogEntry, bool]:
        values: dict[str, Any] = {
            "at": self._now(),
            "key": e.key,
            "source": e.source,
            "mention_id": e.mention_id,
            "guild_id": e.guild_id,
            "channel_id": e.channel_id,
            "message_id": e.message_id,
            "author_id": e.author_id,
            "author_name": e.author_name,
            "author_avatar_url": e.author_avatar_url,
            "actor": e.actor,
            "action": str(e.action),
            "reason": e.reason,
            "model_version": e.model_version,
            "confidence": e.confidence,
            "content": e.content,
            "notice": str(e.notice),
            "result_ref": e.result_ref,
        }
        stmt = (
            self._upsert(ModLogRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(*ModLogRow.__table__.c)
        )
        row = (await conn.execute(stmt)).one_or_none()
        if row is None:
            query = select(ModLogRow).where(ModLogRow.key == e.key)
            return _entry((await conn.execute(query)).one()), False
        detail: JSONDict = {
            "modlog_id": row.id,
            "source": e.source,
            "channel_id": e.channel_id,
            "message_id": e.message_id,
            "author_id": e.author_id,
            "reason": e.reason,
            "model_version": e.model_version,
            "confidence": e.confidence,
            "content": e.content,
        }
        await self._audit(
            conn, e.actor, f"moderation.{e.action}", e.mention_id, detail, Outcome.ALLOWED
        )
        return _entry(row), True

    async def moderation_by_key(self, key: str) -> ModLogEntry | None:
        async with self._read() as conn:
            row = (await conn.execute(select(ModLogRow).where(ModLogRow.key == key))).first()
        return None if row is None else _entry(row)

    async def get_moderation(self, entry_id: int) -> ModLogEntry:
        """One mod-log entry; raises NotFound."""
        async with self._read() as conn:
            row = (await conn.execute(select(ModLogRow).where(ModLogRow.id == entry_id))).first()
        if row is None:
            raise NotFound(f"no mod-log entry with id {entry_id}")
        return _entry(row)

    async def list_moderation(
        self,
        *,
        source: str | None = None,
        author_id: str | None = None,
        mention_id: int | None = None,
        message_id: str | None = None,
        limit: int = 20,
    ) -> list[ModLogEntry]:
        """Mod-log entries newest first, optionally for one author, mention or message."""
        query = select(ModLogRow).order_by(ModLogRow.id.desc()).limit(limit)
        if source is not None:
            query = query.where(ModLogRow.source == source)
        if author_id is not None:
            query = query.where(ModLogRow.author_id == author_id)
        if mention_id is not None:
            query = query.where(ModLogRow.mention_id == mention_id)
        if message_id is not None:
            query = query.where(ModLogRow.message_id == message_id)
        async with self._read() as conn:
            return [_entry(r) for r in await conn.execute(query)]

    async def unposted_moderation(self, limit: int = 50) -> list[ModLogEntry]:
        """Entries not yet shown in the mod-log channel, oldest first."""
        query = (
            select(ModLogRow)
            .where(ModLogRow.posted_message.is_(None))
            .order_by(ModLogRow.id)
            .limit(limit)
        )
        async with self._read() as conn:
            return [_entry(r) for r in await conn.execute(query)]

    async def mark_moderation_posted(self, ids: list[int], channel: str, message: str) -> None:
        """Record that entries ``ids`` are shown by ``message`` in the mod-log ``channel``."""
        if not ids:
            return
        async with self._write() as conn:
            await conn.execute(
                update(ModLogRow)
                .where(ModLogRow.id.in_(ids))
                .values(posted_channel=channel, posted_message=message, posted_at=self._now())
            )

    async def moderation_on_message(self, channel: str, message: str) -> list[ModLogEntry]:
        """The entries a mod-log message shows, oldest first."""
        query = (
            select(ModLogRow)
            .where(ModLogRow.posted_channel == channel, ModLogRow.posted_message == message)
            .order_by(ModLogRow.id)
        )
        async with self._read() as conn:
            return [_entry(r) for r in await conn.execute(query)]

    async def moderation_notices(self, limit: int = 50) -> list[ModLogEntry]:
        """Entries whose member notice (DM) is still owed, oldest first."""
        query = (
            select(ModLogRow)
            .where(ModLogRow.notice == str(NoticeState.PENDING))
            .order_by(ModLogRow.id)
            .limit(limit)
        )
        async with self._read() as conn:
            return [_entry(r) for r in await conn.execute(query)]

    async def set_moderation_notice(self, entry_id: int, state: NoticeState) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(ModLogRow).where(ModLogRow.id == entry_id).values(notice=str(state))
            )

    async def set_moderation_result(self, entry_id: int, result_ref: str) -> None:
        """Record what carrying out the entry produced (e.g. the id of a reposted message)."""
        async with self._write() as conn:
            await conn.execute(
                update(ModLogRow).where(ModLogRow.id == entry_id).values(result_ref=result_ref)
            )

    async def open_removals(self, source: str, limit: int = 500) -> list[OutboxItem]:
        """Removal items of ``source``'s mentions not carried out yet (pending or in flight, and no
        mod-log entry under their key), oldest first: a publisher may carry several out in one
        call (e.g. Discord's bulk delete); each is still completed by the outbox, which then
        finds it done."""
        query = (
            select(OutboxRow)
            .join(Mention, Mention.id == OutboxRow.mention_id)
            .where(
                Mention.source == source,
                OutboxRow.kind == str(OutboxKind.REMOVE),
                OutboxRow.status.in_([str(OutboxStatus.PENDING), str(OutboxStatus.IN_FLIGHT)]),
                ~exists().where(ModLogRow.key == OutboxRow.idempotency_key),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        async with self._read() as conn:
            return [rows.to_outbox(r) for r in await conn.execute(query)]
