"""Every approved reply passes the policy check first: a suggestion as is, one with its fill-in
variables supplied, or a human's edit. A refused approval is audited and sends nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import Bot, running
from models.domain import Label, Outcome, Prediction
from playbooks import SHIPPED_LIBRARY, PlaybookSuggester, load_library
from tests.bot.conftest import Client, bot_settings, mention_json
from tests.conftest import Backend

LOST_BAG = "@SkylarkAir you lost my luggage on the flight to Denver, my bag never arrived"


@pytest.fixture
async def bot(backend: Backend) -> AsyncIterator[Bot]:
    async with running(bot_settings(backend.url, None), out=io.StringIO()) as b:
        yield b


@pytest.fixture
async def client(bot: Bot, http: aiohttp.ClientSession) -> Client:
    assert bot.http is not None
    return Client(http, bot.http.url)


async def _suggested(bot: Bot, client: Client, n: int, text: str, label: Label) -> int:
    """Ingest a mention and store the shipped library's suggestions, as the suggest stage does."""
    status, answer = await client.ingest(mention_json(n, text=text))
    assert status == 202
    mention_id = int(answer["results"][0]["id"])
    mention = (await bot.store.get_mention(mention_id)).mention
    prediction = Prediction(
        label, 0.9, dict.fromkeys(Label, 0.025) | {label: 0.9}, False, False, "t"
    )
    suggester = PlaybookSuggester(load_library(SHIPPED_LIBRARY))
    await bot.store.save_suggestions(mention_id, await suggester.suggest(mention, prediction))
    return mention_id


async def _sent(bot: Bot, mention_id: int) -> list[str]:
    return [str(o.payload["text"]) for o in (await bot.store.get_mention(mention_id)).outbox]


async def test_an_edit_that_adds_a_phone_number_is_refused_and_audited(
    bot: Bot, client: Client
) -> None:
    mid = await _suggested(bot, client, 1, LOST_BAG, Label.COMPLAINT)
    edited = "So sorry! Call our baggage desk on +1 415 555 0199 and they will sort it out."
    status, answer = await client.decide(mid, "alice", action="approve", text=edited)
    assert (status, answer["error"]) == (422, "policy")
    assert any(f["rule"] == "pii.phone" for f in answer["findings"]), answer
    assert await _sent(bot, mid) == []  # nothing goes out
    audit = (await bot.store.get_mention(mid)).audit
    assert [(a.action, a.outcome) for a in audit][-1] == ("decision.approve", Outcome.REFUSED)


async def test_a_suggestion_with_an_unfilled_variable_cannot_go_out_as_is(
    bot: Bot, client: Client
) -> None:
    mid = await _suggested(bot, client, 2, LOST_BAG, Label.COMPLAINT)
    top = (await bot.store.get_mention(mid)).suggestions[0]
    assert top.playbook_id == "skylark.lost-luggage" and "[[file_ref]]" in top.text
    status, answer = await client.decide(mid, "alice", action="approve")
    assert status == 422 and [f["rule"] for f in answer["findings"]] == ["unfilled.variable"]
    edited = top.text + " Thanks for your patience!"  # an edit that keeps the gap
    status, answer = await client.decide(mid, "alice", action="approve", text=edited)
    assert status == 422 and answer["findings"][0]["rule"] == "unfilled.variable"
    status, answer = await client.decide(
        mid, "alice", action="approve", fill_ins={"file_ref": "not-a-ref"}
    )
    assert status == 422 and answer["findings"][0]["rule"] == "fill_in.invalid"
    assert await _sent(bot, mid) == []


async def test_fill_ins_are_substituted_and_the_reply_sent_once(bot: Bot, client: Client) -> None:
    mid = await _suggested(bot, client, 3, LOST_BAG, Label.COMPLAINT)
    top = (await bot.store.get_mention(mid)).suggestions[0]
    status, answer = await client.decide(
        mid, "alice", action="approve", fill_ins={"file_ref": "DENSK12345"}
    )
    assert status == 200, answer
    assert await _sent(bot, mid) == [top.text.replace("[[file_ref]]", "DENSK12345")]
    decision = answer["decision"]
    assert decision["playbook_id"] == "skylark.lost-luggage"
    assert decision["after_text"] is None  # filling in is not an edit: stats count it "as is"


async def test_a_chosen_suggestion_is_sent_and_guidance_never_is(bot: Bot, client: Client) -> None:
    mid = await _suggested(bot, client, 4, LOST_BAG, Label.COMPLAINT)
    third = (await bot.store.get_mention(mid)).suggestions[2]
    assert third.playbook_id == "general.complaint" and third.findings == []
    status, answer = await client.decide(mid, "alice", action="approve", suggestion_id=third.id)
    assert status == 200 and await _sent(bot, mid) == [third.text]
    assert answer["decision"]["playbook_id"] == "general.complaint"
    spam = await _suggested(bot, client, 5, "FREE crypto giveaway, DM me now", Label.SPAM)
    guidance = (await bot.store.get_mention(spam)).suggestions[0]
    status, answer = await client.decide(spam, "alice", action="approve", suggestion_id=guidance.id)
    assert status == 422 and answer["findings"][0]["rule"] == "guidance.not_a_reply"
    status, answer = await client.decide(mid, "alice", action="approve", suggestion_id=10**9)
    assert status in (409, 422)  # decided already, or not one of its suggestions
