"""Outbound HTTP for adapters: one JSON call, its failures mapped to Transient/PermanentError."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from bot.errors import PermanentError, TransientError

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


async def call_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    what: str,
    json: Any = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    ok_statuses: frozenset[int] = frozenset({200, 201, 202}),
    passthrough_statuses: frozenset[int] = frozenset(),
) -> tuple[int, Any]:
    """Send one request; return ``(status, parsed JSON or None)``.

    429/5xx/408 and network errors raise TransientError (with Retry-After), other statuses not in
    ``ok_statuses`` or ``passthrough_statuses`` raise PermanentError.
    """
    try:
        async with session.request(method, url, json=json, params=params, headers=headers) as resp:
            status = resp.status
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                body = None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from exc
    if status in RETRYABLE_STATUS:
        raise TransientError(f"{what}: HTTP {status}", retry_after=retry_after)
    if status not in ok_statuses and status not in passthrough_statuses:
        raise PermanentError(f"{what}: HTTP {status}: {str(body)[:200]}")
    return status, body
