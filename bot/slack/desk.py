"""``SlackDesk``: the Slack triage desk, a ``ChatAdapter`` on slack_sdk's ``AsyncWebClient`` and
a slack-bolt ``AsyncApp``.

Cards are posted to the channel the routing rules pick (follow-ups in the earlier card's
thread), paced per channel (``bot.slack.pacing``) and, while a channel is backed up, low-priority
labels go into its digest (``bot.slack.digest``). Every card carries message metadata with the
mention id so ``find_card`` can tell whether an interrupted post went through. Buttons, the
edit modal, App Home and ``/mentions`` arrive through Socket Mode or ``POST /slack/events``
(HTTP mode, ``http_routes``) and become ``DecisionService`` calls (``bot.slack.actions``).
Slack objects never leave this package.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.chat.base import ChatAdapter
from bot.chat.card import Card, MessageRef
from bot.chat.webapi import card_ts, next_cursor
from bot.decisions import DecisionService
from bot.errors import PermanentError, TransientError
from bot.metrics import Metrics
from bot.slack.actions import Actions
from bot.slack.api import call, make_client
from bot.slack.blocks import card_message
from bot.slack.commands import Commands
from bot.slack.digest import Digests, pointer
from bot.slack.home import Home
from bot.slack.notes import ThreadNotes
from bot.slack.pacing import Pacer
from bot.slack.refs import card_ref, message_ts, parse_digest, thread_ts
from bot.slack.roles import RoleResolver
from bot.slack.routing import Router, priority
from bot.slack.settings import SlackSettings
from models.domain import Action, MentionHistory, Status
from models.store import Store

log = logging.getLogger(__name__)
_PAGE = 200
_MAX_PAGES = 20
_DEPTH_TTL = 1.0


class SlackDesk(ChatAdapter):
    name = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        *,
        store: Store,
        decisions: DecisionService,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self._store = store
        self._metrics = metrics
        token = settings.bot_token.get_secret_value() if settings.bot_token else ""
        self.client = make_client(token, settings.api_base_url, settings.timeout_s)
        self.router = Router(settings.routes, settings.default_channel)
        self.roles = RoleResolver(settings.roles, self._group_members)
        p = settings.pacing
        self.pacer = Pacer(p.per_channel_per_s, p.margin, p.demand_window_s)
        self.digests = Digests(
            p,
            self._post_digest,
            self._update,
            store.waiting_counts,
            pointer(settings.command, settings.queue_url),
        )
        self.ratelimited = 0
        """429 answers received (for benches and tests)."""
        self.notes = ThreadNotes(store, self.name, self._post_note)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=(
                settings.signing_secret.get_secret_value() if settings.signing_secret else None
            ),
            request_verification_enabled=settings.mode == "http",
            process_before_response=False,
            logger=logging.getLogger("bot.slack.bolt"),
        )
        self.actions = Actions(self.app, store, decisions, self.roles, settings)
        Home(self.app, store, self.roles, settings)
        Commands(self.app, store, self.actions, settings)
        self._socket: AsyncSocketModeHandler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._depth: tuple[float, int] = (0.0, 0)

    # ---- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self.client.session = self._session
        self._tasks.append(asyncio.create_task(self.digests.run(), name="slack-digests"))
        if self.settings.mode == "socket":
            self._socket = AsyncSocketModeHandler(
                self.app, self._app_token(), web_client=self.client
            )
            try:  # the socket client retries forever, so a refused token is caught first
                await call(
                    "apps.connections.open",
                    lambda: self.client.apps_connections_open(app_token=self._app_token()),
                )
                connect = self._socket.connect_async()  # type: ignore[no-untyped-call]
                await asyncio.wait_for(connect, 3 * self.settings.timeout_s)
            except Exception as exc:  # TimeoutError included
                await self.__aexit__(None, None, None)
                raise PermanentError(f"Slack Socket Mode could not connect: {exc}") from None
            log.info("Slack Socket Mode connected")
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.digests.flush(), self.settings.timeout_s)
        await self.actions.close()
        await self.pacer.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _app_token(self) -> str:
        assert self.settings.app_token is not None  # the settings validator made sure
        return self.settings.app_token.get_secret_value()

    def http_routes(self) -> list[web.RouteDef]:
        """``POST /slack/events``: events, interactivity and slash commands (HTTP mode)."""
        return [web.post("/slack/events", self._http)]

    async def _http(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    # ---- ChatAdapter ---------------------------------------------------------------------------
    async def post_card(self, card: Card) -> MessageRef:
        channel, root = self.router.channel_for(card), None
        if card.thread is not None and parse_digest(card.thread) is None:
            channel, root = card.thread.channel, thread_ts(card.thread)
        self.pacer.note_demand(channel)
        if root is None and await self._digest_it(channel, card):
            return await self.digests.add(channel, card)
        message = card_message(card, shown=self.settings.suggestions_shown)
        if root is not None:
            message["thread_ts"] = root
        body = await self.post(channel, priority(card), message)
        return card_ref(str(body.get("channel") or channel), str(body["ts"]), root)

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        if parse_digest(ref) is not None:
            self.digests.mark(ref, card)
            return
        # the decision's time and the last outbox item are not on the Card: read them only when
        # the card shows a decision or a delivery (an open or claimed card needs neither)
        history = None
        if card.state.decision is not None or card.state.delivery is not None:
            history = await self._store.get_mention(card.mention_id)
        decided_at = None if history is None else _decided_at(history)
        message = card_message(card, decided_at, self.settings.suggestions_shown)
        await self._update(ref.channel, message_ts(ref), message)
        if history is not None:  # without a decision or delivery there is no outcome to note
            await self.notes.post_outcome(ref, card, history)

    async def find_card(self, card: Card, since: datetime) -> MessageRef | None:
        """Look for the card's metadata in its channel (and the follow-up thread)."""
        channel = self.router.channel_for(card)
        oldest = f"{(since - timedelta(seconds=1)).timestamp():.6f}"
        found = await self._search(channel, None, oldest, card.mention_id)
        if found is None and card.thread is not None and parse_digest(card.thread) is None:
            t = card.thread
            found = await self._search(t.channel, thread_ts(t), oldest, card.mention_id)
        return found

    # ---- Slack calls ---------------------------------------------------------------------------
    async def post(self, channel: str, prio: int, message: dict[str, Any]) -> dict[str, Any]:
        """``chat.postMessage`` when the channel's turn comes (``prio``: lower goes first)."""
        await self.pacer.channel(channel).turn(prio, self.settings.pacing.max_wait_s)
        return await self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(channel=channel, **message),
            channel=channel,
        )

    async def _call(self, what: str, request: Any, *, channel: str | None) -> dict[str, Any]:
        try:
            return await call(what, request)
        except TransientError as exc:
            if exc.retry_after is not None:
                self.ratelimited += 1
                self._metrics.failures.labels("slack", "ratelimited").inc()
                if channel is not None:
                    self.pacer.channel(channel).hold(exc.retry_after)
            raise

    async def _digest_it(self, channel: str, card: Card) -> bool:
        p = self.settings.pacing
        if card.state.label not in p.digest_labels:
            return False
        if p.digest_threshold == 0:
            return True
        return self.pacer.backlog(channel, await self._not_yet_relayed()) > p.digest_threshold

    async def _not_yet_relayed(self) -> int:
        at, depth = self._depth
        if time.monotonic() - at > _DEPTH_TTL:
            counts = await self._store.queue_depth()
            depth = sum(counts[s] for s in (Status.RECEIVED, Status.CLASSIFIED, Status.SUGGESTED))
            self._depth = (time.monotonic(), depth)
        return depth

    async def _post_digest(self, channel: str, message: dict[str, Any]) -> str:
        return str((await self.post(channel, 0, message))["ts"])

    async def _update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        await self._call(
            "chat.update",
            lambda: self.client.chat_update(channel=channel, ts=ts, **message),
            channel=channel,
        )

    async def _post_note(self, channel: str, root: str, message: dict[str, Any]) -> None:
        await self.post(channel, 0, message | {"thread_ts": root})

    async def _group_members(self, group: str) -> list[str]:
        body = await call(
            "usergroups.users.list", lambda: self.client.usergroups_users_list(usergroup=group)
        )
        return [str(u) for u in body.get("users", [])]

    async def _search(
        self, channel: str, root: str | None, oldest: str, mention_id: int
    ) -> MessageRef | None:
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            query: dict[str, Any] = {
                "channel": channel,
                "oldest": oldest,
                "limit": _PAGE,
                "include_all_metadata": True,
            }
            if cursor:
                query["cursor"] = cursor
            if root is None:
                request = functools.partial(self.client.conversations_history, **query)
            else:
                request = functools.partial(self.client.conversations_replies, ts=root, **query)
            body = await call("conversations.history/replies", request)
            ts = card_ts(body, mention_id)
            if ts is not None:
                return card_ref(channel, ts, root)
            cursor = next_cursor(body)
            if cursor is None:
                return None
        raise TransientError(f"card lookup: more than {_MAX_PAGES} pages of history")


def _decided_at(history: MentionHistory) -> datetime | None:
    """When the decision the card shows was taken (claims do not count, as in ``Card``)."""
    final = [d for d in history.decisions if d.action not in (Action.CLAIM, Action.UNCLAIM)]
    return final[-1].created_at if final else None
