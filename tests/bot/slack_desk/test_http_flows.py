"""Acceptance 1: the real slack_sdk client against a fake Slack Web API, and interactive
payloads signed with the signing secret through Bolt's own verification (HTTP mode)."""

from __future__ import annotations

import json
import time
from typing import Any

from models.domain import Action, Label, Outcome, Status
from tests.bot.conftest import eventually
from tests.bot.slack_desk.conftest import ADA, ALICE, BOB, EVE, MAYA, Desk, holds


def _texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _action_ids(message: dict[str, Any]) -> set[str]:
    ids = set()
    for block in message["blocks"]:
        for el in block.get("elements", []) if block["type"] == "actions" else []:
            ids.add(el["action_id"])
        if "accessory" in block:
            ids.add(block["accessory"]["action_id"])
    return ids


async def _decisions(desk: Desk, mention_id: int) -> list[Action]:
    return [d.action for d in (await desk.store.get_mention(mention_id)).decisions]


async def test_approve_sends_the_reply_once_and_updates_the_card(desk: Desk) -> None:
    mid = await desk.seed()
    card = desk.slack.card(mid)
    assert {"mb_approve:1", "mb_edit:0", "mb_claim", "mb_remove", "mb_dismiss"} <= _action_ids(card)
    status, _ = await desk.click(ALICE, "mb_approve:1", f"{mid}:{0}", mention_id=mid)
    assert status == 200  # acknowledged at once; the work follows
    suggestion = (await desk.store.get_mention(mid)).suggestions[0]
    status, _ = await desk.click(ALICE, "mb_approve:1", f"{mid}:{suggestion.id}", mention_id=mid)
    assert status == 200

    async def approved() -> bool:
        return Action.APPROVE in await _decisions(desk, mid)

    await eventually(approved, 10, "the approval")
    await desk.deliver()
    await desk.deliver()  # nothing left: a second run sends nothing
    assert sum(desk.far.sends.values()) == 1
    (sent,) = desk.far.actions.values()
    assert sent["text"] == "Sorry about that, we are looking into it now."

    async def updated() -> bool:
        return bool(desk.slack.in_thread(card["ts"]))

    await eventually(updated, 10, "the outcome in the card's thread")
    card = desk.slack.card(mid)
    rendered = _texts(card["blocks"])
    assert f"Approved* by <@{ALICE}>" in rendered and "sent" in rendered
    assert _action_ids(card) == set()  # no button is valid any more
    (note,) = desk.slack.in_thread(card["ts"])
    assert "Reply sent" in note["text"] and "looking into it" in _texts(note["blocks"])
    assert desk.slack.posts[mid] == 1 and desk.slack.updates[mid] >= 2
    # the first click named a suggestion that does not exist: explained, privately
    assert any("not one of mention" in r.get("text", "") for r in desk.slack.responses)


async def test_edit_modal_with_a_fill_in_checks_policy_then_sends(desk: Desk) -> None:
    mid = await desk.seed(
        replies=("Thanks! Booking [[booking_ref]] is rebooked on the next flight.",)
    )
    sug = (await desk.store.get_mention(mid)).suggestions[0]
    status, _ = await desk.click(BOB, "mb_edit:1", f"{mid}:{sug.id}", mention_id=mid)
    assert status == 200

    async def opened() -> bool:
        return bool(desk.slack.views)

    await eventually(opened, 10, "views.open")
    view = desk.slack.views[-1]
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {"reply", "fill:booking_ref"}
    assert inputs["reply"]["element"]["initial_value"] == sug.text

    def submission(value: str) -> dict[str, Any]:
        state = {
            "reply": {"value": {"type": "plain_text_input", "value": sug.text}},
            "fill:booking_ref": {"value": {"type": "plain_text_input", "value": value}},
        }
        return {
            "type": "view_submission",
            "user": {"id": BOB, "team_id": "T0FAKE"},
            "team": {"id": "T0FAKE"},
            "api_app_id": "A0FAKE",
            "view": view | {"id": "V1", "hash": f"h{value}", "state": {"values": state}},
        }

    status, body = await desk.interact(submission("@everyone"))  # the policy check blocks it
    answer = json.loads(body)
    assert status == 200 and answer["response_action"] == "errors"
    assert "mass mention" in answer["errors"]["reply"]
    assert await _decisions(desk, mid) == []
    refused = [a for a in (await desk.store.get_mention(mid)).audit if a.outcome is Outcome.REFUSED]
    assert refused and refused[0].detail["reason"] == "policy"

    status, body = await desk.interact(submission("XK42QZ"))
    assert status == 200 and body in ("", "{}")  # the modal closes
    await desk.deliver()
    (sent,) = desk.far.actions.values()
    assert sent["text"] == "Thanks! Booking XK42QZ is rebooked on the next flight."
    assert sum(desk.far.sends.values()) == 1


async def test_relabel(desk: Desk) -> None:
    mid = await desk.seed(label=Label.OTHER)
    status, _ = await desk.click(ALICE, "mb_relabel", None, mention_id=mid, selected="question")
    assert status == 200

    async def relabelled() -> bool:
        return (await desk.store.get_mention(mid)).mention.label is Label.QUESTION

    await eventually(relabelled, 10, "the relabel")
    await eventually(lambda: holds(desk.slack.updates[mid] >= 1), 10, "the card update")
    card = desk.slack.card(mid)
    assert "*question*" in _texts(card["blocks"])
    assert "mb_approve:1" in _action_ids(card)  # still open for a reply


async def test_a_claim_refuses_someone_elses_approve_and_names_the_claimer(desk: Desk) -> None:
    mid = await desk.seed()
    await desk.click(BOB, "mb_claim", str(mid), mention_id=mid)

    async def claimed() -> bool:
        return (await desk.store.get_mention(mid)).mention.assignee == f"slack:{BOB}"

    await eventually(claimed, 10, "the claim")
    await eventually(
        lambda: holds(f"<@{BOB}> is on it" in _texts(desk.slack.card(mid)["blocks"])),
        10,
        "the card showing the claim",
    )
    assert "mb_unclaim" in _action_ids(desk.slack.card(mid))
    sug = (await desk.store.get_mention(mid)).suggestions[0]
    await desk.click(ALICE, "mb_approve:1", f"{mid}:{sug.id}", mention_id=mid)

    async def refused() -> bool:
        return any(f"<@{BOB}> is on it" in r.get("text", "") for r in desk.slack.responses)

    await eventually(refused, 10, "the ephemeral refusal")
    answer = next(r for r in desk.slack.responses if "is on it" in r.get("text", ""))
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    history = await desk.store.get_mention(mid)
    assert [d.action for d in history.decisions] == [Action.CLAIM] and not history.outbox
    audit = [a for a in history.audit if a.outcome is Outcome.REFUSED]
    assert [a.action for a in audit] == ["decision.approve"]
    # an admin may take over; the override is audited
    await desk.click(ADA, "mb_approve:1", f"{mid}:{sug.id}", mention_id=mid)

    async def taken_over() -> bool:
        h = await desk.store.get_mention(mid)
        return any(a.action == "override.claim" for a in h.audit)

    await eventually(taken_over, 10, "the admin override")


async def test_remove_by_a_non_moderator_is_refused_and_audited(desk: Desk) -> None:
    mid = await desk.seed(label=Label.SPAM, replies=())
    card = desk.slack.card(mid)
    remove = next(
        el
        for b in card["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el.get("action_id") == "mb_remove"
    )
    assert remove["confirm"]["confirm"]["text"] == "Remove"  # a confirmation dialog first
    for user in (ALICE, EVE):
        await desk.click(user, "mb_remove", str(mid), mention_id=mid)

    async def both_refused() -> bool:
        h = await desk.store.get_mention(mid)
        return len([a for a in h.audit if a.outcome is Outcome.REFUSED]) == 2

    await eventually(both_refused, 10, "two audited refusals")
    history = await desk.store.get_mention(mid)
    refusals = {a.actor: a for a in history.audit if a.outcome is Outcome.REFUSED}
    assert set(refusals) == {f"slack:{ALICE}", f"slack:{EVE}"}
    assert all(a.action == "decision.remove" for a in refusals.values())
    assert history.decisions == [] and history.outbox == []
    texts = [r.get("text", "") for r in desk.slack.responses]
    assert any("moderator" in t for t in texts) and any("no mentionbot role" in t for t in texts)

    await desk.click(MAYA, "mb_remove", str(mid), mention_id=mid)

    async def removed() -> bool:
        return (await desk.store.get_mention(mid)).mention.status is Status.DECIDED

    await eventually(removed, 10, "the moderator's removal")
    await desk.deliver()
    (action,) = desk.far.actions.values()
    assert action["action"] == "remove"


async def test_forged_or_stale_signatures_are_refused(desk: Desk) -> None:
    mid = await desk.seed()
    payload = desk.click_payload(ADA, "mb_dismiss", str(mid), mention_id=mid)
    status, _ = await desk.interact(payload, secret="not-the-secret")
    assert status == 401
    status, _ = await desk.interact(payload, timestamp=int(time.time()) - 10 * 60)
    assert status == 401
    status, _ = await desk.interact(payload, tamper="&payload=%7B%7D")  # altered after signing
    assert status == 401
    history = await desk.store.get_mention(mid)
    assert history.decisions == [] and history.mention.status is Status.RELAYED
    status, _ = await desk.interact(payload)  # the genuine one goes through
    assert status == 200

    async def dismissed() -> bool:
        return Action.DISMISS in await _decisions(desk, mid)

    await eventually(dismissed, 10, "the dismissal")
