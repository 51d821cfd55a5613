"""Buttons and the relabel select on a card → ``DecisionService.decide``.

Every handler ``ack()``s first and works after (Slack wants an answer within 3 s). Refusals go
back to the clicking user only, as an ephemeral message (through the action's
``response_url``): a claim held by someone else names the claimer; a user with no mentionbot
role is refused and audited here, everything else is authorised and audited by the
DecisionService. The card itself is updated by the DecisionService listener
(``CardDesk.refresh``); a card shown privately (``/mentions next``) is replaced in place here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.chat.card import Card
from bot.decisions import Actor, DecisionRequest, DecisionService
from bot.errors import Forbidden, InvalidDecision
from bot.slack.blocks import card_message, inert, who
from bot.slack.modal import EditModal
from bot.slack.roles import RoleResolver, actor_name
from bot.slack.settings import SlackSettings
from models.domain import Action, DecisionRecord, Label, Outcome
from models.errors import DecisionRefused, NotFound
from models.store import Store

log = logging.getLogger(__name__)
Notify = Callable[[str], Awaitable[None]]
Ack = Callable[..., Awaitable[None]]
Respond = Callable[..., Awaitable[Any]]

_SIMPLE = {
    "mb_claim": Action.CLAIM,
    "mb_unclaim": Action.UNCLAIM,
    "mb_remove": Action.REMOVE,
    "mb_dismiss": Action.DISMISS,
}
_REFUSALS: tuple[tuple[type[BaseException], str], ...] = (
    (Forbidden, ":no_entry: Not allowed: "),
    (DecisionRefused, ":information_source: Not done: "),
    (InvalidDecision, ":warning: "),
    (NotFound, ":grey_question: "),
)
"""How each refusal is put to the user (first match; checked after a claim by someone else)."""


class NoRole(Forbidden):
    """The Slack user is in none of the configured role groups (refused and audited here)."""


class Actions:
    def __init__(
        self,
        app: AsyncApp,
        store: Store,
        decisions: DecisionService,
        roles: RoleResolver,
        settings: SlackSettings,
    ) -> None:
        self._store = store
        self._decisions = decisions
        self._roles = roles
        self._settings = settings
        self.modal = EditModal(app, store, self)
        app.action(re.compile(r"^mb_approve:\d+$"))(self.on_approve)
        app.action(re.compile(r"^mb_edit:\d+$"))(self.modal.on_open)
        app.action("mb_relabel")(self.on_relabel)
        app.action(re.compile(r"^mb_(claim|unclaim|remove|dismiss)$"))(self.on_simple)
        self._tasks: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Keep a reference to background work (finished after the ack)."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- handlers -----------------------------------------------------------------------------
    async def on_approve(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        action = body["actions"][0]
        mention_id, _, suggestion = str(action["value"]).partition(":")
        request = DecisionRequest(
            int(mention_id),
            Action.APPROVE,
            suggestion_id=int(suggestion) if suggestion.isdigit() else None,
            idempotency_key=_key(body, action),
        )
        await self.act_on_card(body, request, respond)

    async def on_relabel(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        action = body["actions"][0]
        mention_id = int(str(action["block_id"]).removeprefix("mb:"))
        label = Label(action["selected_option"]["value"])
        request = DecisionRequest(
            mention_id, Action.RELABEL, label=label, idempotency_key=_key(body, action)
        )
        await self.act_on_card(body, request, respond)

    async def on_simple(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        action = body["actions"][0]
        request = DecisionRequest(
            int(action["value"]), _SIMPLE[action["action_id"]], idempotency_key=_key(body, action)
        )
        await self.act_on_card(body, request, respond)

    # ---- shared ---------------------------------------------------------------------------------
    async def act_on_card(
        self, body: dict[str, Any], request: DecisionRequest, respond: Respond
    ) -> None:
        async def notify(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=False)

        done = await self.act(body["user"]["id"], request, notify)
        if done is not None and (body.get("container") or {}).get("is_ephemeral"):
            message = await self.private_card(request.mention_id)
            await respond(text=message["text"], blocks=message["blocks"], replace_original=True)

    async def private_card(self, mention_id: int) -> dict[str, Any]:
        """The mention's card as it is now, for an ephemeral message (``/mentions next``)."""
        card = Card.from_history(await self._store.get_mention(mention_id))
        return card_message(card, shown=self._settings.suggestions_shown)

    async def act(
        self, user_id: str, request: DecisionRequest, notify: Notify
    ) -> DecisionRecord | None:
        """Decide as Slack user ``user_id``; explain any refusal through ``notify``."""
        try:
            return await self.decide(user_id, request)
        except Exception as exc:  # every refusal becomes an explanation for the user
            text = await self.explain(user_id, request, exc)
            if text is None:
                raise
            await notify(text)
            return None

    async def decide(self, user_id: str, request: DecisionRequest) -> DecisionRecord:
        """Raises Forbidden (audited), DecisionRefused, InvalidDecision, NotFound."""
        name = actor_name(user_id)
        role = await self._roles.role_of(user_id)
        if role is None:
            reason = "no mentionbot role (agent, moderator or admin) in Slack"
            await self._store.audit(
                name,
                f"decision.{request.action}",
                mention_id=request.mention_id,
                detail={"reason": reason, "slack_user": user_id},
                outcome=Outcome.REFUSED,
            )
            raise NoRole(f"you have {reason}; ask an admin to add you to a mentionbot group")
        return await self._decisions.decide(Actor(name, role), request)

    async def explain(
        self, user_id: str, request: DecisionRequest, exc: BaseException
    ) -> str | None:
        """A message for the user about ``exc``, or None if it is not a refusal."""
        if isinstance(exc, Forbidden):
            claimer = None if isinstance(exc, NoRole) else await self._claimer(request.mention_id)
            if claimer and claimer != actor_name(user_id):
                return (
                    f":lock: {who(claimer)} is on it (claimed mention "
                    f"#{request.mention_id}); only they or an admin can {request.action} it."
                )
        for kind, prefix in _REFUSALS:
            if isinstance(exc, kind):
                return prefix + inert(str(exc), 500)
        return None

    async def _claimer(self, mention_id: int) -> str | None:
        try:
            return (await self._store.get_mention(mention_id)).mention.assignee
        except NotFound:
            return None


def _key(body: dict[str, Any], action: dict[str, Any]) -> str:
    """One decision per click: the same click delivered twice is recorded once."""
    container = body.get("container") or {}
    where = container.get("message_ts") or container.get("view_id") or ""
    return f"slack:{where}:{action.get('action_ts', '')}:{action.get('action_id', '')}"
