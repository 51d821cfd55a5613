"""Fakes of the far ends of the wire: a Slack-Web-API-like chat server and a publishing bridge.

They behave like the real services as far as mentionbot relies on them (Slack: ``ts`` per
message, metadata returned by ``conversations.history`` / ``.replies`` only with
``include_all_metadata``, thread replies not in history, 429 + Retry-After, ``{"ok": false}``),
count what reached them, and can be told to fail.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "xoxb-test-token"


@dataclass
class Fault:
    status: int
    retry_after: float | None = None
    process: bool = False
    """Carry the request out, then answer with the error anyway (an ambiguous failure)."""


@dataclass
class FarEnd:
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: Counter[int] = field(default_factory=Counter)
    """chat.postMessage calls that created a message, per mention id (from its metadata)."""
    updates: Counter[int] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    outage_until: float = 0.0
    outage_pending: float | None = None
    outage_status: int = 503
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    sends: Counter[str] = field(default_factory=Counter)
    """Publishing bridge: POSTs per action key that were carried out."""
    publish_faults: list[Fault] = field(default_factory=list)
    posted_at: dict[int, float] = field(default_factory=dict)
    """``time.monotonic()`` when each mention's first card arrived (for latency benches)."""
    after_post: Callable[[int], None] | None = None
    """Called with the number of cards posted so far, after storing one, before answering."""
    after_action: Callable[[int], None] | None = None
    """Likewise for the publishing bridge (the crash test kills the bot here)."""
    _last_ts: float = 0.0

    # ---- fault injection ----------------------------------------------------------------------
    def fail_next(self, n: int, status: int = 429, retry_after: float | None = None) -> None:
        self.faults.extend(Fault(status, retry_after) for _ in range(n))

    def outage(self, seconds: float, status: int = 503) -> None:
        """Refuse everything for ``seconds``, starting with the next request that arrives (so the
        outage is seen however slowly the bot reaches the far end)."""
        self.outage_pending = seconds
        self.outage_status = status

    def _fault(self, faults: list[Fault], name: str) -> Fault | None:
        if self.outage_pending is not None:
            self.outage_until = time.monotonic() + self.outage_pending
            self.outage_pending = None
        if time.monotonic() < self.outage_until:
            self.refused[name] += 1
            return Fault(self.outage_status, None)
        if faults:
            self.refused[name] += 1
            return faults.pop(0)
        return None

    @staticmethod
    def _error(fault: Fault) -> web.Response:
        headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
        return web.json_response(
            {"ok": False, "error": "fault"}, status=fault.status, headers=headers
        )

    # ---- the app ------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", self.post_message)
        app.router.add_post("/api/chat.update", self.update)
        app.router.add_get("/api/conversations.history", self.history)
        app.router.add_get("/api/conversations.replies", self.replies)
        app.router.add_post("/pub/actions", self.act)
        app.router.add_get("/pub/actions/{key}", self.lookup)
        return app

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    def _next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    async def post_message(self, request: web.Request) -> web.Response:
        self.calls["chat.postMessage"] += 1
        if not self._authorised(request):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        body = await request.json()
        fault = self._fault(self.faults, "chat.postMessage")
        if fault is not None and not fault.process:
            return self._error(fault)
        ts = self._next_ts()
        self.messages[ts] = {
            "ts": ts,
            "channel": body["channel"],
            "text": body["text"],
            "metadata": body.get("metadata"),
            "thread_ts": body.get("thread_ts"),
        }
        mention_id = ((body.get("metadata") or {}).get("event_payload") or {}).get("mention_id")
        self.posts[mention_id] += 1
        self.posted_at.setdefault(mention_id, time.monotonic())
        if self.after_post is not None:
            self.after_post(len(self.messages))
        if fault is not None:
            return self._error(fault)
        return web.json_response({"ok": True, "channel": body["channel"], "ts": ts})

    async def update(self, request: web.Request) -> web.Response:
        self.calls["chat.update"] += 1
        body = await request.json()
        fault = self._fault(self.faults, "chat.update")
        if fault is not None:
            return self._error(fault)
        message = self.messages.get(body["ts"])
        if message is None:
            return web.json_response({"ok": False, "error": "message_not_found"})
        message["text"] = body["text"]
        mention_id = ((body.get("metadata") or {}).get("event_payload") or {}).get("mention_id")
        self.updates[mention_id] += 1
        return web.json_response({"ok": True, "channel": body["channel"], "ts": body["ts"]})

    def _page(self, request: web.Request, found: list[dict[str, Any]]) -> web.Response:
        q = request.query
        oldest = float(q.get("oldest", "0"))
        found = sorted(
            (m for m in found if float(m["ts"]) >= oldest), key=lambda m: m["ts"], reverse=True
        )
        start = int(q.get("cursor") or 0)
        limit = int(q.get("limit", "100"))
        page = found[start : start + limit]
        with_meta = q.get("include_all_metadata") == "true"
        out = [
            {"ts": m["ts"], "text": m["text"]} | ({"metadata": m["metadata"]} if with_meta else {})
            for m in page
        ]
        more = start + limit < len(found)
        return web.json_response(
            {
                "ok": True,
                "messages": out,
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        )

    async def history(self, request: web.Request) -> web.Response:
        self.calls["conversations.history"] += 1
        fault = self._fault(self.faults, "conversations.history")
        if fault is not None:
            return self._error(fault)
        channel = request.query["channel"]
        roots = [
            m for m in self.messages.values() if m["channel"] == channel and not m["thread_ts"]
        ]
        return self._page(request, roots)

    async def replies(self, request: web.Request) -> web.Response:
        self.calls["conversations.replies"] += 1
        fault = self._fault(self.faults, "conversations.replies")
        if fault is not None:
            return self._error(fault)
        root = request.query["ts"]
        thread = [m for m in self.messages.values() if root in (m["ts"], m["thread_ts"])]
        return self._page(request, thread)

    # ---- the publishing bridge ----------------------------------------------------------------
    async def act(self, request: web.Request) -> web.Response:
        body = await request.json()
        fault = self._fault(self.publish_faults, "publish")
        if fault is not None and not fault.process:
            return self._error(fault)
        self.sends[body["key"]] += 1
        self.actions[body["key"]] = body
        if self.after_action is not None:
            self.after_action(len(self.actions))
        if fault is not None:
            return self._error(fault)
        return web.json_response({"ref": f"ref-{body['key']}"}, status=201)

    async def lookup(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        self.calls["lookup"] += 1
        if key not in self.actions:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response({"ref": f"ref-{key}"})


class Served:
    """``async with Served(app) as url:`` runs an aiohttp app on a free local port."""

    def __init__(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self.url = ""

    async def __aenter__(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()
