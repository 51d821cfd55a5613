"""Moderation: the mod log, appeals and training feedback (community sources such as Discord).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types frozen as of this revision (see models.tables).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
_LABELS = "'spam', 'complaint', 'question', 'praise', 'other'"
_NOTICES = "notice IN ('none', 'pending', 'sent', 'failed')"


def upgrade() -> None:
    op.create_table(
        "moderation_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("mention_id", ID, nullable=True),
        sa.Column("guild_id", sa.String(length=64), nullable=True),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("author_id", sa.String(length=255), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=False),
        sa.Column("author_avatar_url", sa.String(length=2048), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(length=128), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("notice", sa.String(length=16), nullable=False),
        sa.Column("result_ref", sa.String(length=255), nullable=True),
        sa.Column("posted_channel", sa.String(length=64), nullable=True),
        sa.Column("posted_message", sa.String(length=64), nullable=True),
        sa.Column("posted_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "action IN ('remove', 'timeout', 'ban', 'restore', 'appeal_accepted', "
            "'appeal_rejected')",
            name=op.f("ck_moderation_log_action"),
        ),
        sa.CheckConstraint(_NOTICES, name=op.f("ck_moderation_log_notice")),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_moderation_log_mention_id_mentions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
        sa.UniqueConstraint("key", name=op.f("uq_moderation_log_key")),
    )
    op.create_index(
        op.f("ix_moderation_log_mention_id"), "moderation_log", ["mention_id"], unique=False
    )
    op.create_index(
        op.f("ix_moderation_log_source_author_id"),
        "moderation_log",
        ["source", "author_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_moderation_log_source_message_id"),
        "moderation_log",
        ["source", "message_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_moderation_log_posted_message"), "moderation_log", ["posted_message"], unique=False
    )
    op.create_index(op.f("ix_moderation_log_notice"), "moderation_log", ["notice"], unique=False)
    op.create_table(
        "appeals",
        sa.Column("id", ID, nullable=False),
        sa.Column("modlog_id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=True),
        sa.Column("author_id", sa.String(length=255), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("notice", sa.String(length=16), nullable=False),
        sa.Column("card_channel", sa.String(length=64), nullable=True),
        sa.Column("card_message", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'accepted', 'rejected')", name=op.f("ck_appeals_state")
        ),
        sa.CheckConstraint(_NOTICES, name=op.f("ck_appeals_notice")),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name=op.f("fk_appeals_mention_id_mentions")
        ),
        sa.ForeignKeyConstraint(
            ["modlog_id"], ["moderation_log.id"], name=op.f("fk_appeals_modlog_id_moderation_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("modlog_id", name=op.f("uq_appeals_modlog_id")),
    )
    op.create_index(op.f("ix_appeals_notice"), "appeals", ["notice"], unique=False)
    op.create_table(
        "training_feedback",
        sa.Column("id", ID, nullable=False),
        sa.Column("mention_id", ID, nullable=False),
        sa.Column("from_label", sa.String(length=16), nullable=True),
        sa.Column("to_label", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            f"from_label IS NULL OR from_label IN ({_LABELS})",
            name=op.f("ck_training_feedback_from_label"),
        ),
        sa.CheckConstraint(f"to_label IN ({_LABELS})", name=op.f("ck_training_feedback_to_label")),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mentions.id"],
            name=op.f("fk_training_feedback_mention_id_mentions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_feedback")),
        sa.UniqueConstraint(
            "mention_id",
            "actor",
            "to_label",
            name=op.f("uq_training_feedback_mention_id_actor_to_label"),
        ),
    )


def downgrade() -> None:
    op.drop_table("training_feedback")
    op.drop_index(op.f("ix_appeals_notice"), table_name="appeals")
    op.drop_table("appeals")
    for name in ("notice", "posted_message", "source_message_id", "source_author_id", "mention_id"):
        op.drop_index(op.f(f"ix_moderation_log_{name}"), table_name="moderation_log")
    op.drop_table("moderation_log")
