"""The fake Discord's gateway: a JSON websocket (zlib-stream, as discord.py asks for) with HELLO,
IDENTIFY/READY, GUILD_CREATE, heartbeats, RESUME and event dispatch. Mixed into ``FakeDiscord``,
whose state it reads and writes."""

from __future__ import annotations

import asyncio
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.bot.discord_desk.fake_discord_wire import APP_ID, GUILD_ID, iso


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


class Gateway:
    """Gateway handlers; ``FakeDiscord`` provides the state (``self._sessions`` …)."""

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
            "joined_at": iso(),
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
