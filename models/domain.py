"""Domain types shared by every layer: labels, predictions and the store's records."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias


class Label(enum.StrEnum):
    """What a mention is.

    Precedence when several apply: spam > complaint > question > praise > other.
    """

    SPAM = "spam"
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    OTHER = "other"


LABELS: tuple[Label, ...] = tuple(Label)


@dataclass(frozen=True, slots=True)
class Prediction:
    """One classified text.

    ``probabilities`` are calibrated and sum to 1. ``needs_review`` is set when the winning
    probability is below that label's threshold. ``auto_action`` is only ever true for spam above
    the model's auto-action threshold (and only when the model has one).
    """

    label: Label
    confidence: float
    probabilities: dict[Label, float] = field(repr=False)
    needs_review: bool
    auto_action: bool
    model_version: str

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label.value,
            "confidence": round(self.confidence, 6),
            "probabilities": {k.value: round(v, 6) for k, v in self.probabilities.items()},
            "needs_review": self.needs_review,
            "auto_action": self.auto_action,
            "model_version": self.model_version,
        }


# --- Store types -----------------------------------------------------------------------------

JSONDict: TypeAlias = dict[str, Any]
"""A JSON object as stored (keys are strings, values anything JSON can hold)."""


class Status(enum.StrEnum):
    """Pipeline stage of a mention, in order."""

    RECEIVED = "received"
    CLASSIFIED = "classified"
    SUGGESTED = "suggested"
    RELAYED = "relayed"
    DECIDED = "decided"
    CLOSED = "closed"


class Action(enum.StrEnum):
    """What a human decided about a mention."""

    APPROVE = "approve"
    REJECT = "reject"
    RELABEL = "relabel"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    REMOVE = "remove"
    DISMISS = "dismiss"


class Role(enum.StrEnum):
    """Role of the human who acted."""

    AGENT = "agent"
    MODERATOR = "moderator"
    ADMIN = "admin"


class OutboxKind(enum.StrEnum):
    """Side effect carried out through the outbox."""

    REPLY = "reply"
    REMOVE = "remove"


class OutboxStatus(enum.StrEnum):
    """Delivery state of an outbox item."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"


class Outcome(enum.StrEnum):
    """Whether an audited action was carried out."""

    ALLOWED = "allowed"
    REFUSED = "refused"


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


@dataclass(frozen=True, slots=True)
class NewMention:
    """A mention as an ingester hands it over; ``text`` is stored verbatim."""

    source: str
    external_id: str
    author_id: str
    author_name: str
    text: str
    url: str | None
    language: str | None
    created_at: datetime
    metadata: JSONDict = field(default_factory=dict)
    brand: str | None = None
    author_avatar_url: str | None = None
    thread_key: str | None = None

    def __post_init__(self) -> None:
        _require_aware("created_at", self.created_at)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Outcome of ingesting one mention: its id and whether this call created it."""

    id: int
    created: bool


@dataclass(frozen=True, slots=True)
class MentionRecord:
    """A stored mention with its author and pipeline state."""

    id: int
    source: str
    external_id: str
    author_external_id: str
    author_name: str
    author_avatar_url: str | None
    text: str
    url: str | None
    language: str | None
    created_at: datetime
    received_at: datetime
    metadata: JSONDict
    status: Status
    label: Label | None
    assignee: str | None
    brand: str | None
    thread_key: str | None
    lease_owner: str | None
    lease_until: datetime | None
    attempts: int


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """A stored classifier prediction for a mention."""

    id: int
    mention_id: int
    model_version: str
    label: Label
    confidence: float
    probabilities: dict[Label, float]
    needs_review: bool
    auto_action: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewSuggestion:
    """A reply suggestion rendered from a playbook, before it is stored."""

    playbook_id: str
    playbook_version: str
    rank: int
    score: float
    text: str
    findings: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SuggestionRecord:
    """A stored reply suggestion."""

    id: int
    mention_id: int
    playbook_id: str
    playbook_version: str
    rank: int
    score: float
    text: str
    findings: list[Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CardRef:
    """Where a mention's card was posted in a chat adapter."""

    mention_id: int
    adapter: str
    channel: str
    message_ref: str
    posted_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A human decision. ``id`` and ``created_at`` are None until the store records it.

    ``before_text`` is the suggested reply and ``after_text`` the reply as sent (None: unedited).
    """

    mention_id: int
    actor: str
    role: Role
    action: Action
    idempotency_key: str
    before_text: str | None = None
    after_text: str | None = None
    from_label: Label | None = None
    to_label: Label | None = None
    playbook_id: str | None = None
    playbook_version: str | None = None
    id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A side effect (reply, removal) waiting to be carried out exactly once."""

    id: int
    mention_id: int
    kind: OutboxKind
    payload: JSONDict
    status: OutboxStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    idempotency_key: str
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action, allowed or refused."""

    id: int
    at: datetime
    actor: str
    action: str
    mention_id: int | None
    detail: JSONDict
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class StageEvent:
    """One pipeline stage transition of a mention."""

    id: int
    mention_id: int
    from_status: Status | None
    to_status: Status
    at: datetime
    actor: str | None
    detail: JSONDict | None


@dataclass(frozen=True, slots=True)
class MentionHistory:
    """A mention with everything recorded about it, each list oldest first."""

    mention: MentionRecord
    events: list[StageEvent]
    predictions: list[PredictionRecord]
    suggestions: list[SuggestionRecord]
    cards: list[CardRef]
    decisions: list[DecisionRecord]
    outbox: list[OutboxItem]
    audit: list[AuditEntry]

    @property
    def prediction(self) -> PredictionRecord | None:
        """The latest prediction (None: not classified yet)."""
        return self.predictions[-1] if self.predictions else None


@dataclass(frozen=True, slots=True)
class PlaybookStats:
    """How one playbook version fared: suggestions made and what humans did with them."""

    playbook_id: str
    playbook_version: str
    suggested: int
    approved_as_is: int
    approved_after_edit: int
    rejected: int
