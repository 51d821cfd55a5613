"""Acceptance 5: the Block Kit of every card state (and the modal, digest and App Home) stays
within Slack's limits even for the longest inputs: 50 blocks per message (100 per view), 3,000
characters per text, 2,000 per button value, 75 per button label."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack.blocks import card_message
from bot.slack.digest import _Digest
from bot.slack.modal import build_view
from models.domain import Label
from tests.bot.slack_desk.cards import card, history, offline_digests, states

HUGE = ("<!channel> & " * 2000) + "é" * 5000  # expands when escaped
FINDINGS = [{"rule": f"r{i}", "severity": "warning", "message": HUGE} for i in range(20)]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def check_limits(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    for node in walk(blocks):
        kind = node.get("type")
        if kind in ("mrkdwn", "plain_text", "text") and "text" in node:
            assert len(node["text"]) <= 3000, (kind, len(node["text"]))
        if kind == "button":
            assert len(node["text"]["text"]) <= 75
            assert len(node.get("value", "")) <= 2000
            assert len(node["action_id"]) <= 255
        if kind == "static_select":
            assert all(len(o["text"]["text"]) <= 75 for o in node["options"])
        if kind == "actions":
            assert len(node["elements"]) <= 25
        if kind == "context":
            assert len(node["elements"]) <= 10
        if "block_id" in node:
            assert len(node["block_id"]) <= 255


CASES = {
    "short": card("hi", ("Sorry!",)),
    "huge": card(
        HUGE,
        (HUGE, HUGE, HUGE, HUGE, HUGE),
        FINDINGS,
        author_name=HUGE,
        author_external_id=HUGE,
        source=HUGE,
        brand=HUGE,
        url="https://x/" + "a" * 1400,
    ),
    "no suggestions": card("hi", ()),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("state", list(states(CASES["short"])))
def test_every_card_state_fits_slack_limits(case: str, state: str) -> None:
    c = states(CASES[case], sent=HUGE if case == "huge" else "Sorry!")[state]
    message = card_message(c, shown=5)
    check_limits(message["blocks"])
    assert len(message["text"]) <= 3000
    assert len(json.dumps(message["metadata"])) < 1000


def test_modal_digest_and_home_fit_slack_limits() -> None:
    c = CASES["huge"]
    view = build_view(history(c), c.suggestions[0], "{}")
    check_limits(view["blocks"], 100)
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    digests = offline_digests()
    check_limits(digests._render("C1", None, dict.fromkeys(Label, 10**9))["blocks"])
    full = _Digest("C1", "1.0", {i: f"#{i} spam · {HUGE}" for i in range(600)})
    check_limits(digests._render("C1", full, dict.fromkeys(Label, 10**9))["blocks"])
