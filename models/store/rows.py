"""Selects and row-to-domain converters shared by the store modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models.domain import (
    Action,
    AuditEntry,
    CardRef,
    DecisionRecord,
    Label,
    MentionRecord,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    Outcome,
    PredictionRecord,
    Role,
    StageEvent,
    Status,
    SuggestionRecord,
)
from models.tables import (
    Author,
    Mention,
)

DBRow = Any
"""A SQLAlchemy ``Row``, typed loosely: its generics differ between SQLAlchemy 2.0 and 2.1."""

SELECT_MENTIONS = select(
    Mention.id,
    Mention.source,
    Mention.external_id,
    Author.external_id.label("author_external_id"),
    Author.display_name.label("author_name"),
    Author.avatar_url.label("author_avatar_url"),
    Mention.text,
    Mention.url,
    Mention.language,
    Mention.created_at,
    Mention.received_at,
    Mention.source_metadata,
    Mention.status,
    Mention.label,
    Mention.assignee,
    Mention.brand,
    Mention.thread_key,
    Mention.lease_owner,
    Mention.lease_until,
    Mention.attempts,
).join(Author, Author.id == Mention.author_id)
"""Mentions joined with their authors: the columns :func:`to_mention` reads."""


def label_or_none(value: str | None) -> Label | None:
    return None if value is None else Label(value)


def to_mention(row: DBRow) -> MentionRecord:
    return MentionRecord(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        author_external_id=row.author_external_id,
        author_name=row.author_name,
        author_avatar_url=row.author_avatar_url,
        text=row.text,
        url=row.url,
        language=row.language,
        created_at=row.created_at,
        received_at=row.received_at,
        metadata=dict(row.source_metadata),
        status=Status(row.status),
        label=label_or_none(row.label),
        assignee=row.assignee,
        brand=row.brand,
        thread_key=row.thread_key,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
        attempts=row.attempts,
    )


def to_prediction(row: DBRow) -> PredictionRecord:
    return PredictionRecord(
        id=row.id,
        mention_id=row.mention_id,
        model_version=row.model_version,
        label=Label(row.label),
        confidence=row.confidence,
        probabilities={Label(k): float(v) for k, v in row.probabilities.items()},
        needs_review=bool(row.needs_review),
        auto_action=bool(row.auto_action),
        created_at=row.created_at,
    )


def to_suggestion(row: DBRow) -> SuggestionRecord:
    return SuggestionRecord(
        id=row.id,
        mention_id=row.mention_id,
        playbook_id=row.playbook_id,
        playbook_version=row.playbook_version,
        rank=row.rank,
        score=row.score,
        text=row.text,
        findings=list(row.findings),
        created_at=row.created_at,
    )


def to_card(row: DBRow) -> CardRef:
    return CardRef(
        mention_id=row.mention_id,
        adapter=row.adapter,
        channel=row.channel,
        message_ref=row.message_ref,
        posted_at=row.posted_at,
        updated_at=row.updated_at,
    )


def to_decision(row: DBRow) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        mention_id=row.mention_id,
        actor=row.actor,
        role=Role(row.actor_role),
        action=Action(row.action),
        idempotency_key=row.idempotency_key,
        before_text=row.before_text,
        after_text=row.after_text,
        from_label=label_or_none(row.from_label),
        to_label=label_or_none(row.to_label),
        playbook_id=row.playbook_id,
        playbook_version=row.playbook_version,
        created_at=row.created_at,
    )


def to_outbox(row: DBRow) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        mention_id=row.mention_id,
        kind=OutboxKind(row.kind),
        payload=dict(row.payload),
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        done_at=row.done_at,
    )


def to_audit(row: DBRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        mention_id=row.mention_id,
        detail=dict(row.detail),
        outcome=Outcome(row.outcome),
    )


def to_event(row: DBRow) -> StageEvent:
    return StageEvent(
        id=row.id,
        mention_id=row.mention_id,
        from_status=None if row.from_status is None else Status(row.from_status),
        to_status=Status(row.to_status),
        at=row.at,
        actor=row.actor,
        detail=None if row.detail is None else dict(row.detail),
    )
