"""Publish through your own service: replies and removals are POSTed as JSON to a URL.

For sources mentionbot has no native publisher for, a small bridge receives::

    POST {url}/actions
        {"key": "...", "action": "reply" | "remove", "target": {...}, "text": "..."}
        → 2xx {"ref": "..."}
    GET  {url}/actions/{key}
        → 200 {"ref": "..."} if that action was already carried out, 404 if not

``key`` is unique per outbox item: the bridge should treat a repeated key as the same action.
The GET lets the outbox check, after an interrupted attempt, whether the action went through
before trying again. 429/5xx (with Retry-After) are retried later; other 4xx fail the item.
"""

from __future__ import annotations

from dataclasses import asdict
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import aiohttp

from bot.errors import PermanentError
from bot.outbound import call_json
from bot.publish.base import Publisher, PublishRef, Target


class WebhookPublisher(Publisher):
    name = "webhook"

    def __init__(self, url: str, token: str | None = None, timeout_s: float = 10.0) -> None:
        self._url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise PermanentError("webhook publisher used outside 'async with'")
        return self._session

    async def _act(self, payload: dict[str, Any]) -> PublishRef:
        _, body = await call_json(
            self._open(), "POST", f"{self._url}/actions", json=payload, what="webhook publish"
        )
        ref = body.get("ref") if isinstance(body, dict) else None
        return PublishRef(self.name, str(ref or payload["key"]))

    async def send_reply(self, target: Target, text: str, key: str) -> PublishRef:
        return await self._act(
            {"key": key, "action": "reply", "target": asdict(target), "text": text}
        )

    async def remove(self, target: Target, key: str) -> PublishRef:
        return await self._act({"key": key, "action": "remove", "target": asdict(target)})

    async def find(self, key: str) -> PublishRef | None:
        status, body = await call_json(
            self._open(),
            "GET",
            f"{self._url}/actions/{quote(key, safe='')}",
            what="webhook lookup",
            passthrough_statuses=frozenset({404}),
        )
        if status == 404:
            return None
        ref = body.get("ref") if isinstance(body, dict) else None
        return PublishRef(self.name, str(ref or key))
