"""Cards and mod-log entries as Discord embeds. Everything that came from a user is escaped:
markdown cannot break out of its field and no mention (@everyone, @here, roles, users, channels)
can ping — and every message we send also carries ``allowed_mentions`` = none."""

from __future__ import annotations

import re

import discord

from bot.chat.card import Card
from bot.chat.markup import strip_control
from models.domain import Label
from models.moderation import AppealRecord, AppealState, ModAction, ModLogEntry

NO_PINGS = discord.AllowedMentions.none()
_ZWSP = "\u200b"
EMPTY = "\u2014"
"""Shown for empty user text (an embed field cannot be empty)."""
SPECIAL = "\\*_`~|>#-[]()<:@!&"
"""Characters Discord gives meaning to in messages and embeds; always escaped."""
_SPECIAL = re.compile("[" + re.escape(SPECIAL) + "]")
_ORDERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)
DESCRIPTION_MAX = 4096
FIELD_MAX = 1024
TITLE_MAX = 256
_COLOURS = {
    Label.SPAM: 0xE74C3C,
    Label.COMPLAINT: 0xE67E22,
    Label.QUESTION: 0x3498DB,
    Label.PRAISE: 0x2ECC71,
    Label.OTHER: 0x95A5A6,
}


def escape(text: str) -> str:
    """User text made inert for Discord: control characters replaced, every markdown, mention,
    emoji, timestamp and link character backslash-escaped (so nothing can open a span, a block,
    a link or a mention), and ``@everyone`` / ``@here`` broken by a zero-width space."""
    text = _SPECIAL.sub(r"\\\g<0>", strip_control(text))
    text = _ORDERED.sub(r"\g<1>\\.", text)
    return _BROADCAST.sub(lambda m: "@" + _ZWSP + m.group(1), text)


def clip(text: str, limit: int) -> str:
    """``escape(text)`` within ``limit`` characters (cut before escaping, so no escape is
    split in half)."""
    out = escape(text)
    keep = len(text)
    while len(out) > limit and keep > 0:
        keep = min(keep - 1, keep * limit // max(len(out), 1))
        out = escape(text[:keep]) + "…"
    return out


def footer(mention_id: int) -> str:
    return f"mentionbot #{mention_id}"


def card_embed(card: Card) -> discord.Embed:
    m, s, p = card.mention, card.state, card.prediction
    label = s.label.value if s.label else "unclassified"
    embed = discord.Embed(
        title=clip(f"#{m.id} {label} · {m.source}", TITLE_MAX),
        description=clip(m.text, DESCRIPTION_MAX) or EMPTY,
        colour=_COLOURS.get(s.label) if s.label else None,
    )
    embed.add_field(
        name="Author", value=clip(f"{m.author_name} ({m.author_external_id})", FIELD_MAX)
    )
    if p is not None:
        model = f"{p.label.value} {p.confidence:.2f} · model {p.model_version}"
        embed.add_field(name="Classifier", value=clip(model, FIELD_MAX))
    if m.url and m.url.startswith("https://") and len(m.url) <= 2048:
        embed.url = m.url  # the title links to the message (a URL field: no markdown)
    if card.suggestions and s.sent_text is None:
        embed.add_field(
            name="Suggested reply", value=clip(card.suggestions[0].text, FIELD_MAX), inline=False
        )
    if s.sent_text is not None:
        embed.add_field(name="Reply", value=clip(s.sent_text, FIELD_MAX), inline=False)
    state = s.progress()
    if s.delivery_error:
        state.append(f"error: {s.delivery_error}")
    embed.add_field(name="State", value=clip(" · ".join(state), FIELD_MAX), inline=False)
    embed.set_footer(text=footer(m.id))
    return embed


def modlog_embed(e: ModLogEntry) -> discord.Embed:
    title = f"{e.action.value} · entry {e.id}" + (
        f" · mention #{e.mention_id}" if e.mention_id else ""
    )
    colour = 0x2ECC71 if e.action in (ModAction.RESTORE, ModAction.APPEAL_ACCEPTED) else 0xE74C3C
    embed = discord.Embed(title=clip(title, TITLE_MAX), colour=colour)
    embed.description = clip(e.content, 1500) or EMPTY
    embed.add_field(name="Actor", value=clip(e.actor, FIELD_MAX))
    embed.add_field(name="Author", value=clip(f"{e.author_name} ({e.author_id})", FIELD_MAX))
    embed.add_field(name="Reason", value=clip(e.reason, FIELD_MAX), inline=False)
    if e.model_version is not None:
        conf = "?" if e.confidence is None else f"{e.confidence:.3f}"
        embed.add_field(name="Model", value=clip(f"{e.model_version} · {conf}", FIELD_MAX))
    where = f"<#{e.channel_id}>" if e.channel_id.isdigit() else escape(e.channel_id)
    if e.message_id:
        where += f" message {e.message_id}"
    embed.add_field(name="Where", value=where)
    embed.timestamp = e.at
    return embed


def notice_embed(e: ModLogEntry) -> discord.Embed:
    embed = discord.Embed(
        title="Your message was removed",
        description=clip(e.content, 1500) or EMPTY,
        colour=0xE74C3C,
    )
    embed.add_field(name="Reason", value=clip(e.reason, FIELD_MAX), inline=False)
    embed.set_footer(text="If you think this was a mistake, press Appeal.")
    return embed


def appeal_embed(a: AppealRecord, e: ModLogEntry) -> discord.Embed:
    embed = discord.Embed(title=f"Appeal {a.id} · {a.state.value}", colour=0xF1C40F)
    embed.description = clip(e.content, 1500) or EMPTY
    embed.add_field(name="Author", value=clip(f"{e.author_name} ({e.author_id})", FIELD_MAX))
    embed.add_field(name="Removed by", value=clip(f"{e.actor}: {e.reason}", FIELD_MAX))
    embed.add_field(name="Statement", value=clip(a.statement, FIELD_MAX), inline=False)
    if a.decided_by:
        embed.add_field(name="Decided by", value=clip(a.decided_by, FIELD_MAX))
    return embed


def outcome_embed(a: AppealRecord) -> discord.Embed:
    accepted = a.state is AppealState.ACCEPTED
    text = (
        "Your appeal was accepted: your message has been restored."
        if accepted
        else "Your appeal was reviewed and the removal stands."
    )
    embed = discord.Embed(title=f"Appeal {a.id}", description=text)
    if a.note:
        embed.add_field(name="Note", value=clip(a.note, FIELD_MAX))
    return embed
