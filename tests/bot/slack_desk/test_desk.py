"""The desk's own behaviour against the fake Slack: follow-ups in threads, the digest under a
backlog, Retry-After, finding a card after an interrupted post, ``/mentions`` and App Home."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.chat.card import Card
from bot.errors import TransientError
from bot.metrics import Metrics
from bot.slack.desk import SlackDesk
from models.domain import Action, Label
from models.store import Store
from tests.bot.conftest import eventually
from tests.bot.slack_desk.conftest import ALICE, BOB, EVE, Desk, holds, slack_settings
from tests.conftest import FakeClock


async def test_a_follow_up_goes_into_the_earlier_cards_thread(desk: Desk) -> None:
    first = await desk.seed(author="same")
    second = await desk.seed(text="still waiting!!", author="same")
    root = desk.slack.card(first)
    reply = desk.slack.card(second)
    assert reply["thread_ts"] == root["ts"] and root["thread_ts"] is None
    ref = (await desk.store.get_mention(second)).cards[0]
    assert ref.message_ref == f"{reply['ts']}@{root['ts']}"
    # acting on the follow-up updates it in place and posts its outcome in the same thread
    await desk.click(ALICE, "mb_dismiss", str(second), mention_id=second)
    await eventually(lambda: holds(len(desk.slack.in_thread(root["ts"])) == 2), 10, "the note")
    assert "Dismissed" in desk.slack.in_thread(root["ts"])[-1]["text"]
    assert desk.slack.updates[second] >= 1


async def test_low_priority_mentions_go_into_a_digest_under_backlog(
    store: Store, desk: Desk
) -> None:
    settings = slack_settings(
        desk.slack.url, pacing={"digest_threshold": 0, "digest_interval_s": 0.05}
    )
    busy = SlackDesk(settings, store=store, decisions=desk.decisions, metrics=Metrics())
    async with busy:
        desk.cards.adapters = [busy]
        spam = await desk.seed(text="buy followers <!channel>", label=Label.SPAM)
        praise = await desk.seed(text="love it", label=Label.PRAISE)
        complaint = await desk.seed(text="lost my bag", label=Label.COMPLAINT)
        assert desk.slack.posts[complaint] == 1  # complaints keep their own card
        assert desk.slack.posts[spam] == desk.slack.posts[praise] == 0
        (digest_ts,) = desk.slack.digests
        refs = {m: (await store.get_mention(m)).cards[0].message_ref for m in (spam, praise)}
        assert refs == {spam: f"digest:{digest_ts}:{spam}", praise: f"digest:{digest_ts}:{praise}"}

        async def digest_shows_both() -> bool:
            text = json.dumps(desk.slack.messages[digest_ts]["blocks"])
            return "2 low-priority mentions" in text and "praise 1" in text

        await eventually(digest_shows_both, 10, "the digest update")
        # a retry after a crash (maybe posted) neither posts a card nor loses the mention
        history = await store.get_mention(spam)
        await desk.cards.relay(history, maybe_posted=True, budget=5)
        assert desk.slack.posts[spam] == 0 and len(desk.slack.digests) == 1
        # a decision on a digested mention (e.g. via /mentions next) refreshes the digest
        await desk.click(ALICE, "mb_dismiss", str(spam), mention_id=None, ephemeral=True)

        async def handled() -> bool:
            return "handled 1" in json.dumps(desk.slack.messages[digest_ts]["blocks"])

        await eventually(handled, 10, "the digest refresh")


async def test_retry_after_is_raised_and_holds_the_channel(store: Store, desk: Desk) -> None:
    desk.slack.rate = 0.5  # one message per two seconds per channel
    mid = await desk.seed()
    card = Card.from_history(await store.get_mention(mid))
    with pytest.raises(TransientError) as caught:  # the pacer does not know Slack's rate
        await desk.desk.post_card(card)
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 2
    assert desk.desk.ratelimited == 1 and sum(desk.slack.ratelimited.values()) == 1
    waited = desk.desk.pacer.channel("C0REVIEW").estimate(1)
    assert waited > 0.5  # the channel is held for the Retry-After


async def test_an_interrupted_post_is_found_not_repeated(desk: Desk) -> None:
    mid = await desk.seed(relay=False)
    history = await desk.store.get_mention(mid)
    await desk.desk.post_card(Card.from_history(history))  # reached Slack, then the worker died
    await desk.cards.relay(history, maybe_posted=True, budget=5)
    assert desk.slack.posts[mid] == 1
    assert desk.slack.calls["conversations.history"] >= 1


async def test_mentions_next_claims_the_oldest_and_shows_it_privately(
    desk: Desk, clock: FakeClock
) -> None:
    clock.now = datetime.now(UTC)  # "today" in /mentions stats is the real today
    q1 = await desk.seed(label=Label.QUESTION)
    await desk.seed(label=Label.QUESTION)
    status, _ = await desk.command(BOB, "next question")
    assert status == 200

    async def shown() -> bool:
        return any("blocks" in r for r in desk.slack.responses)

    await eventually(shown, 10, "the private card")
    answer = next(r for r in desk.slack.responses if "blocks" in r)
    assert answer["response_type"] == "ephemeral"
    assert f"<@{BOB}> is on it" in json.dumps(answer["blocks"])
    assert (await desk.store.get_mention(q1)).mention.assignee == f"slack:{BOB}"
    # acting on the private card replaces it in place
    await desk.click(BOB, "mb_dismiss", str(q1), mention_id=q1, ephemeral=True)

    async def replaced() -> bool:
        return any(r.get("replace_original") is True for r in desk.slack.responses)

    await eventually(replaced, 10, "the private card replaced")
    assert [d.action for d in (await desk.store.get_mention(q1)).decisions] == [
        Action.CLAIM,
        Action.DISMISS,
    ]
    await desk.command(EVE, "next")  # no role: refused, audited
    await desk.command(ALICE, "stats")

    async def answered() -> bool:
        texts = [r.get("text", "") for r in desk.slack.responses]
        return any("no mentionbot role" in t for t in texts) and any("Today" in t for t in texts)

    await eventually(answered, 10, "the refusal and the stats")
    stats = next(r["text"] for r in desk.slack.responses if "Today" in r.get("text", ""))
    assert "dismiss 1" in stats and "claim 1" in stats and "question 1" in stats


async def test_app_home_shows_my_claims_counts_and_oldest(desk: Desk) -> None:
    mine = await desk.seed(label=Label.COMPLAINT)
    await desk.seed(label=Label.QUESTION)
    await desk.click(ALICE, "mb_claim", str(mine), mention_id=mine)
    await eventually(lambda: _assignee(desk, mine), 10, "the claim")
    event = {
        "type": "event_callback",
        "team_id": "T0FAKE",
        "api_app_id": "A0FAKE",
        "event": {"type": "app_home_opened", "user": ALICE, "channel": "D1", "tab": "home"},
        "event_id": "Ev1",
        "event_time": 1,
    }
    status, _ = await desk.signed(json.dumps(event), content_type="application/json")
    assert status == 200
    await eventually(lambda: holds(bool(desk.slack.views)), 10, "views.publish")
    home = desk.slack.views[-1]
    text = json.dumps(home, ensure_ascii=False)
    assert home["type"] == "home" and home["user_id"] == ALICE
    assert "Claimed by you* (1)" in text and f"#{mine} · User" in text
    assert "complaint 1 · question 1" in text and "your role: *agent*" in text
    await asyncio.sleep(0)


async def _assignee(desk: Desk, mid: int) -> bool:
    return (await desk.store.get_mention(mid)).mention.assignee is not None
