"""A fake of Slack's side of the wire: the Web API methods the desk calls, response URLs, and
a Socket Mode websocket endpoint.

It behaves like Slack as far as the desk relies on it: a ``ts`` per message, metadata returned
by ``conversations.history`` / ``.replies`` only with ``include_all_metadata``, thread replies not
in history, ``{"ok": false, "error": …}`` refusals, and at most ``rate`` messages per second per
channel on ``chat.postMessage`` — faster posts get HTTP 429 with ``Retry-After``. It counts what
reached it.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"


@dataclass
class FakeSlack:
    rate: float = 1000.0
    """Messages per second per channel that chat.postMessage accepts."""
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: Counter[int] = field(default_factory=Counter)
    """Card messages created, per mention id (from their metadata)."""
    updates: Counter[int] = field(default_factory=Counter)
    digests: Counter[str] = field(default_factory=Counter)
    """Digest messages: posts and updates per digest ts."""
    calls: Counter[str] = field(default_factory=Counter)
    ratelimited: Counter[str] = field(default_factory=Counter)
    posted_at: dict[int, float] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    """Bodies POSTed to response URLs (ephemeral answers, replaced ephemeral cards)."""
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    """views.open / views.publish bodies."""
    groups: dict[str, list[str]] = field(default_factory=dict)
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode acknowledgements received."""
    url: str = ""
    _last_post: dict[str, float] = field(default_factory=dict)
    _last_ts: float = 0.0
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_open: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.api)
        app.router.add_post("/response/{key}", self.response_url_post)
        app.router.add_get("/ws", self.websocket)
        return app

    def new_response_url(self) -> str:
        return f"{self.url}/response/{uuid.uuid4().hex}"

    # ---- Web API --------------------------------------------------------------------------------
    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] += 1
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        wanted = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != wanted:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = handler(args)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True} | result)

    def _ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    @staticmethod
    def _json(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack/",
            "team": "Fake",
            "team_id": "T0FAKE",
            "user": "mentionbot",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }

    def m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/ws"}

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        channel = str(args["channel"])
        now = time.monotonic()
        gap = 1.0 / self.rate
        last = self._last_post.get(channel)
        if last is not None and now - last < gap * 0.98:
            self.ratelimited[channel] += 1
            wait = gap - (now - last)
            retry = math.ceil(wait) if self.rate <= 1 else round(wait + 0.001, 3)
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": f"{retry:g}"},
            )
        self._last_post[channel] = now
        ts = self._ts()
        meta = self._json(args.get("metadata")) or {}
        message = {
            "ts": ts,
            "channel": channel,
            "text": args.get("text", ""),
            "blocks": self._json(args.get("blocks")) or [],
            "metadata": meta,
            "thread_ts": args.get("thread_ts"),
        }
        self.messages[ts] = message
        mention_id = (meta.get("event_payload") or {}).get("mention_id")
        if meta.get("event_type") == "mentionbot_card":
            self.posts[int(mention_id)] += 1
            self.posted_at.setdefault(int(mention_id), now)
        elif meta.get("event_type") == "mentionbot_digest":
            self.digests[ts] += 1
        return {"channel": channel, "ts": ts, "message": {"ts": ts}}

    def m_chat_update(self, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        message = self.messages.get(str(args["ts"]))
        if message is None or message["channel"] != args["channel"]:
            return web.json_response({"ok": False, "error": "message_not_found"})
        message["text"] = args.get("text", "")
        message["blocks"] = self._json(args.get("blocks")) or []
        meta = message["metadata"] or {}
        if meta.get("event_type") == "mentionbot_digest":
            self.digests[message["ts"]] += 1
        else:
            self.updates[int((meta.get("event_payload") or {}).get("mention_id", 0))] += 1
        return {"channel": args["channel"], "ts": args["ts"]}

    def m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self.ephemerals.append(args)
        return {"message_ts": self._ts()}

    def m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._json(args["view"])
        self.views.append(view)
        return {"view": view | {"id": f"V{len(self.views)}", "hash": "h"}}

    def m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._json(args["view"])
        self.views.append(view | {"user_id": args["user_id"]})
        return {"view": view}

    def m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any] | web.Response:
        group = self.groups.get(str(args["usergroup"]))
        if group is None:
            return web.json_response({"ok": False, "error": "no_such_subteam"})
        return {"users": group}

    def _page(self, args: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any]:
        oldest = float(args.get("oldest", "0"))
        found = sorted((m for m in found if float(m["ts"]) >= oldest), key=lambda m: m["ts"])[::-1]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit", "100"))
        with_meta = str(args.get("include_all_metadata")).lower() in ("true", "1")
        page = [
            {"ts": m["ts"], "text": m["text"]} | ({"metadata": m["metadata"]} if with_meta else {})
            for m in found[start : start + limit]
        ]
        more = start + limit < len(found)
        cursor = str(start + limit) if more else ""
        return {"messages": page, "has_more": more, "response_metadata": {"next_cursor": cursor}}

    def m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        ch = args["channel"]
        roots = [m for m in self.messages.values() if m["channel"] == ch and not m["thread_ts"]]
        return self._page(args, roots)

    def m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        root = args["ts"]
        return self._page(
            args, [m for m in self.messages.values() if root in (m["ts"], m["thread_ts"])]
        )

    def in_thread(self, root: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["thread_ts"] == root]

    def card(self, mention_id: int) -> dict[str, Any]:
        (found,) = [
            m
            for m in self.messages.values()
            if (m["metadata"].get("event_payload") or {}).get("mention_id") == mention_id
            and m["metadata"].get("event_type") == "mentionbot_card"
        ]
        return found

    # ---- response URLs and Socket Mode -----------------------------------------------------------
    async def response_url_post(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.Response(text="ok")

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self.socket_open.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.acks.append(json.loads(msg.data))
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push a Socket Mode envelope to the connected client; returns its envelope id."""
        envelope_id = uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    async def close_sockets(self) -> None:
        for ws in self._sockets:
            await ws.close()
