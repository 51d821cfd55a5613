"""The aiohttp application and its lifecycle (``async with HttpServer(...)``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Self

from aiohttp import web

from bot.http.api import Api
from bot.http.ingest import IngestEndpoint
from bot.http.jsonio import respond
from bot.http.openapi import document
from bot.http.ops import Ops

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("mentionbot")
    except PackageNotFoundError:
        return "0+unknown"


def build_app(
    ingest: IngestEndpoint,
    api: Api,
    ops: Ops,
    max_body_bytes: int,
    extra_routes: Sequence[web.RouteDef] = (),
) -> web.Application:
    """The bot's HTTP app; ``extra_routes``: a chat desk's own endpoints (Slack in HTTP mode)."""
    app = web.Application(client_max_size=max_body_bytes)
    spec = document(_version())

    async def openapi(_: web.Request) -> web.Response:
        return respond(spec)

    app.router.add_post("/v1/mentions", ingest.handle)
    app.add_routes(api.routes())
    app.add_routes(ops.routes())
    app.router.add_get("/openapi.json", openapi)
    app.add_routes(extra_routes)
    return app


class HttpServer:
    """Serves ``app`` on ``host:port`` (port 0: any free port, see ``port`` after start)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self._host = host
        self._port = port
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def __aenter__(self) -> Self:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("http listening", extra={"url": self.url})
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._runner.cleanup()
