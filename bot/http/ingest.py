"""``POST /v1/mentions``: signed ingest of one mention or a batch.

Checks, in order, each with its own answer: body over the limit → 413; signature headers
missing → 401 ``signature_missing``; timestamp outside the replay window → 401
``stale_timestamp``; signature wrong → 401 ``signature_invalid``; not JSON → 400; schema
violations → 422 with field paths. Then the mentions are stored in one transaction and the
answer is 202 with each mention's id and whether this request created it (idempotent on source
+ external id). If the database cannot store them the answer is 503 with Retry-After, and
nothing in that request was acknowledged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from aiohttp import web

from bot.errors import BadJson, IngestError, IngestUnavailable, PayloadTooLarge
from bot.http.schema import parse_mentions
from bot.http.signing import require_headers, verify
from bot.metrics import Metrics
from bot.settings import HttpSettings
from models.errors import StoreUnavailable
from models.store import Store

log = logging.getLogger(__name__)


class IngestEndpoint:
    def __init__(
        self,
        store: Store,
        settings: HttpSettings,
        secret: str,
        metrics: Metrics,
        on_ingested: Callable[[], None],
    ) -> None:
        self._store = store
        self._settings = settings
        self._secret = secret
        self._metrics = metrics
        self._on_ingested = on_ingested

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await self._ingest(request)
        except IngestError as exc:
            self._metrics.ingest_rejected.labels(exc.code).inc()
            headers = {}
            if isinstance(exc, IngestUnavailable):
                headers["Retry-After"] = str(exc.retry_after)
                log.warning("ingest refused: %s", exc)
            return web.json_response(exc.body(), status=exc.status, headers=headers)

    async def _ingest(self, request: web.Request) -> web.Response:
        s = self._settings
        if request.content_length is not None and request.content_length > s.max_body_bytes:
            raise PayloadTooLarge(f"body is over the limit of {s.max_body_bytes} bytes")
        timestamp, sig = require_headers(request.headers)
        body = await read_limited(request, s.max_body_bytes)
        verify(self._secret, timestamp, sig, body, window_s=s.replay_window_s)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadJson(f"body is not valid JSON: {exc}") from None
        mentions = parse_mentions(data, s.max_batch)
        try:
            results = await self._store.ingest([m.to_new() for m in mentions])
        except StoreUnavailable as exc:
            raise IngestUnavailable(
                f"cannot store mentions now ({exc}); nothing was accepted, retry later",
                s.unavailable_retry_after_s,
            ) from exc
        created = sum(r.created for r in results)
        self._metrics.ingested.labels("true").inc(created)
        self._metrics.ingested.labels("false").inc(len(results) - created)
        if created:
            self._on_ingested()
        payload = {
            "results": [
                {"id": r.id, "created": r.created, "source": m.source, "external_id": m.external_id}
                for r, m in zip(results, mentions, strict=True)
            ]
        }
        return web.json_response(payload, status=202)


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The whole body, or PayloadTooLarge as soon as it passes ``limit`` bytes (chunked too)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
