"""Appeals against moderation: one per mod-log entry, opened by its author, decided once by a
moderator; the outcome notice to the member is queued like the mod log's."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import JSONDict, Outcome
from models.errors import DecisionRefused, NotFound
from models.moderation import AppealRecord, AppealState, NoticeState
from models.store.base import StoreBase
from models.store.rows import DBRow
from models.tables import AppealRow, ModLogRow


def _appeal(r: DBRow) -> AppealRecord:
    return AppealRecord(
        id=r.id,
        modlog_id=r.modlog_id,
        mention_id=r.mention_id,
        author_id=r.author_id,
        statement=r.statement,
        state=AppealState(r.state),
        created_at=r.created_at,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        note=r.note,
        notice=NoticeState(r.notice),
        card_channel=r.card_channel,
        card_message=r.card_message,
    )


class AppealsMixin(StoreBase):
    """Appeals against mod-log entries."""

    async def open_appeal(
        self, modlog_id: int, author_id: str, statement: str
    ) -> tuple[AppealRecord, bool]:
        """Open the (one) appeal against a mod-log entry; only its author may. Returns (appeal,
        created now). Raises NotFound, or DecisionRefused (audited) for anyone else."""
        async with self._write() as conn:
            entry = (
                await conn.execute(select(ModLogRow).where(ModLogRow.id == modlog_id))
            ).one_or_none()
            if entry is None:
                raise NotFound(f"no mod-log entry with id {modlog_id}")
            prior = (
                await conn.execute(select(AppealRow).where(AppealRow.modlog_id == modlog_id))
            ).one_or_none()
            if prior is not None:
                return _appeal(prior), False
            detail: JSONDict = {"modlog_id": modlog_id, "author_id": author_id}
            if entry.author_id != author_id:
                detail["reason"] = "only the author of the removed content can appeal"
                await self._audit(
                    conn, author_id, "appeal.open", entry.mention_id, detail, Outcome.REFUSED
                )
                reason = str(detail["reason"])
            else:
                row = (
                    await conn.execute(
                        insert(AppealRow)
                        .values(
                            modlog_id=modlog_id,
                            mention_id=entry.mention_id,
                            author_id=author_id,
                            statement=statement,
                            state=str(AppealState.OPEN),
                            created_at=self._now(),
                            notice=str(NoticeState.NONE),
                        )
                        .returning(*AppealRow.__table__.c)
                    )
                ).one()
                detail.update(appeal_id=row.id, statement=statement)
                await self._audit(
                    conn, author_id, "appeal.open", entry.mention_id, detail, Outcome.ALLOWED
                )
                return _appeal(row), True
        raise DecisionRefused(reason)

    async def get_appeal(self, appeal_id: int) -> AppealRecord:
        async with self._read() as conn:
            row = (await conn.execute(select(AppealRow).where(AppealRow.id == appeal_id))).first()
        if row is None:
            raise NotFound(f"no appeal with id {appeal_id}")
        return _appeal(row)

    async def set_appeal_card(self, appeal_id: int, channel: str, message: str) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(AppealRow)
                .where(AppealRow.id == appeal_id)
                .values(card_channel=channel, card_message=message)
            )

    async def decide_appeal(
        self, appeal_id: int, actor: str, accepted: bool, note: str | None = None
    ) -> AppealRecord:
        """Accept or reject an open appeal (audited) and owe the member a notice of the outcome.
        Raises DecisionRefused (audited) if it was already decided, NotFound."""
        state = AppealState.ACCEPTED if accepted else AppealState.REJECTED
        async with self._write() as conn:
            row = await self._lock_appeal(conn, appeal_id)
            detail: JSONDict = {"appeal_id": appeal_id, "modlog_id": row.modlog_id}
            if row.state != AppealState.OPEN:
                detail["reason"] = f"appeal {appeal_id} is already {row.state}"
                await self._audit(
                    conn, actor, f"appeal.{state}", row.mention_id, detail, Outcome.REFUSED
                )
                reason = str(detail["reason"])
            else:
                done = (
                    await conn.execute(
                        update(AppealRow)
                        .where(AppealRow.id == appeal_id)
                        .values(
                            state=str(state),
                            decided_by=actor,
                            decided_at=self._now(),
                            note=note,
                            notice=str(NoticeState.PENDING),
                        )
                        .returning(*AppealRow.__table__.c)
                    )
                ).one()
                detail["note"] = note
                await self._audit(
                    conn, actor, f"appeal.{state}", row.mention_id, detail, Outcome.ALLOWED
                )
                return _appeal(done)
        raise DecisionRefused(reason)

    async def appeal_notices(self, limit: int = 50) -> list[AppealRecord]:
        """Decided appeals whose outcome the member has not been told yet."""
        query = (
            select(AppealRow)
            .where(AppealRow.notice == str(NoticeState.PENDING))
            .order_by(AppealRow.id)
            .limit(limit)
        )
        async with self._read() as conn:
            return [_appeal(r) for r in await conn.execute(query)]

    async def set_appeal_notice(self, appeal_id: int, state: NoticeState) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(AppealRow).where(AppealRow.id == appeal_id).values(notice=str(state))
            )

    @staticmethod
    async def _lock_appeal(conn: AsyncConnection, appeal_id: int) -> DBRow:
        query = select(AppealRow).where(AppealRow.id == appeal_id).with_for_update()
        row = (await conn.execute(query)).one_or_none()
        if row is None:
            raise NotFound(f"no appeal with id {appeal_id}")
        return row
