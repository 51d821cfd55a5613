"""Domain types of moderation on community sources (Discord): the mod log, appeals against it,
and human corrections of the classifier kept as training feedback."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from models.domain import Label


class ModAction(enum.StrEnum):
    """A moderation action written to the mod log."""

    REMOVE = "remove"
    TIMEOUT = "timeout"
    BAN = "ban"
    RESTORE = "restore"
    APPEAL_ACCEPTED = "appeal_accepted"
    APPEAL_REJECTED = "appeal_rejected"


class NoticeState(enum.StrEnum):
    """Whether a message to a member (a DM) about a moderation action is still owed."""

    NONE = "none"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class AppealState(enum.StrEnum):
    """Where an appeal against a removal stands: open, then accepted or rejected (final)."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


AUTOMATIC = "automatic"
"""The actor recorded for actions the bot took on its own."""


@dataclass(frozen=True, slots=True)
class NewModLogEntry:
    """A moderation action to record once per ``key`` (e.g. the outbox item's key)."""

    key: str
    source: str
    channel_id: str
    author_id: str
    author_name: str
    actor: str
    action: ModAction
    reason: str
    content: str
    """A copy of the moderated content, kept so it can be restored or reviewed."""
    mention_id: int | None = None
    guild_id: str | None = None
    message_id: str | None = None
    author_avatar_url: str | None = None
    model_version: str | None = None
    confidence: float | None = None
    notice: NoticeState = NoticeState.NONE
    result_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ModLogEntry:
    """A recorded moderation action; ``posted_*`` say where the mod-log channel shows it."""

    id: int
    at: datetime
    key: str
    source: str
    mention_id: int | None
    guild_id: str | None
    channel_id: str
    message_id: str | None
    author_id: str
    author_name: str
    author_avatar_url: str | None
    actor: str
    action: ModAction
    reason: str
    model_version: str | None
    confidence: float | None
    content: str
    notice: NoticeState
    result_ref: str | None
    posted_channel: str | None
    posted_message: str | None
    posted_at: datetime | None


@dataclass(frozen=True, slots=True)
class AppealRecord:
    """A member's appeal against one mod-log entry."""

    id: int
    modlog_id: int
    mention_id: int | None
    author_id: str
    statement: str
    state: AppealState
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    notice: NoticeState
    card_channel: str | None
    card_message: str | None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """A human correction of the classifier, kept as training data."""

    id: int
    mention_id: int
    from_label: Label | None
    to_label: Label
    actor: str
    reason: str
    model_version: str | None
    text: str
    created_at: datetime
