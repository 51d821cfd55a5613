"""Acceptance 3: whatever a mention says, the rendered Block Kit contains no active mention,
broadcast or link that was not ours, and no formatting from outside text.

Outside values reach Slack in two ways: ``rich_text`` text elements, which Slack shows
literally (so they must stay plain ``text`` elements), and ``mrkdwn`` text objects, where they
must add no ``<`` (mentions, broadcasts, links), no bare ``@here``-style broadcast and no
``* _ ~ ``` `` formatting characters: the property compares every mrkdwn text rendered from
arbitrary values with the same template rendered from harmless ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.blocks import _SAFE_URL, card_message, outcome_note
from bot.slack.home import _line
from bot.slack.modal import build_view
from tests.bot.slack_desk.cards import AT, card, history, offline_digests, states

NASTY = st.sampled_from(
    [
        "<!channel>",
        "<!here|here>",
        "<@U0ADMIN>",
        "<#C0GENERAL>",
        "<https://evil.example|click>",
        "@everyone",
        "@here",
        "@channel",
        "*bold*",
        "_it_",
        "~s~",
        "`code`",
        "```",
        "&lt;!channel&gt;",
        "[x](https://evil.example)",
        "<!subteam^S1>",
        "\u202e",
        "\x1b[31m",
        ">quote",
        "&",
        "|",
    ]
)
OUTSIDE = st.lists(st.one_of(NASTY, st.text(max_size=12)), max_size=8).map("".join)
BROADCAST = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
OURS_ACTOR = "slack:U0OURS"


def mrkdwn_texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from mrkdwn_texts(value)


def rich_elements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") in ("rich_text_section", "rich_text_quote"):
            yield from node["elements"]
        for value in node.values():
            yield from rich_elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from rich_elements(value)


ACTIVE = "<*_~`"


def assert_inert(rendered: Any, harmless: Any) -> None:
    """Outside text added no active syntax to any mrkdwn text, and rich text stays literal."""
    got, want = list(mrkdwn_texts(rendered)), list(mrkdwn_texts(harmless))
    assert len(got) == len(want)
    for text, template in zip(got, want, strict=True):
        for ch in ACTIVE:
            assert text.count(ch) == template.count(ch), (ch, text, template)
        assert not BROADCAST.search(text), text
        assert "<!" not in text
    for el in rich_elements(rendered):
        assert el["type"] == "text" and set(el) == {"type", "text"}


def _harmless(value: str) -> str:
    """A stand-in with the same shape as far as the layout goes (empty stays empty)."""
    return "h" if value else ""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=OUTSIDE,
    name=OUTSIDE,
    handle=OUTSIDE,
    reply=OUTSIDE,
    finding=OUTSIDE,
    url=OUTSIDE,
    source=OUTSIDE,
    brand=OUTSIDE,
    actor=OUTSIDE,
    error=OUTSIDE,
)
def test_no_outside_text_is_active_in_any_card_state(
    text: str,
    name: str,
    handle: str,
    reply: str,
    finding: str,
    url: str,
    source: str,
    brand: str,
    actor: str,
    error: str,
) -> None:
    flags = card(text).markup

    def build(
        t: str, n: str, h: str, r: str, f: str, u: str, s: str, b: str, a: str, e: str
    ) -> list[Any]:
        base = card(
            t,
            (r, r + "x"),
            [{"rule": "x", "severity": "blocking", "message": f}],
            author_name=n,
            author_external_id=h,
            url=u,
            source=s,
            brand=b or None,
        )
        base = replace(base, markup=flags)  # the markup warning is ours, from the real text
        out: list[Any] = []
        for who in (OURS_ACTOR, a):
            for c in states(base, who, r).values():
                c = replace(c, state=replace(c.state, delivery_error=c.state.delivery_error and e))
                out.append(card_message(c))
                out.append({"type": "mrkdwn", "text": outcome_note(c) or ""})
        return out

    rendered = build(text, name, handle, reply, finding, url, source, brand, actor, error)
    link = url if _SAFE_URL.match(url) else _harmless(url)
    harmless = build(
        *map(_harmless, (text, name, handle, reply, finding)),
        link,
        *map(_harmless, (source, brand)),
        "someone",
        _harmless(error),
    )
    assert_inert(rendered, harmless)
    for msg in rendered:
        if "blocks" in msg:  # the notification fallback is mrkdwn as well
            assert "<" not in msg["text"] and not BROADCAST.search(msg["text"])
    users = set(re.findall(r"<@([A-Z0-9]+)>", str(list(mrkdwn_texts(rendered)))))
    assert users <= {"U0OURS"}


@settings(max_examples=60, deadline=None)
@given(text=OUTSIDE, name=OUTSIDE, reply=OUTSIDE)
def test_modal_digest_and_home_keep_outside_text_inert(text: str, name: str, reply: str) -> None:
    c = card(text, (reply + " [[ref]]",), author_name=name)
    view = build_view(history(c), c.suggestions[0], "{}")
    harmless_card = card("t", ("r [[ref]]",), author_name="n")
    harmless = build_view(history(harmless_card), harmless_card.suggestions[0], "{}")
    assert_inert(view, harmless)
    digests = offline_digests()
    assert_inert(digests._render("C1", None, {}), digests._render("C1", None, {}))
    line = _line(c.mention, AT)
    assert "\n" not in line  # one line per mention (shown in rich_text: literal)
