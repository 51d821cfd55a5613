"""suggested → relayed: each mention's card into every chat adapter, exactly once.

See ``bot.chat.desk`` for how a card is never posted twice. When chat fails (429, 5xx,
timeouts) the stage hands the rest of its batch back to the queue and pauses, backing off
further while failures continue and never less than the platform's Retry-After; nothing is
lost and nothing is relayed twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict

from bot.chat.desk import CardDesk
from bot.errors import AdapterError, PermanentError
from bot.metrics import Metrics
from bot.pipeline.stage import Stage, Step
from bot.retry import Backoff
from bot.settings import PipelineSettings
from models.domain import MentionRecord, Status
from models.store import Store
from models.store.base import utcnow

log = logging.getLogger(__name__)


class RelayStage(Stage):
    name = "relay"

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        settings: PipelineSettings,
        n: int,
        desk: CardDesk,
        backoff: Backoff,
    ) -> None:
        super().__init__(store, metrics, settings, n)
        self._desk = desk
        self._backoff = backoff
        self._failures = 0

    async def step(self) -> Step:
        s = self.settings
        batch = await self.store.claim(Status.SUGGESTED, self.worker, s.batch_size, s.lease_s)
        if not batch:
            return Step(0)
        started = time.perf_counter()
        deadline = time.monotonic() + s.lease_s / 2
        histories = await self.store.get_mentions([m.id for m in batch])
        done: list[int] = []
        failures: list[AdapterError] = []
        turns = asyncio.Semaphore(s.relay_concurrency)

        async def relay_in_order(conversation: list[MentionRecord]) -> None:
            # one author's mentions in order, so a follow-up finds its first card's thread
            for m in conversation:
                budget = deadline - time.monotonic()
                if failures or budget <= 0 or m.id not in histories:
                    return  # the rest goes back to the queue
                async with turns:
                    try:
                        await self._desk.relay(
                            histories[m.id], maybe_posted=m.attempts > 1, budget=budget
                        )
                    except AdapterError as exc:
                        failures.append(exc)
                        return
                done.append(m.id)
                latency = (utcnow() - m.received_at).total_seconds()
                self.metrics.ingest_to_relay_seconds.observe(max(0.0, latency))

        conversations: dict[tuple[str, str], list[MentionRecord]] = defaultdict(list)
        for m in batch:
            conversations[(m.source, m.author_external_id)].append(m)
        await asyncio.gather(*(relay_in_order(c) for c in conversations.values()))
        await self._finish(done)
        finished = set(done)
        rest = [m for m in batch if m.id not in finished]
        if failures:
            return await self._failed(failures[0], rest, done=len(done))
        await self._hand_back(rest)
        self._failures = 0
        self.metrics.stage_seconds.labels(self.name).observe(time.perf_counter() - started)
        return Step(len(batch))

    async def _failed(self, exc: AdapterError, rest: list[MentionRecord], done: int) -> Step:
        self._failures += 1
        kind = "permanent" if isinstance(exc, PermanentError) else "transient"
        self.metrics.failures.labels(self.name, kind).inc()
        pause = self._backoff.delay(self._failures, exc.retry_after)
        level = logging.ERROR if kind == "permanent" else logging.WARNING
        log.log(
            level,
            "relay failed (%s); pausing %.1fs",
            exc,
            pause,
            extra={"failures": self._failures},
        )
        await self._hand_back(rest)
        return Step(done, pause=pause)

    async def _finish(self, done: list[int]) -> None:
        """Mark relayed what reached chat; a lost lease just means a retry updates the card."""
        await self.store.advance_many(done, self.worker, Status.RELAYED)

    async def _hand_back(self, mentions: list[MentionRecord]) -> None:
        for m in mentions:
            await self.store.release(m.id, self.worker)
