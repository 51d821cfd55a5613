"""``Card``: what a chat adapter shows for one mention. Platform-neutral; adapters translate it.

A card is rebuilt from the store every time it is posted or updated, so it always shows the
mention's current state: label, who claimed it, what was decided and what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.markup import markup_flags
from models.domain import (
    Action,
    Label,
    MentionHistory,
    MentionRecord,
    OutboxKind,
    OutboxStatus,
    PredictionRecord,
    Status,
    SuggestionRecord,
)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a card lives in a chat platform (e.g. Slack channel id and message ``ts``)."""

    channel: str
    message_id: str


@dataclass(frozen=True, slots=True)
class CardState:
    """Who has done what with the mention so far."""

    status: Status
    label: Label | None
    assignee: str | None = None
    decided_by: str | None = None
    decision: Action | None = None
    sent_text: str | None = None
    """The reply as approved (edited or not) once a reply is on its way."""
    delivery: OutboxStatus | None = None
    """Where the approved reply or removal stands: pending, in flight, done, failed."""
    delivery_error: str | None = None

    def progress(self) -> list[str]:
        """Status, claim, decision and delivery as short phrases, for a card's state line."""
        parts = [self.status.value]
        if self.assignee:
            parts.append(f"claimed by {self.assignee}")
        if self.decision is not None:
            parts.append(f"{self.decision.value} by {self.decided_by}")
        if self.delivery is not None:
            parts.append(f"delivery {self.delivery.value}")
        return parts


@dataclass(frozen=True, slots=True)
class Card:
    mention: MentionRecord
    prediction: PredictionRecord | None
    suggestions: tuple[SuggestionRecord, ...]
    state: CardState
    markup: frozenset[str]
    """Markup found in the mention's text (see ``bot.chat.markup``): adapters must escape it."""
    thread: MessageRef | None = None
    """Post as a reply in this thread: an earlier card for the same author (a follow-up)."""

    @property
    def mention_id(self) -> int:
        return self.mention.id

    @classmethod
    def from_history(cls, history: MentionHistory, thread: MessageRef | None = None) -> Card:
        m = history.mention
        final = [d for d in history.decisions if d.action not in (Action.CLAIM, Action.UNCLAIM)]
        last = final[-1] if final else None
        delivery = history.outbox[-1] if history.outbox else None
        sent = None
        if delivery is not None and delivery.kind is OutboxKind.REPLY:
            sent = delivery.payload.get("text")
        state = CardState(
            status=m.status,
            label=m.label,
            assignee=m.assignee,
            decided_by=None if last is None else last.actor,
            decision=None if last is None else last.action,
            sent_text=sent,
            delivery=None if delivery is None else delivery.status,
            delivery_error=None if delivery is None else delivery.last_error,
        )
        suggestions = tuple(sorted(history.suggestions, key=lambda s: (s.rank, s.id)))
        prediction = history.prediction
        return cls(m, prediction, suggestions, state, markup_flags(m.text), thread)

    def headline(self) -> str:
        """One line naming the mention, for logs and plain-text fallbacks (not escaped)."""
        label = self.state.label.value if self.state.label else "unclassified"
        m = self.mention
        return f"#{m.id} {label} · {m.source} · {m.author_name} (@{m.author_external_id})"
