"""Initial schema: authors, mentions, pipeline records, decisions, outbox and audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:58:36.017145
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types frozen as of this revision (see models.tables).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "authors",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("avatar_url", sa.String(length=2048), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_authors_source_external_id")),
    )
    op.create_table(
        "mentions",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("source_metadata", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("brand", sa.String(length=128), nullable=True),
        sa.Column("thread_key", sa.String(length=255), nullable=True),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_until", TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "label IS NULL OR label IN ('spam', 'complaint', 'question', 'praise', 'other')",
            name=op.f("ck_mentions_label"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'classified', 'suggested', 'relayed', 'decided', 'closed')",
            name=op.f("ck_mentions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_mentions_author_id_authors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_mentions_source_external_id")),
    )
    op.create_index(op.f("ix_mentions_assignee"), "mentions", ["assignee"], unique=False)
    op.create_index(op.f("ix_mentions_author_id"), "mentions", ["author_id"], unique=False)
    op.create_index(op.f("ix_mentions_label"), "mentions", ["label"], unique=False)
    op.create_index(op.f("ix_mentions_received_at"), "mentions", ["received_at"], unique=False)
    op.create_index(
        op.f("ix_mentions_status_lease_until"), "mentions", ["status", "lease_until"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("mention_id", ID, nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.CheckConstraint("outcome IN ('allowed', 'refused')", name=op.f("ck_audit_log_outcome")),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_audit_log_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_mention_id"), "audit_log", ["mention_id"], unique=False)
    op.create_table(
        "chat_cards",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("adapter", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("message_ref", sa.String(length=255), nullable=False),
        sa.Column("posted_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_chat_cards_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_cards")),
        sa.UniqueConstraint("mention_id", "adapter", name=op.f("uq_chat_cards_mention_id_adapter")),
    )
    op.create_index(
        op.f("ix_chat_cards_adapter_channel_message_ref"),
        "chat_cards",
        ["adapter", "channel", "message_ref"],
        unique=False,
    )
    op.create_table(
        "decisions",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before_text", sa.Text(), nullable=True),
        sa.Column("after_text", sa.Text(), nullable=True),
        sa.Column("from_label", sa.String(length=16), nullable=True),
        sa.Column("to_label", sa.String(length=16), nullable=True),
        sa.Column("playbook_id", sa.String(length=128), nullable=True),
        sa.Column("playbook_version", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "action IN ('approve', 'reject', 'relabel', 'claim', 'unclaim', 'remove', 'dismiss')",
            name=op.f("ck_decisions_action"),
        ),
        sa.CheckConstraint(
            "actor_role IN ('agent', 'moderator', 'admin')", name=op.f("ck_decisions_actor_role")
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_decisions_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_decisions_idempotency_key")),
    )
    op.create_index(op.f("ix_decisions_mention_id"), "decisions", ["mention_id"], unique=False)
    op.create_index(
        op.f("ix_decisions_playbook_id_playbook_version"),
        "decisions",
        ["playbook_id", "playbook_version"],
        unique=False,
    )
    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_until", TIMESTAMP, nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("done_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("kind IN ('reply', 'remove')", name=op.f("ck_outbox_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'in_flight', 'done', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_outbox_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_mention_id"), "outbox", ["mention_id"], unique=False)
    op.create_index(
        op.f("ix_outbox_status_next_attempt_at"),
        "outbox",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "predictions",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("model_version", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("probabilities", JSON, nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("auto_action", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_predictions_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
    )
    op.create_index(op.f("ix_predictions_mention_id"), "predictions", ["mention_id"], unique=False)
    op.create_table(
        "stage_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_stage_events_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_events")),
    )
    op.create_index(
        op.f("ix_stage_events_mention_id"), "stage_events", ["mention_id"], unique=False
    )
    op.create_table(
        "suggestions",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("playbook_id", sa.String(length=128), nullable=False),
        sa.Column("playbook_version", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_suggestions_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
    )
    op.create_index(op.f("ix_suggestions_mention_id"), "suggestions", ["mention_id"], unique=False)
    op.create_index(
        op.f("ix_suggestions_playbook_id_playbook_version"),
        "suggestions",
        ["playbook_id", "playbook_version"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_suggestions_playbook_id_playbook_version"), table_name="suggestions")
    op.drop_index(op.f("ix_suggestions_mention_id"), table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_index(op.f("ix_stage_events_mention_id"), table_name="stage_events")
    op.drop_table("stage_events")
    op.drop_index(op.f("ix_predictions_mention_id"), table_name="predictions")
    op.drop_table("predictions")
    op.drop_index(op.f("ix_outbox_status_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_mention_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_decisions_playbook_id_playbook_version"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_mention_id"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_chat_cards_adapter_channel_message_ref"), table_name="chat_cards")
    op.drop_table("chat_cards")
    op.drop_index(op.f("ix_audit_log_mention_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_mentions_status_lease_until"), table_name="mentions")
    op.drop_index(op.f("ix_mentions_received_at"), table_name="mentions")
    op.drop_index(op.f("ix_mentions_label"), table_name="mentions")
    op.drop_index(op.f("ix_mentions_author_id"), table_name="mentions")
    op.drop_index(op.f("ix_mentions_assignee"), table_name="mentions")
    op.drop_table("mentions")
    op.drop_table("authors")
