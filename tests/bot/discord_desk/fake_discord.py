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
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.bot.discord_desk.fake_discord_gateway import Gateway, _Connection, _Session
from tests.bot.discord_desk.fake_discord_rest import RestRoutes
from tests.bot.discord_desk.fake_discord_wire import (
    API,
    APP_ID,
    BOT_ID,
    EPOCH_MS,
    GUILD_ID,
    Limits,
    _Bucket,
    iso,
    user,
)


class FakeDiscord(Gateway, RestRoutes):
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

    # --- interactions --------------------------------------------------------------------------

    @staticmethod
    def _member_data(who: dict[str, Any], roles: list[int]) -> dict[str, Any]:
        return {
            "user": who,
            "roles": [str(r) for r in roles],
            "joined_at": iso(),
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
