"""The whole path against fake far ends: ingest → classify → relay to chat → decide → publish.
Counts are taken where they matter, at the far end: every card posted once, every reply sent
once, through rate limits, server errors and answers lost after the work was done."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence

import aiohttp
import pytest

from bot.app import Bot, running
from models.domain import MentionRecord, NewSuggestion, OutboxStatus, Prediction, Status
from tests.bot.conftest import Client, ModelFiles, bot_settings, eventually, mention_json
from tests.bot.fakes import FarEnd, Fault
from tests.conftest import Backend


@pytest.fixture
async def bot(
    backend: Backend, model_files: ModelFiles, far_end: tuple[FarEnd, str]
) -> AsyncIterator[Bot]:
    async with running(bot_settings(backend.url, model_files, far_end[1])) as b:
        yield b


@pytest.fixture
def client(bot: Bot, http: aiohttp.ClientSession) -> Client:
    assert bot.http is not None
    return Client(http, bot.http.url)


async def _relayed(bot: Bot, n: int) -> bool:
    return (await bot.store.queue_depth())[Status.RELAYED] == n


async def test_mentions_reach_chat_once_and_an_approved_reply_is_published_once(
    bot: Bot, client: Client, far_end: tuple[FarEnd, str]
) -> None:
    fake, _ = far_end
    mentions = [mention_json(i) for i in range(12)]
    mentions[5] = mention_json(5, text="<!channel> @everyone refund me <@U024BE7LH>")
    mentions[9] = mention_json(9, author="user2", text="@skylark following up on my question")
    status, answer = await client.ingest({"mentions": mentions})
    assert status == 202
    ids = [r["id"] for r in answer["results"]]
    await eventually(lambda: _relayed(bot, 12), what="all relayed")
    assert {mid: fake.posts[mid] for mid in ids} == {mid: 1 for mid in ids}

    by_mention = {m["metadata"]["event_payload"]["mention_id"]: m for m in fake.messages.values()}
    shown = by_mention[ids[5]]["text"]
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "@everyone" not in shown and "@\u2060everyone" in shown
    assert "<@U024BE7LH>" not in shown
    assert by_mention[ids[9]]["thread_ts"] == by_mention[ids[2]]["ts"]  # follow-up, same author
    assert by_mention[ids[3]]["thread_ts"] is None

    history = await bot.store.get_mention(ids[0])
    assert len(history.predictions) == 1
    assert [e.to_status for e in history.events] == [
        Status.RECEIVED,
        Status.CLASSIFIED,
        Status.SUGGESTED,
        Status.RELAYED,
    ]

    status, answer = await client.decide(ids[0], "alice", action="approve", text="On time!")
    assert status == 200, answer

    async def published() -> bool:
        return (await bot.store.outbox_depth())[OutboxStatus.DONE] == 1

    await eventually(published, what="reply published")
    [key] = fake.sends
    assert fake.sends[key] == 1
    assert fake.actions[key]["text"] == "On time!"
    assert fake.actions[key]["target"]["external_id"] == "m0"
    assert fake.updates[ids[0]] >= 1  # the card shows the decision
    assert (await bot.store.get_mention(ids[0])).mention.status is Status.CLOSED

    async def card_shows_delivery() -> bool:
        # The outbox marks the reply done first, then refreshes the card: wait for the refresh.
        return "delivery done" in by_mention[ids[0]]["text"]

    await eventually(card_shows_delivery, what="card updated with the delivery")


async def test_chat_failing_for_a_while_delays_relays_without_loss_or_duplicates(
    bot: Bot, client: Client, far_end: tuple[FarEnd, str]
) -> None:
    fake, _ = far_end
    fake.faults = [
        Fault(429, retry_after=0.2),
        Fault(500),
        Fault(500, process=True),  # the card was posted, but the answer says it failed
        Fault(502),
        Fault(504, process=True),
        Fault(429, retry_after=0.1),
    ]
    fake.outage(1.0, status=503)
    status, answer = await client.ingest({"mentions": [mention_json(i) for i in range(30)]})
    assert status == 202
    ids = [r["id"] for r in answer["results"]]
    await eventually(lambda: _relayed(bot, 30), what="all relayed after the outage")
    assert sum(fake.refused.values()) > 6
    assert {mid: fake.posts[mid] for mid in ids} == {mid: 1 for mid in ids}
    assert len(fake.messages) == 30


async def test_publisher_failures_are_retried_and_no_reply_is_sent_twice(
    bot: Bot, client: Client, far_end: tuple[FarEnd, str]
) -> None:
    fake, _ = far_end
    fake.publish_faults = [Fault(429, retry_after=0.1), Fault(500, process=True), Fault(503)]
    status, answer = await client.ingest({"mentions": [mention_json(i) for i in range(3)]})
    ids = [r["id"] for r in answer["results"]]
    await eventually(lambda: _relayed(bot, 3), what="relayed")
    for mid in ids:
        status, _ = await client.decide(mid, "alice", action="approve", text=f"Reply {mid}")
        assert status == 200

    async def all_done() -> bool:
        return (await bot.store.outbox_depth())[OutboxStatus.DONE] == 3

    await eventually(all_done, what="replies published")
    assert sorted(fake.sends.values()) == [1, 1, 1]
    assert sorted(a["text"] for a in fake.actions.values()) == [f"Reply {m}" for m in sorted(ids)]


async def test_a_permanent_publisher_failure_fails_the_item_and_is_audited(
    bot: Bot, client: Client, far_end: tuple[FarEnd, str]
) -> None:
    fake, _ = far_end
    fake.publish_faults = [Fault(400)]
    _, answer = await client.ingest(mention_json(1))
    [mid] = [r["id"] for r in answer["results"]]
    await eventually(lambda: _relayed(bot, 1), what="relayed")
    status, _ = await client.decide(mid, "maya", action="remove")
    assert status == 200

    async def failed() -> bool:
        return (await bot.store.outbox_depth())[OutboxStatus.FAILED] == 1

    await eventually(failed, what="item failed")
    history = await bot.store.get_mention(mid)
    assert history.outbox[0].last_error is not None and "400" in history.outbox[0].last_error
    assert any(a.action == "publish.remove" and a.outcome == "refused" for a in history.audit)
    assert fake.sends == {}


class _TemplateSuggester:
    """A stand-in for the playbook engine at the Suggester seam: one reply per mention, and a
    crash on mentions mentioning "boom" (a broken playbook must not hold anything up)."""

    async def suggest(
        self, mention: MentionRecord, prediction: Prediction | None
    ) -> list[NewSuggestion]:
        if "boom" in mention.text:
            raise RuntimeError("template error")
        assert prediction is not None
        text = f"Hi {mention.author_name}, thanks for reaching out!"
        return [NewSuggestion("greeting", "3", rank=1, score=0.9, text=text)]

    async def suggest_many(
        self, items: Sequence[tuple[MentionRecord, Prediction | None]]
    ) -> list[list[NewSuggestion]]:
        """Batched, as the playbook engine does: one broken mention fails the whole batch (the
        stage then retries one by one)."""
        return [await self.suggest(m, p) for m, p in items]


async def test_suggestions_reach_the_card_and_approve_sends_the_top_one(
    backend: Backend,
    model_files: ModelFiles,
    far_end: tuple[FarEnd, str],
    http: aiohttp.ClientSession,
) -> None:
    fake, url = far_end
    settings = bot_settings(backend.url, model_files, url)
    async with running(settings, suggester=_TemplateSuggester()) as bot:
        assert bot.http is not None
        client = Client(http, bot.http.url)
        _, answer = await client.ingest(
            {"mentions": [mention_json(1), mention_json(2, text="boom goes the app")]}
        )
        ids = [r["id"] for r in answer["results"]]
        await eventually(lambda: _relayed(bot, 2), what="both relayed")
        by_mention = {
            m["metadata"]["event_payload"]["mention_id"]: m for m in fake.messages.values()
        }
        assert "Hi User 1, thanks for reaching out!" in by_mention[ids[0]]["text"]
        broken = await bot.store.get_mention(ids[1])
        assert broken.suggestions == []
        assert "template error" in str(broken.events[2].detail)
        status, _ = await client.decide(ids[0], "alice", action="approve")  # as suggested
        assert status == 200
        await eventually(lambda: _published(bot, 1), what="published")
        [action] = fake.actions.values()
        assert action["text"] == "Hi User 1, thanks for reaching out!"
        [decision] = (await bot.store.get_mention(ids[0])).decisions
        assert (decision.playbook_id, decision.playbook_version) == ("greeting", "3")
        assert decision.after_text is None  # approved as is


async def _published(bot: Bot, n: int) -> bool:
    return (await bot.store.outbox_depth())[OutboxStatus.DONE] == n


async def test_the_shipped_playbooks_suggest_replies_with_their_versions(
    bot: Bot, client: Client, far_end: tuple[FarEnd, str]
) -> None:
    """No suggester passed: the composition root loads the shipped library (keyword/regex mode)."""
    fake, _ = far_end
    text = "@SkylarkAir my flight was cancelled and nobody at the desk can rebook me"
    _, answer = await client.ingest(mention_json(7, text=text))
    [mid] = [r["id"] for r in answer["results"]]
    await eventually(lambda: _relayed(bot, 1), what="relayed")
    history = await bot.store.get_mention(mid)
    assert 1 <= len(history.suggestions) <= 3
    top = history.suggestions[0]
    assert top.playbook_id and len(top.playbook_version) >= 8  # a content hash
    assert top.text and "{{" not in top.text
    [card] = fake.messages.values()
    assert top.text.splitlines()[0][:40] in card["text"]


async def test_stopping_the_bot_stops_the_classifiers_worker_threads(
    backend: Backend,
    model_files: ModelFiles,
    far_end: tuple[FarEnd, str],
    http: aiohttp.ClientSession,
) -> None:
    """With ``classifier.threads = 2`` the ONNX path runs two worker threads; they end with the
    bot, so a restarted bot in the same process does not pile them up."""
    before = {t for t in threading.enumerate() if t.name.startswith("onnx")}
    settings = bot_settings(backend.url, model_files, far_end[1], classifier={"threads": 2})
    async with running(settings) as bot:
        assert bot.http is not None
        status, _ = await Client(http, bot.http.url).ingest(
            {"mentions": [mention_json(i) for i in range(8)]}
        )
        assert status == 202
        await eventually(lambda: _relayed(bot, 8), what="all relayed")
        workers = {t for t in threading.enumerate() if t.name.startswith("onnx")} - before
        assert workers  # the batch was spread over the workers
    for thread in workers:
        thread.join(timeout=5)
        assert not thread.is_alive()
