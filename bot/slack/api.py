"""The Slack Web API calls the desk makes, through slack_sdk's ``AsyncWebClient``, with Slack's
failures translated into the adapter error tree: 429 → ``TransientError(retry_after=…)`` (from
the ``Retry-After`` header), 5xx, timeouts and connection errors → ``TransientError``, refusals
(``{"ok": false}``, other 4xx) → ``PermanentError``. slack_sdk's own retry handlers are off:
retrying is the core's business (``bot.retry``), and it must see Retry-After.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.chat.webapi import TRANSIENT_ERRORS
from bot.errors import PermanentError, TransientError
from bot.outbound import parse_retry_after


def make_client(token: str, base_url: str, timeout_s: float) -> AsyncWebClient:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(
        token=token, base_url=base, timeout=int(max(1, timeout_s)), retry_handlers=[]
    )


def retry_after(headers: Any) -> float | None:
    try:
        raw = headers.get("Retry-After") or headers.get("retry-after")
    except AttributeError:
        return None
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    return None if raw is None else parse_retry_after(str(raw))


async def call(what: str, request: Callable[[], Awaitable[AsyncSlackResponse]]) -> dict[str, Any]:
    """Run one Web API request; return its body or raise Transient/PermanentError."""
    try:
        resp = await request()
    except SlackApiError as exc:
        r = exc.response
        status = int(getattr(r, "status_code", 0) or 0)
        error = str((r.data or {}).get("error", "unknown_error")) if r is not None else "error"
        wait = retry_after(getattr(r, "headers", {}))
        if status == 429 or status >= 500 or error in TRANSIENT_ERRORS:
            raise TransientError(f"{what}: {status} {error}", retry_after=wait) from None
        raise PermanentError(f"{what}: {error}") from None
    except (TimeoutError, aiohttp.ClientError, SlackClientError) as exc:
        raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from None
    data = resp.data
    if not isinstance(data, dict):
        raise TransientError(f"{what}: answer is not a JSON object")
    return data
