"""Which channel a mention's card goes to: the first matching ``SlackRoute``, else the default."""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat.card import Card
from bot.slack.settings import SlackRoute
from models.domain import Label

PRIORITY: dict[Label | None, int] = {
    Label.COMPLAINT: 1,
    Label.QUESTION: 2,
    None: 3,
    Label.OTHER: 4,
    Label.PRAISE: 5,
    Label.SPAM: 6,
}
"""Posting order within a channel (lower first); messages of our own (digests) use 0."""


class Router:
    def __init__(self, routes: Sequence[SlackRoute], default_channel: str) -> None:
        self._routes = list(routes)
        self._default = default_channel

    def channels(self) -> list[str]:
        """Every channel cards may go to."""
        return list(dict.fromkeys([r.channel for r in self._routes] + [self._default]))

    def channel_for(self, card: Card) -> str:
        m = card.mention
        label = card.state.label
        review = card.prediction.needs_review if card.prediction is not None else True
        language = (m.language or "").lower()
        for r in self._routes:
            if r.labels is not None and label not in r.labels:
                continue
            if r.brands is not None and m.brand not in r.brands:
                continue
            if r.languages is not None and language not in {x.lower() for x in r.languages}:
                continue
            if r.sources is not None and m.source not in r.sources:
                continue
            if r.needs_review is not None and r.needs_review != review:
                continue
            return r.channel
        return self._default


def priority(card: Card) -> int:
    return PRIORITY.get(card.state.label, 3)
