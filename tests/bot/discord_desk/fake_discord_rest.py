"""The fake Discord's REST side (``/api/v10``): messages, bulk delete, webhooks, DMs, interaction
callbacks, member timeouts and bans, command registration, and Discord-style rate limits.
Mixed into ``FakeDiscord``, whose state it reads and writes."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.bot.discord_desk.fake_discord_wire import (
    API,
    APP_ID,
    GUILD_ID,
    NO_RATE_LIMIT,
    iso,
    user,
)


class RestRoutes:
    """REST handlers; ``FakeDiscord`` provides the state (``self.messages`` …)."""

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
            "timestamp": iso(),
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
