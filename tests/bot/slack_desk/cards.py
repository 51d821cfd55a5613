"""Cards in every state, built from store records without a database (for rendering tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.chat.card import Card, CardState
from bot.chat.markup import markup_flags
from bot.slack.digest import Digests, pointer
from bot.slack.settings import SlackPacing
from models.domain import (
    Action,
    Label,
    MentionHistory,
    MentionRecord,
    OutboxStatus,
    PredictionRecord,
    Status,
    SuggestionRecord,
)

AT = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def mention(text: str = "hello", **fields: Any) -> MentionRecord:
    values: dict[str, Any] = {
        "id": 7,
        "source": "x",
        "external_id": "e7",
        "author_external_id": "handle",
        "author_name": "Author",
        "author_avatar_url": None,
        "text": text,
        "url": "https://x.example/status/7",
        "language": "en",
        "created_at": AT,
        "received_at": AT,
        "metadata": {},
        "status": Status.RELAYED,
        "label": Label.COMPLAINT,
        "assignee": None,
        "brand": "skylark",
        "thread_key": None,
        "lease_owner": None,
        "lease_until": None,
        "attempts": 0,
    }
    values.update(fields)
    return MentionRecord(**values)


def suggestion(n: int, text: str, findings: list[Any] | None = None, **kw: Any) -> SuggestionRecord:
    values: dict[str, Any] = {
        "id": 100 + n,
        "mention_id": 7,
        "playbook_id": "pb.one",
        "playbook_version": "3",
        "rank": n,
        "score": 0.5,
        "text": text,
        "findings": findings or [],
        "created_at": AT,
    }
    values.update(kw)
    return SuggestionRecord(**values)


def prediction(label: Label = Label.COMPLAINT, review: bool = True) -> PredictionRecord:
    return PredictionRecord(1, 7, "v1", label, 0.61, dict.fromkeys(Label, 0.1), review, False, AT)


def card(
    text: str = "hello",
    replies: tuple[str, ...] = ("Sorry!",),
    findings: list[Any] | None = None,
    **mention_fields: Any,
) -> Card:
    m = mention(text, **mention_fields)
    sugs = tuple(suggestion(i, r, findings) for i, r in enumerate(replies, start=1))
    state = CardState(status=m.status, label=m.label, assignee=m.assignee)
    return Card(m, prediction(), sugs, state, markup_flags(m.text))


def states(base: Card, actor: str = "slack:U123", sent: str = "Sorry!") -> dict[str, Card]:
    """The card in every state a mention goes through."""
    s = base.state
    decided = replace(s, status=Status.DECIDED, decided_by=actor)
    return {
        "open": base,
        "unclassified": replace(
            base, prediction=None, suggestions=(), state=replace(s, label=None)
        ),
        "claimed": replace(base, state=replace(s, assignee=actor)),
        "relabelled": replace(
            base, state=replace(s, decision=Action.RELABEL, decided_by=actor, label=Label.QUESTION)
        ),
        "approved": replace(
            base,
            state=replace(
                decided, decision=Action.APPROVE, sent_text=sent, delivery=OutboxStatus.PENDING
            ),
        ),
        "sent": replace(
            base,
            state=replace(
                decided,
                status=Status.CLOSED,
                decision=Action.APPROVE,
                sent_text=sent,
                delivery=OutboxStatus.DONE,
            ),
        ),
        "failed": replace(
            base,
            state=replace(
                decided,
                decision=Action.APPROVE,
                sent_text=sent,
                delivery=OutboxStatus.FAILED,
                delivery_error="403 " + sent,
            ),
        ),
        "removed": replace(
            base, state=replace(decided, decision=Action.REMOVE, delivery=OutboxStatus.DONE)
        ),
        "rejected": replace(base, state=replace(decided, decision=Action.REJECT)),
        "dismissed": replace(base, state=replace(decided, decision=Action.DISMISS)),
    }


def history(c: Card) -> MentionHistory:
    """The card's mention with its suggestions and nothing else recorded."""
    return MentionHistory(c.mention, [], [], list(c.suggestions), [], [], [], [])


def offline_digests() -> Digests:
    """Digests for rendering only: any call to Slack or the store fails the test."""
    return Digests(SlackPacing(), _never, _never, _never, pointer("/mentions", None))


async def _never(*_: Any) -> Any:
    raise AssertionError("not called")
