"""The composition root: builds every component from ``Settings`` and runs them.

``async with running(settings) as bot:`` starts, in order: the store (migrated), the classifier
and its MicroBatcher, chat adapters, publishers, the pipeline's stage loops and the HTTP server;
leaving the block stops them in reverse order. This module and ``bot.desks`` (Slack, Discord) are
the only ones that import concrete adapters and publishers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.engine import make_url

from bot.chat.base import ChatAdapter
from bot.chat.console import ConsoleChatAdapter
from bot.chat.desk import CardDesk
from bot.chat.webapi import WebApiChatAdapter
from bot.decisions import Actor, DecisionService
from bot.desks import build_desks
from bot.errors import ConfigError
from bot.http.api import Api
from bot.http.ingest import IngestEndpoint
from bot.http.ops import Ops
from bot.http.server import HttpServer, build_app
from bot.metrics import Metrics
from bot.pipeline import Pipeline
from bot.pipeline.classify import ClassifyStage
from bot.pipeline.outbox import OutboxStage
from bot.pipeline.relay import RelayStage
from bot.pipeline.stage import Stage
from bot.pipeline.suggest import SuggestStage
from bot.publish.base import Publisher, Publishers
from bot.publish.console import ConsolePublisher
from bot.publish.webhook import WebhookPublisher
from bot.replycheck import ReplyChecker
from bot.retry import Backoff
from bot.settings import ClassifierSettings, PlaybookSettings, Settings
from bot.suggest import NoSuggestions, Suggester
from classifiers.batcher import MicroBatcher
from classifiers.protocol import Classifier
from models.domain import DecisionRecord
from models.store import Store

if TYPE_CHECKING:
    from playbooks.embedder import Embedder

log = logging.getLogger(__name__)


@dataclass
class Bot:
    """Handles on the running components (for the CLI, the demo and tests)."""

    settings: Settings
    store: Store
    metrics: Metrics
    decisions: DecisionService
    desk: CardDesk
    chat: list[ChatAdapter]
    pipeline: Pipeline | None
    http: HttpServer | None
    quit_requested: asyncio.Event
    """Set when an operator asks the bot to stop from chat (the console's ``quit``)."""


@asynccontextmanager
async def running(
    settings: Settings, *, suggester: Suggester | None = None, out: TextIO | None = None
) -> AsyncIterator[Bot]:
    """Start everything ``settings`` switches on; ``out`` is where console adapters print."""
    check(settings)
    async with AsyncExitStack() as stack:
        metrics = Metrics()
        url = settings.database.url.get_secret_value()
        ensure_sqlite_dir(url)
        log.info("opening database", extra={"url": settings.database.display_url})
        store = await stack.enter_async_context(Store.open(url, migrate=True))
        checker = None
        if settings.playbooks.enabled:
            loaded, checker = await asyncio.to_thread(load_playbooks, settings.playbooks)
            suggester = suggester or loaded
        decisions = DecisionService(store, metrics, checker)
        nudges: list[Callable[[], None]] = []

        def on_ingested() -> None:
            for nudge in nudges:
                nudge()

        desks = build_desks(settings, store, decisions, metrics, on_ingested)
        adapters = chat_adapters(settings, decisions, out) + desks.adapters
        chat = [await stack.enter_async_context(a) for a in adapters]
        publishers = {
            p.name: await stack.enter_async_context(p) for p in publisher_list(settings, out)
        }
        publishers |= desks.publishers  # started and stopped by their desk
        routes = Publishers(
            publishers, settings.publish.default, desks.source_routes | settings.publish.routes
        )
        backoff = Backoff.from_settings(settings.retry)
        desk = CardDesk(
            store,
            chat,
            metrics,
            backoff,
            settings.retry.attempts,
            settings.relay.follow_up_window_s,
        )

        async def refresh_card(decision: DecisionRecord) -> None:
            await desk.refresh(decision.mention_id, budget=5.0)

        decisions.add_listener(refresh_card)
        pipeline = None
        if settings.pipeline.enabled:
            model = await asyncio.to_thread(load_classifier, settings.classifier)
            stack.callback(model.close)  # after the batcher below has stopped
            c = settings.classifier
            batcher = await stack.enter_async_context(
                MicroBatcher(model, max_batch=c.max_batch, max_wait=c.max_wait_ms / 1000)
            )
            stages = build_stages(settings, store, metrics, batcher, suggester, desk, routes)
            pipeline = await stack.enter_async_context(Pipeline(stages))
            decisions.add_listener(_nudger(pipeline, "outbox"))
            nudges.append(functools.partial(pipeline.nudge, "classify"))
        http = None
        if settings.http.enabled:
            secret = settings.http.ingest_secret
            assert secret is not None  # check() made sure
            ingest = IngestEndpoint(
                store, settings.http, secret.get_secret_value(), metrics, on_ingested
            )
            app = build_app(
                ingest,
                Api(store, decisions, settings),
                Ops(store, metrics),
                settings.http.max_body_bytes,
                desks.http_routes,
            )
            http = await stack.enter_async_context(
                HttpServer(app, settings.http.host, settings.http.port)
            )
        log.info("mentionbot running")
        consoles = [a for a in chat if isinstance(a, ConsoleChatAdapter)]
        quit_requested = consoles[0].quit_requested if consoles else asyncio.Event()
        yield Bot(settings, store, metrics, decisions, desk, chat, pipeline, http, quit_requested)
        log.info("mentionbot stopping")


def check(settings: Settings) -> None:
    """Refuse, before starting anything, settings that cannot work together."""
    if settings.http.enabled and settings.http.ingest_secret is None:
        raise ConfigError(
            "http.ingest_secret is not set (MENTIONBOT_HTTP__INGEST_SECRET); "
            "ingest needs it to check signatures"
        )
    if settings.chat.adapter == "webapi" and settings.chat.webapi.token is None:
        raise ConfigError("chat.webapi.token is not set (MENTIONBOT_CHAT__WEBAPI__TOKEN)")
    slack = settings.slack
    if slack.enabled and slack.mode == "http" and not settings.http.enabled:
        raise ConfigError("slack.mode is 'http' but http.enabled is false: Slack needs the server")
    if slack.enabled and slack.pacing.max_wait_s + slack.timeout_s >= settings.pipeline.lease_s / 2:
        raise ConfigError(
            "slack.pacing.max_wait_s + slack.timeout_s must stay below pipeline.lease_s / 2, "
            "or a card waiting for its channel could outlive its lease"
        )
    p = settings.publish
    if "webhook" in {p.default, *p.routes.values()} and not p.webhook.url:
        raise ConfigError("publish.webhook.url is not set (MENTIONBOT_PUBLISH__WEBHOOK__URL)")


def _nudger(pipeline: Pipeline, stage: str) -> Callable[[DecisionRecord], Awaitable[None]]:
    async def nudge(_: DecisionRecord) -> None:
        pipeline.nudge(stage)

    return nudge


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite database file (e.g. ``./var``) if it is missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def load_playbooks(s: PlaybookSettings) -> tuple[Suggester, ReplyChecker]:
    """The playbook library as suggester and reply checker (a broken library stops start-up with
    every finding). Slow: call in a thread."""
    from playbooks import (
        SHIPPED_LIBRARY,
        PlaybookSuggester,
        load_library,
    )

    embedder = sentence_embedder() if s.semantic else None
    library = load_library(s.directory or SHIPPED_LIBRARY, embedder)
    log.info("playbooks loaded", extra={"playbooks": len(library.playbooks)})
    suggester = PlaybookSuggester(library, embedder)
    return suggester, suggester.checker


def sentence_embedder() -> Embedder:
    """The sentence encoder playbooks match with: all-MiniLM-L6-v2 from its PyPI package, served
    by ONNX Runtime (the torch encoder's vectors at about twice the speed). Slow the first time:
    it exports and caches the ONNX graph."""
    from classifiers.encoders import MINILM_L6, encoder_path
    from playbooks.embedder_onnx import OnnxSentenceEmbedder

    return OnnxSentenceEmbedder(encoder_path(MINILM_L6))


def load_classifier(s: ClassifierSettings) -> Classifier:
    """The saved model, through ONNX Runtime (``fast``) or torch. Slow: call in a thread."""
    from classifiers.config import ARTIFACT_DIR, CONFIG_FILE

    model_dir = s.model_dir or ARTIFACT_DIR
    if not (model_dir / CONFIG_FILE).is_file():
        raise ConfigError(
            f"no classifier model in {model_dir}: train one (`mentionbot train`) or point "
            "MENTIONBOT_CLASSIFIER__MODEL_DIR at a saved model"
        )
    if s.fast:
        from classifiers.fast import DEFAULT_CACHE_DIR, OnnxMentionClassifier

        cache = s.onnx_cache_dir or DEFAULT_CACHE_DIR
        return OnnxMentionClassifier.from_artifact(model_dir, cache_dir=cache, workers=s.threads)
    import torch

    from classifiers.model import MentionClassifier

    torch.set_num_threads(s.threads)
    return MentionClassifier.load(model_dir)


def chat_adapters(
    settings: Settings, decisions: DecisionService, out: TextIO | None
) -> list[ChatAdapter]:
    c = settings.chat
    if c.adapter == "console":
        actor = Actor(c.console.actor, c.console.role)
        return [ConsoleChatAdapter(decisions, actor, out=out, interactive=c.console.interactive)]
    if c.adapter == "webapi":
        assert c.webapi.token is not None  # check() made sure
        token = c.webapi.token.get_secret_value()
        return [WebApiChatAdapter(c.webapi.base_url, token, c.channel, c.webapi.timeout_s)]
    return []


def publisher_list(settings: Settings, out: TextIO | None) -> list[Publisher]:
    p = settings.publish
    wanted = {p.default, *p.routes.values()}
    publishers: list[Publisher] = []
    if "console" in wanted:
        publishers.append(ConsolePublisher(out))
    if "webhook" in wanted:
        assert p.webhook.url  # check() made sure
        token = p.webhook.token.get_secret_value() if p.webhook.token else None
        publishers.append(WebhookPublisher(p.webhook.url, token, p.webhook.timeout_s))
    return publishers


def build_stages(
    settings: Settings,
    store: Store,
    metrics: Metrics,
    batcher: MicroBatcher,
    suggester: Suggester | None,
    desk: CardDesk,
    publishers: Publishers,
) -> list[Stage]:
    s = settings.pipeline
    backoff = Backoff.from_settings(settings.retry)
    suggest = suggester or NoSuggestions()
    stages: list[Stage] = []
    for n in range(s.workers):
        stages += [
            ClassifyStage(store, metrics, s, n, batcher),
            SuggestStage(store, metrics, s, n, suggest),
            RelayStage(store, metrics, s, n, desk, backoff),
            OutboxStage(store, metrics, s, n, publishers, desk, backoff),
        ]
    return stages
