"""ORM tables. Portable across SQLite and PostgreSQL; only the store touches these.

Times are timezone-aware and stored in UTC (SQLite keeps them as text, PostgreSQL as
``timestamptz``). Enum-like columns are short strings guarded by CHECK constraints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.domain import Action, Label, OutboxKind, OutboxStatus, Outcome, Role, Status
from models.moderation import AppealState, ModAction, NoticeState

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime, stored in UTC and always returned aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")
"""Autoincrement key: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite."""

Json = JSON().with_variant(JSONB(), "postgresql")


def _one_of(column: str, values: type[Any]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base carrying the shared metadata and type map."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


class Author(Base):
    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint(_one_of("status", Status), name="status"),
        CheckConstraint(f"label IS NULL OR {_one_of('label', Label)}", name="label"),
        Index(None, "status", "lease_until"),
        Index(None, "label"),
        Index(None, "assignee"),
        Index(None, "author_id"),
        Index(None, "received_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]
    source_metadata: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(128))
    brand: Mapped[str | None] = mapped_column(String(128))
    thread_key: Mapped[str | None] = mapped_column(String(255))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class StageEventRow(Base):
    __tablename__ = "stage_events"
    __table_args__ = (Index(None, "mention_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any] | None]


class PredictionRow(Base):
    __tablename__ = "predictions"
    __table_args__ = (Index(None, "mention_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    model_version: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    probabilities: Mapped[dict[str, Any]]
    needs_review: Mapped[bool] = mapped_column(Boolean)
    auto_action: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class SuggestionRow(Base):
    __tablename__ = "suggestions"
    __table_args__ = (
        Index(None, "mention_id"),
        Index(None, "playbook_id", "playbook_version"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    playbook_id: Mapped[str] = mapped_column(String(128))
    playbook_version: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    findings: Mapped[list[Any]]
    created_at: Mapped[datetime]


class ChatCard(Base):
    __tablename__ = "chat_cards"
    __table_args__ = (
        UniqueConstraint("mention_id", "adapter"),
        Index(None, "adapter", "channel", "message_ref"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    adapter: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(255))
    message_ref: Mapped[str] = mapped_column(String(255))
    posted_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        CheckConstraint(_one_of("action", Action), name="action"),
        CheckConstraint(_one_of("actor_role", Role), name="actor_role"),
        Index(None, "mention_id"),
        Index(None, "playbook_id", "playbook_version"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    actor: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    before_text: Mapped[str | None] = mapped_column(Text)
    after_text: Mapped[str | None] = mapped_column(Text)
    from_label: Mapped[str | None] = mapped_column(String(16))
    to_label: Mapped[str | None] = mapped_column(String(16))
    playbook_id: Mapped[str | None] = mapped_column(String(128))
    playbook_version: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        CheckConstraint(_one_of("kind", OutboxKind), name="kind"),
        CheckConstraint(_one_of("status", OutboxStatus), name="status"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "mention_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    idempotency_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", Outcome), name="outcome"),
        Index(None, "mention_id"),
        Index(None, "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    detail: Mapped[dict[str, Any]]
    outcome: Mapped[str] = mapped_column(String(16))


class ModLogRow(Base):
    """Moderation actions (removals, timeouts, bans, restores, appeal outcomes), append-only."""

    __tablename__ = "moderation_log"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint(_one_of("action", ModAction), name="action"),
        CheckConstraint(_one_of("notice", NoticeState), name="notice"),
        Index(None, "mention_id"),
        Index(None, "source", "author_id"),
        Index(None, "source", "message_id"),
        Index(None, "posted_message"),
        Index(None, "notice"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    key: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(64))
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    guild_id: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64))
    author_id: Mapped[str] = mapped_column(String(255))
    author_name: Mapped[str] = mapped_column(String(255))
    author_avatar_url: Mapped[str | None] = mapped_column(String(2048))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    model_version: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    content: Mapped[str] = mapped_column(Text)
    notice: Mapped[str] = mapped_column(String(16))
    result_ref: Mapped[str | None] = mapped_column(String(255))
    posted_channel: Mapped[str | None] = mapped_column(String(64))
    posted_message: Mapped[str | None] = mapped_column(String(64))
    posted_at: Mapped[datetime | None]


class AppealRow(Base):
    """A member's appeal against a mod-log entry (one per entry)."""

    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("modlog_id"),
        CheckConstraint(_one_of("state", AppealState), name="state"),
        CheckConstraint(_one_of("notice", NoticeState), name="notice"),
        Index(None, "notice"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    modlog_id: Mapped[int] = mapped_column(ForeignKey("moderation_log.id"))
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    author_id: Mapped[str] = mapped_column(String(255))
    statement: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[str] = mapped_column(String(16))
    card_channel: Mapped[str | None] = mapped_column(String(64))
    card_message: Mapped[str | None] = mapped_column(String(64))


class FeedbackRow(Base):
    """Human corrections of the classifier (e.g. "not spam"), kept as training data."""

    __tablename__ = "training_feedback"
    __table_args__ = (
        UniqueConstraint("mention_id", "actor", "to_label"),
        CheckConstraint(f"from_label IS NULL OR {_one_of('from_label', Label)}", name="from_label"),
        CheckConstraint(_one_of("to_label", Label), name="to_label"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    from_label: Mapped[str | None] = mapped_column(String(16))
    to_label: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


metadata = Base.metadata
