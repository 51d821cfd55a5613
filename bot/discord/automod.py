"""Auto-moderation: spam above a channel's threshold is removed without waiting for a human,
only in channels where a moderator switched it on. The removal is an ordinary ``remove``
decision by the actor "automatic" — recorded, audited and carried out by the outbox."""

from __future__ import annotations

import logging

from bot.chat.card import Card
from bot.decisions import Actor, DecisionRequest
from bot.discord.context import Context
from bot.discord.wire import SOURCE, MessageLink
from bot.errors import BotError
from models.domain import Action, Label, Role, Status
from models.errors import DecisionRefused
from models.moderation import AUTOMATIC

log = logging.getLogger(__name__)
AUTOMATIC_ACTOR = Actor(AUTOMATIC, Role.MODERATOR)


def qualifies(ctx: Context, card: Card) -> bool:
    """Whether the card's mention is spam to remove automatically in its channel."""
    m, p = card.mention, card.prediction
    if m.source != SOURCE or p is None or p.label is not Label.SPAM:
        return False
    if m.status in (Status.DECIDED, Status.CLOSED) or m.assignee is not None:
        return False
    try:
        channel = ctx.settings.watched(MessageLink.parse(m.url).channel_id)
    except BotError:
        return False
    if channel is None or not channel.auto_remove:
        return False
    if channel.require_model_auto_action and not p.auto_action:
        return False
    return p.probabilities.get(Label.SPAM, p.confidence) >= channel.threshold


async def auto_remove(ctx: Context, card: Card) -> bool:
    """Record the automatic removal (idempotent per mention). False if it was not allowed, e.g.
    a human decided first."""
    request = DecisionRequest(
        card.mention_id, Action.REMOVE, idempotency_key=f"automod:{card.mention_id}"
    )
    try:
        await ctx.decisions.decide(AUTOMATIC_ACTOR, request)
    except (DecisionRefused, BotError) as exc:
        log.info("no automatic removal: %s", exc, extra={"mention_id": card.mention_id})
        return False
    return True
