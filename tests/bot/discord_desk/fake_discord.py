"""An in-repo fake Discord: aiohttp REST (``/api/v10``) and a JSON gateway (zlib-stream, as
discord.py asks for), speaking enough of v10 for the real discord.py client: HELLO / IDENTIFY /
READY / GUILD_CREATE / heartbeats / RESUME, MESSAGE_CREATE / MESSAGE_DELETE(_BULK) /
INTERACTION_CREATE, messages, bulk delete, DMs, webhooks, interaction callbacks and follow-ups,
timeouts, bans and slash-command registration.

Rate limits work the way Discord's do: per route bucket and major parameter, with
``X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket`` on every answer and, when exceeded,
429 with ``retry_after`` in the body (``Retry-After`` header, ``Via`` as Cloudflare sets it —
discord.py treats a 429 without it as a ban), plus a global limit per second.

Tests drive it as the humans would: ``post`` a member's message, ``click`` a button, ``submit``
a form, run a ``slash`` command; and read what reached it: ``messages``, ``deleted``,
``responses`` (interaction answers), ``webhook_posts``, ``bans``, ``timeouts``, ``calls``.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

EPOCH_MS = 1420070400000
API = "/api/v10"
APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000003
NO_RATE_LIMIT = ("/interactions/",)


def user(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Limits:
    per_route: int = 5
    window_s: float = 1.0
    global_per_s: int = 50


@dataclass
class _Bucket:
    reset_at: float = 0.0
    used: int = 0


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    inflate: Any
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        async with self.lock:
            if self.ws.closed:
                return
            if self.inflate is None:
                await self.ws.send_str(raw.decode())
            else:
                await self.ws.send_bytes(
                    self.inflate.compress(raw) + self.inflate.flush(zlib.Z_SYNC_FLUSH)
                )


@dataclass
class _Session:
    """A gateway session: outlives its connection, so a RESUME replays what was missed."""

    session_id: str
    conn: _Connection | None
    seq: int = 0
    backlog: list[dict[str, Any]] = field(default_factory=list)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.backlog.append(payload)
        del self.backlog[:-5000]
        if self.conn is not None:
            await self.conn.send(payload)


class FakeDiscord:
    def __init__(self, limits: Limits | None = None, roles: dict[str, int] | None = None) -> None:
        self.limits = limits or Limits()
        self.roles = roles or {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.deleted: list[int] = []
        self.deleted_at: dict[int, float] = {}
        """Message id → ``time.monotonic()`` when it was deleted."""
        self.sent: list[tuple[int, dict[str, Any]]] = []
        """Every message body the bot POSTed: (channel id, JSON body)."""
        self.edits: list[tuple[int, dict[str, Any]]] = []
        self.responses: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.webhook_posts: list[dict[str, Any]] = []
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.bans: list[tuple[int, int]] = []
        self.timeouts: list[tuple[int, int, str | None]] = []
        self.commands: dict[int, list[dict[str, Any]]] = {}
        self.calls: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.identifies = 0
        self.resumes = 0
        self._buckets: dict[str, _Bucket] = defaultdict(_Bucket)
        self._global: list[float] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: list[_Connection] = []
        self._tokens: dict[str, int] = {}
        self._counter = itertools.count(1)
        self._nonces: dict[tuple[int, str], int] = {}
        self._dms: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.bot = user(BOT_ID, "mentionbot", bot=True)

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._rate_limit])
        r = app.router
        r.add_get("/gateway", self._gateway)
        a = API
        r.add_get(a + "/users/@me", self._me)
        r.add_get(a + "/oauth2/applications/@me", self._application)
        r.add_get(a + "/gateway", self._gateway_bot)
        r.add_get(a + "/gateway/bot", self._gateway_bot)
        r.add_put(a + "/applications/{app}/guilds/{g}/commands", self._put_commands)
        r.add_put(a + "/applications/{app}/commands", self._put_commands)
        r.add_post(a + "/channels/{c}/messages", self._create_message)
        r.add_get(a + "/channels/{c}/messages", self._history)
        r.add_post(a + "/channels/{c}/messages/bulk-delete", self._bulk_delete)
        r.add_patch(a + "/channels/{c}/messages/{m}", self._edit_message)
        r.add_delete(a + "/channels/{c}/messages/{m}", self._delete_message)
        r.add_get(a + "/channels/{c}", self._get_channel)
        r.add_get(a + "/channels/{c}/webhooks", self._list_webhooks)
        r.add_post(a + "/channels/{c}/webhooks", self._create_webhook)
        r.add_post(a + "/users/@me/channels", self._open_dm)
        r.add_get(a + "/users/{u}", self._user)
        r.add_post(a + "/webhooks/{wid}/{token}", self._execute_webhook)
        r.add_patch(a + "/webhooks/{wid}/{token}/messages/{m}", self._edit_webhook_message)
        r.add_post(a + "/interactions/{iid}/{token}/callback", self._callback)
        r.add_patch(a + "/guilds/{g}/members/{u}", self._edit_member)
        r.add_put(a + "/guilds/{g}/bans/{u}", self._ban)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for c in list(self._connections):
            await c.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return self.url + API

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    def channel(self, cid: int, name: str = "general") -> None:
        self.channels[cid] = {
            "id": str(cid),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
        }

    def snowflake(self) -> int:
        return ((int(time.time() * 1000) - EPOCH_MS) << 22) | (next(self._counter) & 0x3FFFFF)

    # --- what humans do ------------------------------------------------------------------------

    async def post(self, cid: int, author: dict[str, Any], content: str) -> dict[str, Any]:
        """A member posts ``content`` in channel ``cid``."""
        message = self._message(cid, author, {"content": content})
        message["member"] = self._member_data(author, [])
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def click(
        self,
        message_id: int,
        custom_id: str,
        who: dict[str, Any],
        roles: list[int] | None = None,
        values: list[str] | None = None,
        seen: dict[str, Any] | None = None,
    ) -> int:
        """``who`` clicks the component ``custom_id`` on a message (as their client shows it:
        ``seen``, e.g. a stale copy; default the current one); returns the interaction id."""
        message = seen or self.messages[message_id]
        kind = 3 if values is not None else 2
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if values is not None:
            data["values"] = values
        return await self._interact(3, data, int(message["channel_id"]), who, roles, message)

    async def submit(
        self,
        custom_id: str,
        values: dict[str, str],
        cid: int,
        who: dict[str, Any],
        roles: list[int] | None = None,
    ) -> int:
        """``who`` submits the form ``custom_id`` with ``values`` (text input id → text)."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        data = {"custom_id": custom_id, "components": rows}
        return await self._interact(5, data, cid, who, roles, None)

    async def slash(
        self,
        name: str,
        sub: str | None,
        cid: int,
        who: dict[str, Any],
        roles: list[int] | None = None,
        options: list[dict[str, Any]] | None = None,
        resolved: dict[str, Any] | None = None,
    ) -> int:
        """``who`` runs the slash command ``/name [sub]`` with ``options`` in channel ``cid``."""
        registered = {c["name"]: c for c in self.commands.get(GUILD_ID, [])}
        command = registered[name]
        opts = options or []
        if sub is not None:
            opts = [{"type": 1, "name": sub, "options": opts}]
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": opts,
            "guild_id": str(GUILD_ID),
        }
        if resolved:
            data["resolved"] = resolved
        return await self._interact(2, data, cid, who, roles, None)

    async def wait_for(self, check: Callable[[], Any], within: float = 15.0) -> Any:
        """Poll ``check`` (plain or async) until it returns something truthy."""
        deadline = time.monotonic() + within
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError("fake Discord: condition not met in time")
            await asyncio.sleep(0.02)

    def in_channel(self, cid: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == cid]

    def dm_messages(self, uid: int) -> list[dict[str, Any]]:
        dm = self._dms.get(uid)
        return [] if dm is None else self.in_channel(dm)

    # --- gateway -------------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for session in list(self._sessions.values()):
            await session.dispatch(event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close every gateway connection (sessions stay resumable), as Discord does."""
        for c in list(self._connections):
            await c.ws.close(code=code)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        conn = _Connection(ws, zlib.compressobj() if compress else None)
        self._connections.append(conn)
        session: _Session | None = None
        await conn.send({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op, d = payload.get("op"), payload.get("d") or {}
                if op == 1:
                    await conn.send({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    self.identifies += 1
                    session = await self._ready(conn)
                elif op == 6:
                    session = await self._resume(conn, str(d.get("session_id")), d.get("seq"))
        finally:
            self._connections.remove(conn)
            if session is not None and session.conn is conn:
                session.conn = None
        return ws

    async def _resume(self, conn: _Connection, sid: str, seq: int | None) -> _Session | None:
        session = self._sessions.get(sid)
        if session is None:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return None
        self.resumes += 1
        for payload in session.backlog:
            if payload["s"] > (seq or 0):
                await conn.send(payload)
        session.conn = conn
        await session.dispatch("RESUMED", {})
        return session

    async def _ready(self, conn: _Connection) -> _Session:
        sid = f"session-{next(self._counter)}"
        session = _Session(sid, None)
        ready = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": sid,
            "resume_gateway_url": self.ws_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
        }
        session.conn = conn
        await session.dispatch("READY", ready)
        await session.dispatch("GUILD_CREATE", self._guild())
        self._sessions[sid] = session
        return session

    def _guild(self) -> dict[str, Any]:
        role = {"permissions": "0", "position": 1, "color": 0, "hoist": False, "managed": False}
        role.update(mentionable=False, flags=0)
        roles = [{"id": str(GUILD_ID), "name": "@everyone", **role}]
        roles += [{"id": str(rid), "name": name, **role} for name, rid in self.roles.items()]
        return {
            "id": str(GUILD_ID),
            "name": "Brand Community",
            "icon": None,
            "owner_id": "1",
            "afk_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": _iso(),
            "large": False,
            "unavailable": False,
            "member_count": 3,
            "voice_states": [],
            "members": [self._member_data(self.bot, [])],
            "channels": list(self.channels.values()),
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # --- REST ----------------------------------------------------------------------------------

    @web.middleware
    async def _rate_limit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else request.path
        if not template.startswith(API) or any(p in template for p in NO_RATE_LIMIT):
            return await handler(request)
        route = f"{request.method} {template.removeprefix(API)}"
        self.calls[route] += 1
        info = request.match_info
        major = info.get("c") or info.get("g") or info.get("wid") or ""
        key = f"{route}:{major}"
        now = time.monotonic()
        self._global = [t for t in self._global if now - t < 1.0]
        bucket = self._buckets[key]
        if now >= bucket.reset_at:
            bucket.reset_at, bucket.used = now + self.limits.window_s, 0
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(self.limits.per_route),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"bucket-{abs(hash(route)) % 10**8}",
        }
        is_global = len(self._global) >= self.limits.global_per_s
        if bucket.used >= self.limits.per_route or is_global:
            self.rate_limited[route] += 1
            retry = (1.0 - (now - self._global[0])) if is_global else reset_after
            headers.update(
                {
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": str(max(1, round(retry))),
                    "X-RateLimit-Scope": "global" if is_global else "user",
                    "Via": "1.1 google",
                }
            )
            if is_global:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": round(retry, 3),
                "global": is_global,
                "code": 0,
            }
            return self._json(body, status=429, headers=headers)
        bucket.used += 1
        self._global.append(now)
        headers["X-RateLimit-Remaining"] = str(self.limits.per_route - bucket.used)
        response = await handler(request)
        response.headers.update(headers)
        return response

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        """JSON with Discord's exact content type (discord.py compares it verbatim)."""
        response = web.Response(text=json.dumps(body), status=status, headers=headers)
        response.headers["Content-Type"] = "application/json"
        return response

    @classmethod
    def _error(cls, status: int, code: int, message: str) -> web.Response:
        return cls._json({"code": code, "message": message}, status=status)

    async def _me(self, _: web.Request) -> web.Response:
        return self._json(self.bot)

    async def _user(self, request: web.Request) -> web.Response:
        return self._json(user(int(request.match_info["u"]), "member"))

    async def _application(self, _: web.Request) -> web.Response:
        return self._json(
            {
                "id": str(APP_ID),
                "name": "mentionbot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user(1, "owner"),
                "verify_key": "00",
                "flags": 0,
                "team": None,
                "summary": "",
                "interactions_endpoint_url": None,
            }
        )

    async def _gateway_bot(self, _: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return self._json({"url": self.ws_url, "shards": 1, "session_start_limit": limit})

    async def _put_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        guild = int(request.match_info.get("g", "0"))
        out = []
        for c in body:
            c = {**c, "id": str(self.snowflake()), "application_id": str(APP_ID), "version": "1"}
            c.setdefault("type", 1)
            if guild:
                c["guild_id"] = str(guild)
            out.append(c)
        self.commands[guild] = out
        return self._json(out)

    def _message(self, cid: int, author: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        mid = self.snowflake()
        message = {
            "id": str(mid),
            "channel_id": str(cid),
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 19 if body.get("message_reference") else 0,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
        }
        if cid in self.channels:
            message["guild_id"] = str(GUILD_ID)
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        self.messages[mid] = message
        return message

    async def _create_message(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["c"])
        body = await request.json()
        self.sent.append((cid, body))
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and (cid, nonce) in self._nonces:
            return self._json(self.messages[self._nonces[(cid, nonce)]])
        message = self._message(cid, self.bot, body)
        if nonce:
            self._nonces[(cid, nonce)] = int(message["id"])
        await self.dispatch("MESSAGE_CREATE", message)
        return self._json(message)

    async def _history(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["c"])
        after = int(request.query.get("after", 0))
        limit = int(request.query.get("limit", 50))
        found = sorted(
            (m for m in self.in_channel(cid) if int(m["id"]) > after), key=lambda m: int(m["id"])
        )[:limit]
        return self._json(list(reversed(found)))

    async def _edit_message(self, request: web.Request) -> web.Response:
        mid = int(request.match_info["m"])
        if mid not in self.messages:
            return self._error(404, 10008, "Unknown Message")
        body = await request.json()
        self.edits.append((mid, body))
        self.messages[mid].update(
            {k: v for k, v in body.items() if k in ("content", "embeds", "components", "flags")}
        )
        return self._json(self.messages[mid])

    async def _delete_message(self, request: web.Request) -> web.Response:
        cid, mid = int(request.match_info["c"]), int(request.match_info["m"])
        if self.messages.pop(mid, None) is None:
            return self._error(404, 10008, "Unknown Message")
        self.deleted.append(mid)
        self.deleted_at[mid] = time.monotonic()
        await self.dispatch(
            "MESSAGE_DELETE", {"id": str(mid), "channel_id": str(cid), "guild_id": str(GUILD_ID)}
        )
        return web.Response(status=204)

    async def _bulk_delete(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["c"])
        ids = [int(i) for i in (await request.json())["messages"]]
        if not 2 <= len(ids) <= 100:
            return self._error(400, 50016, "bulk delete takes 2 to 100 messages")
        gone = [i for i in ids if self.messages.pop(i, None) is not None]
        self.deleted.extend(gone)
        now = time.monotonic()
        self.deleted_at.update((i, now) for i in gone)
        data = {"ids": [str(i) for i in gone], "channel_id": str(cid), "guild_id": str(GUILD_ID)}
        await self.dispatch("MESSAGE_DELETE_BULK", data)
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["c"])
        if cid not in self.channels:
            return self._error(404, 10003, "Unknown Channel")
        return self._json(self.channels[cid])

    async def _list_webhooks(self, request: web.Request) -> web.Response:
        cid = request.match_info["c"]
        return self._json([w for w in self.webhooks.values() if w["channel_id"] == cid])

    async def _create_webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        wid = self.snowflake()
        hook = {
            "id": str(wid),
            "type": 1,
            "channel_id": request.match_info["c"],
            "guild_id": str(GUILD_ID),
            "name": body["name"],
            "avatar": None,
            "token": f"hook-token-{wid}",
            "application_id": str(APP_ID),
            "user": self.bot,
        }
        self.webhooks[wid] = hook
        return self._json(hook)

    async def _execute_webhook(self, request: web.Request) -> web.Response:
        wid, token = int(request.match_info["wid"]), request.match_info["token"]
        body = await request.json()
        if wid == APP_ID:  # an interaction follow-up
            iid = self._tokens[token]
            self.responses[iid].append({"followup": True, **body})
            message = self._message(0, self.bot, body)
            return self._json(message)
        hook = self.webhooks.get(wid)
        if hook is None or hook["token"] != token:
            return self._error(404, 10015, "Unknown Webhook")
        self.webhook_posts.append(body)
        author = user(wid, body.get("username") or hook["name"], bot=True)
        message = self._message(int(hook["channel_id"]), author, body)
        message["webhook_id"] = str(wid)
        await self.dispatch("MESSAGE_CREATE", message)
        return self._json(message)

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await request.json()
        self.responses[self._tokens.get(token, 0)].append({"edit": True, **body})
        return self._json(self._message(0, self.bot, body))

    async def _callback(self, request: web.Request) -> web.Response:
        iid = int(request.match_info["iid"])
        body = await request.json()
        self.responses[iid].append(body)
        answer = {
            "interaction": {
                "id": str(iid),
                "type": body["type"],
                "response_message_loading": body["type"] == 5,
                "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
            },
            "resource": {"type": body["type"]},
        }
        return self._json(answer)

    async def _open_dm(self, request: web.Request) -> web.Response:
        uid = int((await request.json())["recipient_id"])
        dm = self._dms.setdefault(uid, self.snowflake())
        return self._json(
            {"id": str(dm), "type": 1, "last_message_id": None, "recipients": [user(uid, "member")]}
        )

    async def _edit_member(self, request: web.Request) -> web.Response:
        g, u = int(request.match_info["g"]), int(request.match_info["u"])
        body = await request.json()
        self.timeouts.append((g, u, body.get("communication_disabled_until")))
        return self._json(self._member_data(user(u, "member"), []))

    async def _ban(self, request: web.Request) -> web.Response:
        self.bans.append((int(request.match_info["g"]), int(request.match_info["u"])))
        return web.Response(status=204)

    # --- interactions --------------------------------------------------------------------------

    @staticmethod
    def _member_data(who: dict[str, Any], roles: list[int]) -> dict[str, Any]:
        return {
            "user": who,
            "roles": [str(r) for r in roles],
            "joined_at": _iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
            "permissions": "0",
        }

    async def _interact(
        self,
        kind: int,
        data: dict[str, Any],
        cid: int,
        who: dict[str, Any],
        roles: list[int] | None,
        message: dict[str, Any] | None,
    ) -> int:
        iid = self.snowflake()
        token = f"itoken-{iid}"
        self._tokens[token] = iid
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(cid),
            "locale": "en-US",
            "app_permissions": "0",
            "entitlements": [],
            "attachment_size_limit": 8388608,
            "authorizing_integration_owners": {},
        }
        if cid in self.channels:
            payload.update(
                guild_id=str(GUILD_ID),
                guild_locale="en-US",
                context=0,
                channel=self.channels[cid],
                member=self._member_data(who, roles or []),
            )
        else:
            payload.update(
                user=who, context=1, channel={"id": str(cid), "type": 1, "recipients": [who]}
            )
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return iid


def _iso() -> str:
    return datetime.now(UTC).isoformat()
