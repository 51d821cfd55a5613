"""Builders for store test data."""

from __future__ import annotations

from datetime import UTC, datetime

from models.domain import Action, DecisionRecord, Label, NewMention, Prediction, Role

CREATED = datetime(2024, 12, 31, 23, 59, tzinfo=UTC)


def new_mention(n: int = 1, *, source: str = "x", author: str = "a1", **kw: object) -> NewMention:
    """A mention with unique external id ``m{n}``; keyword arguments override fields."""
    fields: dict[str, object] = {
        "source": source,
        "external_id": f"m{n}",
        "author_id": author,
        "author_name": f"Author {author}",
        "text": f"mention number {n} about @brand",
        "url": f"https://example.test/{source}/{n}",
        "language": "en",
        "created_at": CREATED,
        "metadata": {"n": n},
    }
    fields.update(kw)
    return NewMention(**fields)  # type: ignore[arg-type]


def prediction(label: Label = Label.QUESTION, confidence: float = 0.8) -> Prediction:
    rest = (1.0 - confidence) / (len(Label) - 1)
    probs = {lab: (confidence if lab is label else rest) for lab in Label}
    return Prediction(
        label=label,
        confidence=confidence,
        probabilities=probs,
        needs_review=False,
        auto_action=False,
        model_version="test-1",
    )


def decision(
    mention_id: int,
    action: Action,
    key: str,
    *,
    actor: str = "alice",
    role: Role = Role.AGENT,
    **kw: object,
) -> DecisionRecord:
    return DecisionRecord(
        mention_id=mention_id,
        actor=actor,
        role=role,
        action=action,
        idempotency_key=key,
        **kw,  # type: ignore[arg-type]
    )
