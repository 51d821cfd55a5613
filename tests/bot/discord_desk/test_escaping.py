"""Acceptance 2: nothing we send to Discord can ping anyone or break out of its formatting.

Every message body the fake receives is also checked for ``allowed_mentions`` none after every
test (``conftest.fake``); here the text itself is checked, for any input hypothesis finds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.card import Card
from bot.chat.markup import strip_control
from bot.discord.embeds import (
    DESCRIPTION_MAX,
    EMPTY,
    FIELD_MAX,
    NO_PINGS,
    SPECIAL,
    card_embed,
    clip,
    escape,
    modlog_embed,
)
from bot.discord.publisher import REPLY_MAX, reply_content
from models.domain import (
    Label,
    MentionHistory,
    MentionRecord,
    PredictionRecord,
    Status,
    SuggestionRecord,
)
from models.moderation import ModAction, ModLogEntry, NoticeState

NOW = datetime(2026, 12, 1, tzinfo=UTC)
_ZWSP = "\u200b"
NASTY = st.sampled_from(
    [
        "@everyone",
        "@here",
        "@EveryOne",
        "<@123456789012345678>",
        "<@!1>",
        "<@&42>",
        "<#77>",
        "**",
        "__",
        "*",
        "_",
        "~~",
        "||",
        "`",
        "```",
        "> ",
        ">>> ",
        "# ",
        "-# ",
        "- ",
        "1. ",
        "[x](https://evil.example)",
        "<https://a.b>",
        "<t:1:R>",
        "</cmd:1>",
        "<:e:1>",
        "\\",
        "\n",
        "\u202e",
        "\x1b[31m",
        "@",
        "<",
        ":",
        "&",
        "!",
    ]
)
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=8)), max_size=30).map("".join)


def inert(out: str) -> None:
    """No broadcast mention, and every character Discord gives meaning to is escaped."""
    assert not re.search(r"@(everyone|here)", out, re.IGNORECASE), out
    i = 0
    while i < len(out):
        if out[i] == "\\":
            assert i + 1 < len(out) and out[i + 1] in SPECIAL + ".", out
            i += 2
            continue
        assert out[i] not in SPECIAL, (out, i)
        i += 1


def unescape(out: str) -> str:
    return re.sub(r"\\(.)", r"\1", out.replace(_ZWSP, ""), flags=re.DOTALL)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_escaped_text_is_inert_and_lossless(text: str) -> None:
    out = escape(text)
    inert(out)
    assert unescape(out) == strip_control(text).replace(_ZWSP, "")


@settings(max_examples=200, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=300))
def test_clipped_text_stays_escaped_and_within_limit(text: str, limit: int) -> None:
    out = clip(text, limit)
    assert len(out) <= limit or not text
    inert(out.removesuffix("…"))


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_replies_are_escaped_and_never_ping(text: str) -> None:
    content = reply_content(text)
    assert len(content) <= REPLY_MAX
    inert(content.removesuffix("…"))
    assert NO_PINGS.to_dict() == {"parse": []}


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT, TEXT)
def test_card_and_modlog_embeds_are_escaped(text: str, name: str, reply: str) -> None:
    card = Card.from_history(_history(text, name, reply))
    embed = card_embed(card).to_dict()
    assert len(embed.get("description", "")) <= DESCRIPTION_MAX
    shown = [embed.get("title", ""), embed.get("description", "")]
    for f in embed.get("fields", []):
        assert len(f["value"]) <= FIELD_MAX
        shown.append(f["value"])
    for value in shown:
        if value != EMPTY:
            inert(value.removesuffix("…"))
    entry = modlog_embed(_entry(text, name)).to_dict()
    for f in entry.get("fields", []):
        if f["name"] != "Where":  # "<#channel>" built by us from a numeric id
            inert(f["value"].removesuffix("…"))
    if entry["description"] != EMPTY:
        inert(entry["description"].removesuffix("…"))


def _history(text: str, name: str, reply: str) -> MentionHistory:
    mention = MentionRecord(
        id=7,
        source="discord",
        external_id="1",
        author_external_id=name or "u",
        author_name=name,
        author_avatar_url=None,
        text=text,
        url="https://discord.com/channels/1/2/3",
        language=None,
        created_at=NOW,
        received_at=NOW,
        metadata={},
        status=Status.RELAYED,
        label=Label.SPAM,
        assignee=None,
        brand=None,
        thread_key=None,
        lease_owner=None,
        lease_until=None,
        attempts=0,
    )
    prediction = PredictionRecord(
        id=1,
        mention_id=7,
        model_version=name or "m",
        label=Label.SPAM,
        confidence=0.9,
        probabilities={Label.SPAM: 0.9},
        needs_review=False,
        auto_action=True,
        created_at=NOW,
    )
    suggestion = SuggestionRecord(
        id=1,
        mention_id=7,
        playbook_id="p",
        playbook_version="1",
        rank=0,
        score=1.0,
        text=reply,
        findings=[],
        created_at=NOW,
    )
    return MentionHistory(mention, [], [prediction], [suggestion], [], [], [], [])


def _entry(text: str, name: str) -> ModLogEntry:
    return ModLogEntry(
        id=1,
        at=NOW,
        key="k",
        source="discord",
        mention_id=7,
        guild_id="1",
        channel_id="2",
        message_id="3",
        author_id=name or "u",
        author_name=name,
        author_avatar_url=None,
        actor=name or "a",
        action=ModAction.REMOVE,
        reason=text,
        model_version=name,
        confidence=0.5,
        content=text,
        notice=NoticeState.NONE,
        result_ref=None,
        posted_channel=None,
        posted_message=None,
        posted_at=None,
    )
