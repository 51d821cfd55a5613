"""Block Kit for a card, in every state: open, claimed, decided, sent, failed.

Text from outside (the mention, author names, suggestion texts that quote the mention) never
reaches Slack's parser unescaped: the mention and reply texts go into ``rich_text`` elements,
which Slack shows literally (no mrkdwn, mentions, broadcasts or links), and every other outside
value is ``escape_slack``-ed inside ``mrkdwn`` objects marked ``verbatim`` (no auto-linking).
The only active elements are ours: the mention's link (when it is a plain http(s) URL) and the
Slack users who acted (``<@U…>``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.chat.card import Card
from bot.chat.markup import escape_slack, strip_control
from bot.chat.webapi import EVENT_TYPE
from bot.slack.roles import slack_user
from models.domain import Action, Label, OutboxStatus, Status, SuggestionRecord

MAX_TEXT = 3000
MAX_LABEL = 75
PLACEHOLDER = re.compile(r"\[\[([A-Za-z_][A-Za-z0-9_]{0,40})\]\]")
_SAFE_URL = re.compile(r"^https?://[^\s<>|&\"'`\\]{1,1500}$")
_OPEN = frozenset({Status.RECEIVED, Status.CLASSIFIED, Status.SUGGESTED, Status.RELAYED})
_VERB = {
    Action.APPROVE: "Approved",
    Action.REJECT: "Rejected",
    Action.DISMISS: "Dismissed",
    Action.REMOVE: "Removal requested",
    Action.RELABEL: "Relabelled",
}
_FINAL = frozenset(_VERB) - {Action.RELABEL}
CARD_EVENT = EVENT_TYPE
"""The metadata event type of a card (shared with ``bot.chat.webapi``)."""
_EMOJI: dict[Label | None, str] = {
    None: ":grey_question:",
    Label.COMPLAINT: ":rotating_light:",
    Label.QUESTION: ":question:",
    Label.PRAISE: ":sparkles:",
    Label.SPAM: ":no_entry_sign:",
    Label.OTHER: ":speech_balloon:",
}
Block = dict[str, Any]


def label_name(label: Label | None) -> str:
    return "unclassified" if label is None else label.value


def clip(raw: str, limit: int = MAX_TEXT, escape: bool = True) -> str:
    """``raw`` escaped (or just control-stripped), cut so the result fits ``limit`` chars."""
    conv = escape_slack if escape else strip_control
    out = conv(raw)
    if len(out) <= limit:
        return out
    lo, hi = 0, min(len(raw), limit)
    while lo < hi:  # the longest prefix whose converted form fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if len(conv(raw[:mid])) <= limit - 1:
            lo = mid
        else:
            hi = mid - 1
    return conv(raw[:lo]) + "…"


_FORMATTING = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def inert(raw: str, limit: int = MAX_TEXT) -> str:
    """An outside value for mrkdwn: escaped, and with the formatting characters ``* _ ~ ` ``
    swapped for look-alikes, so it can neither ping, link nor restyle the card."""
    return clip(raw, limit).translate(_FORMATTING)


def who(actor: str | None) -> str:
    """A Slack user as a mention (``<@U…>``, ours), anyone else as escaped text."""
    if actor is None:
        return "someone"
    user = slack_user(actor)
    return f"<@{user}>" if user else inert(actor, 80)


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for a plain http(s) URL; otherwise nothing (never a link from raw text)."""
    if url is None or not _SAFE_URL.match(url):
        return ""
    return f"<{url}|{escape_slack(label)}>"


def mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text[:MAX_TEXT], "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def literal(raw: str, *, quote: bool = True) -> Block:
    """A rich_text block showing ``raw`` as is (Slack parses nothing inside a text element)."""
    inner = {"type": "text", "text": clip(raw, escape=False)}
    kind = "rich_text_quote" if quote else "rich_text_section"
    return {"type": "rich_text", "elements": [{"type": kind, "elements": [inner]}]}


def button(
    label: str, action_id: str, value: str, style: str | None = None, confirm: Block | None = None
) -> Block:
    out: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label[:MAX_LABEL], "emoji": True},
        "value": value[:2000],
    }
    if style:
        out["style"] = style
    if confirm:
        out["confirm"] = confirm
    return out


def placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def metadata(mention_id: int, event: str = CARD_EVENT) -> Block:
    return {"event_type": event, "event_payload": {"mention_id": mention_id}}


def when(at: datetime | None) -> str:
    return "" if at is None else at.strftime(" at %Y-%m-%d %H:%M UTC")


def is_open(card: Card) -> bool:
    return card.state.status in _OPEN and card.state.decision not in _FINAL


def headline_blocks(card: Card) -> list[Block]:
    m, p = card.mention, card.prediction
    label = card.state.label
    badge = f"{_EMOJI[label]} *{label_name(label)}*"
    if p is not None:
        badge += f" {p.confidence:.0%}" if p.label == label else f" (model: {p.label.value})"
        if p.needs_review:
            badge += " · :mag: *needs review*"
    author = inert(f"{m.author_name} (@{m.author_external_id})", 300)
    origin = f"{author} on {inert(m.source, 100)}"
    url = link(m.url, "open post")
    facts = [f"#{m.id}"] + ([inert(m.language, 20)] if m.language else [])
    facts += [f"brand {inert(m.brand, 80)}"] if m.brand else []
    facts.append(m.created_at.strftime("%Y-%m-%d %H:%M UTC"))
    blocks = [section(f"{badge}\n{origin}" + (f" · {url}" if url else "")), literal(m.text)]
    notes = [" · ".join(facts)]
    if card.markup:
        notes.append(f":warning: contains markup ({', '.join(sorted(card.markup))}), shown inert")
    blocks.append(context(*notes))
    return blocks


def state_blocks(card: Card, decided_at: datetime | None) -> list[Block]:
    s = card.state
    blocks: list[Block] = []
    if s.decision in _FINAL:
        line = f":white_check_mark: *{_VERB[s.decision]}* by {who(s.decided_by)}{when(decided_at)}"
        if s.delivery is OutboxStatus.DONE:
            line += " · " + ("sent" if s.sent_text is not None else "done")
        elif s.delivery is OutboxStatus.FAILED:
            line += f" · :x: failed: {inert(s.delivery_error or 'unknown error', 500)}"
        elif s.delivery is not None:
            line += " · sending…" if s.sent_text is not None else " · in progress…"
        blocks.append(section(line))
        if s.sent_text is not None:
            blocks.append(literal(s.sent_text))
    elif s.assignee is not None:
        blocks.append(section(f":raising_hand: {who(s.assignee)} is on it"))
    elif s.decision is Action.RELABEL:
        blocks.append(context(f"Relabelled by {who(s.decided_by)}{when(decided_at)}"))
    return blocks


def suggestion_blocks(card: Card, shown: int) -> list[Block]:
    blocks: list[Block] = []
    for i, sug in enumerate(card.suggestions[:shown], start=1):
        blocks.append(literal(sug.text))
        blocks.append(_suggestion_footer(card.mention_id, i, sug))
    if not card.suggestions:
        blocks.append(context("No suggested reply: use *Edit* to write one."))
    return blocks


def _suggestion_footer(mention_id: int, i: int, sug: SuggestionRecord) -> Block:
    lines = [f"*Suggestion {i}* · {inert(sug.playbook_id, 100)} v{inert(sug.playbook_version, 20)}"]
    for f in sug.findings[:8]:
        if isinstance(f, dict):
            mark = ":no_entry:" if f.get("severity") == "blocking" else ":warning:"
            lines.append(f"{mark} {inert(str(f.get('message', f.get('rule', ''))), 300)}")
    fill = placeholders(sug.text)
    value = f"{mention_id}:{sug.id}"
    if fill:
        btn = button("Fill in & send…", f"mb_edit:{i}", value, "primary")
    else:
        btn = button("Approve & send", f"mb_approve:{i}", value, "primary")
    return {"type": "section", "text": mrkdwn("\n".join(lines)), "accessory": btn}


def action_block(card: Card) -> Block:
    mid = str(card.mention_id)
    options = [
        {"text": {"type": "plain_text", "text": label.value}, "value": label.value}
        for label in Label
    ]
    relabel: Block = {
        "type": "static_select",
        "action_id": "mb_relabel",
        "placeholder": {"type": "plain_text", "text": "Relabel"},
        "options": options,
    }
    if card.state.label is not None:
        relabel["initial_option"] = options[list(Label).index(card.state.label)]
    claim = (
        button("Unclaim", "mb_unclaim", mid)
        if card.state.assignee
        else button("Claim", "mb_claim", mid)
    )
    confirm = {
        "title": {"type": "plain_text", "text": "Remove the post?"},
        "text": mrkdwn(f"Mention #{mid} will be removed at its source. Moderators only."),
        "confirm": {"type": "plain_text", "text": "Remove"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
    }
    elements = [
        button("Edit…", "mb_edit:0", mid),
        relabel,
        claim,
        button("Remove", "mb_remove", mid, "danger", confirm),
        button("Dismiss", "mb_dismiss", mid),
    ]
    return {"type": "actions", "block_id": f"mb:{mid}", "elements": elements}


def card_message(card: Card, decided_at: datetime | None = None, shown: int = 3) -> Block:
    """``text`` (notification fallback), ``blocks`` and ``metadata`` for chat.postMessage."""
    blocks = headline_blocks(card) + state_blocks(card, decided_at)
    if is_open(card):
        blocks += suggestion_blocks(card, shown)
        blocks.append(action_block(card))
    return {
        "text": clip(card.headline(), 300),
        "blocks": blocks,
        "metadata": metadata(card.mention_id),
        "unfurl_links": False,
        "unfurl_media": False,
    }


def outcome_note(card: Card) -> str | None:
    """The thread message for a finished card (None while nothing final happened)."""
    s = card.state
    if s.delivery is OutboxStatus.DONE and s.sent_text is not None:
        return f":outbox_tray: Reply sent (approved by {who(s.decided_by)})"
    if s.delivery is OutboxStatus.DONE:
        return f":wastebasket: Post removed (by {who(s.decided_by)})"
    if s.delivery is OutboxStatus.FAILED:
        err = inert(s.delivery_error or "unknown error", 500)
        return f":x: Delivery failed for good: {err}"
    if s.decision in (Action.REJECT, Action.DISMISS) and s.delivery is None:
        return f":heavy_minus_sign: {_VERB[s.decision]} by {who(s.decided_by)}; nothing sent"
    return None
