"""The Edit modal: the reply prefilled, one input per ``[[name]]`` fill-in, and on submission an
approve with the final text; a policy block comes back as field errors in the modal
(``response_action: "errors"``), so nothing blocked is ever sent.

Submission answers within Slack's 3 s: the decision runs as a task; if it finishes in time its
outcome is the ack (close, or errors); if not, the modal closes and the outcome is reported to
the user in the card's channel (ephemeral).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.decisions import DecisionRequest
from bot.errors import PolicyBlocked
from bot.replycheck import fill_in
from bot.slack.blocks import MAX_TEXT, clip, context, inert, literal, placeholders
from models.domain import Action, MentionHistory, SuggestionRecord
from models.store import Store

if TYPE_CHECKING:
    from bot.slack.actions import Ack, Actions, Respond

log = logging.getLogger(__name__)
CALLBACK = "mb_edit_view"
REPLY_BLOCK = "reply"
FILL_PREFIX = "fill:"
ACK_WITHIN_S = 2.5


class EditModal:
    def __init__(self, app: AsyncApp, store: Store, actions: Actions) -> None:
        self._app = app
        self._store = store
        self._actions = actions
        app.view(CALLBACK)(self.on_submit)

    async def on_open(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        action = body["actions"][0]
        mention_id, _, sid = str(action["value"]).partition(":")
        history = await self._store.get_mention(int(mention_id))
        chosen = _pick(history, int(sid) if sid.isdigit() else None)
        container = body.get("container") or {}
        meta = {
            "m": history.mention.id,
            "s": None if chosen is None else chosen.id,
            "c": container.get("channel_id") or (body.get("channel") or {}).get("id"),
        }
        view = build_view(history, chosen, json.dumps(meta))
        await self._app.client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = view["state"]["values"]
        text = str(values[REPLY_BLOCK]["value"].get("value") or "")
        fill_ins = {
            block[len(FILL_PREFIX) :]: str(v["value"].get("value") or "")
            for block, v in values.items()
            if block.startswith(FILL_PREFIX)
        }
        history = await self._store.get_mention(int(meta["m"]))
        chosen = _pick(history, meta.get("s"))
        unchanged = chosen is not None and text.strip() == chosen.text.strip()
        request = DecisionRequest(
            history.mention.id,
            Action.APPROVE,
            text=None if unchanged else fill(text, fill_ins),
            suggestion_id=None if chosen is None else chosen.id,
            fill_ins=fill_ins,
            idempotency_key=f"slack:view:{view.get('id')}:{view.get('hash')}",
        )
        user = body["user"]["id"]
        task = asyncio.ensure_future(self._actions.decide(user, request))
        finished, _ = await asyncio.wait({task}, timeout=ACK_WITHIN_S)
        if not finished:
            await ack()
            self._actions.spawn(self._late(task, user, request, meta.get("c")))
            return
        errors = await self._errors(task, user, request, list(fill_ins))
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    async def _errors(
        self, task: asyncio.Future[Any], user: str, request: DecisionRequest, names: list[str]
    ) -> dict[str, str]:
        exc = task.exception()
        if exc is None:
            return {}
        if isinstance(exc, PolicyBlocked):
            return policy_errors(exc.findings, names)
        text = await self._actions.explain(user, request, exc)
        if text is None:
            raise exc
        return {REPLY_BLOCK: clip(text, 300, escape=False)}

    async def _late(
        self, task: asyncio.Future[Any], user: str, request: DecisionRequest, channel: Any
    ) -> None:
        try:
            await task
        except Exception as exc:
            if isinstance(exc, PolicyBlocked):
                text: str | None = ":no_entry: Not sent, the policy check blocked it: " + "; ".join(
                    str(f.get("message")) for f in exc.findings if f.get("severity") == "blocking"
                )
            else:
                text = await self._actions.explain(user, request, exc)
            if text is None or not channel:
                log.exception("edit submission failed", extra={"mention_id": request.mention_id})
                return
            await self._app.client.chat_postEphemeral(channel=str(channel), user=user, text=text)


def _pick(history: MentionHistory, suggestion_id: int | None) -> SuggestionRecord | None:
    """The suggestion asked for, else the top-ranked one."""
    chosen = [s for s in history.suggestions if s.id == suggestion_id]
    return chosen[0] if chosen else min(history.suggestions, key=_rank, default=None)


def _rank(s: SuggestionRecord) -> tuple[int, int]:
    return (s.rank, s.id)


def fill(text: str, fill_ins: dict[str, str]) -> str:
    """``bot.replycheck.fill_in`` for the fill-ins given; an empty one stays ``[[name]]`` (so
    the policy check blocks it)."""
    return fill_in(text, {name: value for name, value in fill_ins.items() if value})


def policy_errors(findings: list[dict[str, Any]], names: list[str]) -> dict[str, str]:
    """Blocking findings as modal field errors: an unfilled ``[[name]]`` on its own input."""
    errors: dict[str, list[str]] = {}
    for f in findings:
        if f.get("severity") != "blocking":
            continue
        message = str(f.get("message") or f.get("rule") or "blocked")
        block = REPLY_BLOCK
        for n in names:  # a finding about one fill-in goes next to its input
            if f"[[{n}]]" in message or f"'{n}'" in message:
                block = FILL_PREFIX + n
        errors.setdefault(block, []).append(message)
    return {k: clip(" · ".join(v), 300, escape=False) for k, v in errors.items()}


def build_view(
    history: MentionHistory, chosen: SuggestionRecord | None, private_metadata: str
) -> dict[str, Any]:
    m = history.mention
    initial = "" if chosen is None else chosen.text[:MAX_TEXT]
    blocks: list[dict[str, Any]] = [
        context(f"Replying to mention #{m.id} by {inert(m.author_name, 200)}:"),
        literal(m.text),
        {
            "type": "input",
            "block_id": REPLY_BLOCK,
            "label": {"type": "plain_text", "text": "Reply"},
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": MAX_TEXT,
            }
            | ({"initial_value": initial} if initial else {}),
        },
    ]
    for name in placeholders(initial)[:20]:
        blocks.append(
            {
                "type": "input",
                "block_id": FILL_PREFIX + name,
                "label": {"type": "plain_text", "text": f"Fill in: {name}"[:2000]},
                "hint": {"type": "plain_text", "text": f"Replaces [[{name}]] in the reply"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 500},
            }
        )
    if chosen is not None and chosen.findings:
        notes = [
            ("⛔ " if f.get("severity") == "blocking" else "⚠️ ") + inert(str(f.get("message")), 200)
            for f in chosen.findings[:8]
            if isinstance(f, dict)
        ]
        blocks.append(context("\n".join(notes)))
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Edit & send"},
        "submit": {"type": "plain_text", "text": "Approve & send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
