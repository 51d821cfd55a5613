"""``/healthz`` (is the database answering?) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.http.jsonio import respond
from bot.metrics import Metrics
from models.errors import StoreError
from models.store import Store

log = logging.getLogger(__name__)


class Ops:
    def __init__(self, store: Store, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/healthz", self.healthz), web.get("/metrics", self.metrics)]

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            await self._store.ping()
        except StoreError as exc:
            return respond({"status": "unavailable", "database": str(exc)}, status=503)
        return respond({"status": "ok"})

    async def metrics(self, request: web.Request) -> web.Response:
        try:  # queue depths are read at scrape time
            queue = await self._store.queue_depth()
            outbox = await self._store.outbox_depth()
            self._metrics.set_depths(queue, outbox)
        except StoreError as exc:
            log.warning("queue depth unavailable: %s", exc)
        return web.Response(
            body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
