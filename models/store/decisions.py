"""Human decisions: recorded once per idempotency key, audited, applied in one transaction."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.domain import (
    Action,
    DecisionRecord,
    JSONDict,
    OutboxKind,
    OutboxStatus,
    Outcome,
    Status,
)
from models.errors import DecisionRefused, IdempotencyConflict, NotFound
from models.store import rows
from models.store.base import StoreBase
from models.store.rows import DBRow
from models.tables import Author, DecisionRow, Mention, OutboxRow

_FINAL = {Action.APPROVE, Action.REMOVE, Action.DISMISS, Action.REJECT}
"""Actions that need a mention nobody has decided yet."""

_NEW_STATUS = {
    Action.APPROVE: Status.DECIDED,
    Action.REMOVE: Status.DECIDED,
    Action.DISMISS: Status.CLOSED,
}
"""Stage a mention moves to after the action."""


def _validate(d: DecisionRecord) -> None:
    if d.action is Action.APPROVE and d.after_text is None and d.before_text is None:
        raise ValueError("approve needs the reply text (before_text and/or after_text)")
    if d.action is Action.RELABEL and d.to_label is None:
        raise ValueError("relabel needs to_label")
    if not d.idempotency_key:
        raise ValueError("idempotency_key must not be empty")


def _refusal(d: DecisionRecord, mention: DBRow) -> str | None:
    if d.action in _FINAL and mention.status in (Status.DECIDED, Status.CLOSED):
        return f"mention {d.mention_id} is already {mention.status}"
    if d.action is Action.CLAIM and mention.assignee not in (None, d.actor):
        return f"mention {d.mention_id} is already claimed by {mention.assignee}"
    return None


def _payload(kind: OutboxKind, d: DecisionRecord, mention: DBRow) -> JSONDict:
    payload: JSONDict = {
        "mention_id": d.mention_id,
        "source": mention.source,
        "external_id": mention.external_id,
        "url": mention.url,
        "author_external_id": mention.author_external_id,
        "thread_key": mention.thread_key,
        "decision_key": d.idempotency_key,
        "actor": d.actor,
    }
    if kind is OutboxKind.REPLY:
        payload["text"] = d.after_text if d.after_text is not None else d.before_text
    return payload


class DecisionsMixin(StoreBase):
    """Record decisions and apply their effects."""

    async def record_decision(self, decision: DecisionRecord) -> DecisionRecord:
        """Record a decision once per ``idempotency_key`` and apply it, all in one transaction.

        Writes the decision and its audit entry; relabel sets the label (``from_label`` is filled
        from the mention), claim/unclaim set the assignee, approve/remove enqueue one outbox item
        and mark the mention decided, dismiss closes it. Repeating a call with the same key
        returns the first decision. Raises DecisionRefused (after auditing the refusal) when the
        mention was already decided or is claimed by someone else, IdempotencyConflict when the
        key was used for a different decision, NotFound for an unknown mention.
        """
        d = decision
        _validate(d)
        async with self._write() as conn:
            mention = await self._lock_mention(conn, d.mention_id)
            query = select(DecisionRow).where(DecisionRow.idempotency_key == d.idempotency_key)
            if (prior := (await conn.execute(query)).one_or_none()) is not None:
                recorded = rows.to_decision(prior)
                if (recorded.mention_id, recorded.action, recorded.actor) != (
                    d.mention_id,
                    d.action,
                    d.actor,
                ):
                    raise IdempotencyConflict(
                        f"idempotency key {d.idempotency_key!r} was used for another decision"
                    )
                return recorded
            reason = _refusal(d, mention)
            detail: JSONDict = {"idempotency_key": d.idempotency_key, "role": str(d.role)}
            if reason is None:
                recorded = await self._apply(conn, d, mention)
                detail["decision_id"] = recorded.id
                await self._audit(
                    conn, d.actor, f"decision.{d.action}", d.mention_id, detail, Outcome.ALLOWED
                )
                return recorded
            detail["reason"] = reason
            await self._audit(
                conn, d.actor, f"decision.{d.action}", d.mention_id, detail, Outcome.REFUSED
            )
        raise DecisionRefused(reason)

    async def _lock_mention(self, conn: AsyncConnection, mention_id: int) -> DBRow:
        query = (
            select(
                Mention.id,
                Mention.status,
                Mention.label,
                Mention.assignee,
                Mention.source,
                Mention.external_id,
                Mention.url,
                Mention.thread_key,
                Author.external_id.label("author_external_id"),
            )
            .join(Author, Author.id == Mention.author_id)
            .where(Mention.id == mention_id)
            .with_for_update(of=Mention)
        )
        row = (await conn.execute(query)).one_or_none()
        if row is None:
            raise NotFound(f"no mention with id {mention_id}")
        return row

    async def _apply(
        self, conn: AsyncConnection, d: DecisionRecord, mention: DBRow
    ) -> DecisionRecord:
        now = self._now()
        if d.action is Action.RELABEL:
            d = replace(d, from_label=mention.label)
        stmt = (
            insert(DecisionRow)
            .values(
                mention_id=d.mention_id,
                actor=d.actor,
                actor_role=str(d.role),
                action=str(d.action),
                before_text=d.before_text,
                after_text=d.after_text,
                from_label=None if d.from_label is None else str(d.from_label),
                to_label=None if d.to_label is None else str(d.to_label),
                playbook_id=d.playbook_id,
                playbook_version=d.playbook_version,
                idempotency_key=d.idempotency_key,
                created_at=now,
            )
            .returning(*DecisionRow.__table__.c)
        )
        recorded = rows.to_decision((await conn.execute(stmt)).one())
        changes: dict[str, Any] = {}
        if d.action is Action.RELABEL:
            changes["label"] = str(d.to_label)
        elif d.action is Action.CLAIM:
            changes["assignee"] = d.actor
        elif d.action is Action.UNCLAIM:
            changes["assignee"] = None
        kind = {Action.APPROVE: OutboxKind.REPLY, Action.REMOVE: OutboxKind.REMOVE}.get(d.action)
        if kind is not None:
            await conn.execute(
                insert(OutboxRow).values(
                    mention_id=d.mention_id,
                    kind=str(kind),
                    payload=_payload(kind, d, mention),
                    status=str(OutboxStatus.PENDING),
                    attempts=0,
                    next_attempt_at=now,
                    idempotency_key=f"{d.idempotency_key}:{kind}",
                    created_at=now,
                )
            )
        if (status := _NEW_STATUS.get(d.action)) is not None:
            changes.update(status=str(status), lease_owner=None, lease_until=None)
            detail = {"decision_id": recorded.id, "action": str(d.action)}
            await self._event(conn, d.mention_id, mention.status, status, d.actor, detail)
        if changes:
            await conn.execute(update(Mention).where(Mention.id == d.mention_id).values(changes))
        return recorded
