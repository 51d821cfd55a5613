"""The outbox worker: carries out approved replies and removals, once each.

Claim due items → ask the source's publisher → ``complete_outbox``. Transient failures are
rescheduled with backoff (never sooner than Retry-After) until ``outbox_max_attempts``; a
permanent failure, or running out of attempts, fails the item for good and audits it. An item
claimed again after a crash first asks the publisher whether the earlier attempt went through.
The mention's cards are updated afterwards to show what happened.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from bot.chat.desk import CardDesk
from bot.errors import AdapterError, BotError, PermanentError
from bot.metrics import Metrics
from bot.pipeline.stage import Stage, Step
from bot.publish.base import Publisher, Publishers, PublishRef, Target
from bot.retry import Backoff
from bot.settings import PipelineSettings
from models.domain import OutboxItem, OutboxKind, OutboxStatus
from models.errors import LeaseLost, StoreError
from models.store import Store
from models.store.base import utcnow

log = logging.getLogger(__name__)
ACTOR = "outbox"


class OutboxStage(Stage):
    name = "outbox"

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        settings: PipelineSettings,
        n: int,
        publishers: Publishers,
        desk: CardDesk,
        backoff: Backoff,
    ) -> None:
        super().__init__(store, metrics, settings, n)
        self._publishers = publishers
        self._desk = desk
        self._backoff = backoff

    async def step(self) -> Step:
        s = self.settings
        items = await self.store.claim_outbox(self.worker, s.batch_size, s.lease_s)
        if not items:
            return Step(0)
        started = time.perf_counter()
        for item in items:
            await self._deliver(item)
            try:
                await self._desk.refresh(item.mention_id, budget=5.0)
            except (BotError, StoreError) as exc:
                log.warning("card not updated: %s", exc, extra={"mention_id": item.mention_id})
        self.metrics.stage_seconds.labels(self.name).observe(time.perf_counter() - started)
        return Step(len(items))

    async def _deliver(self, item: OutboxItem) -> None:
        target = Target.from_payload(item.payload)
        publisher = self._publishers.for_source(target.source)
        try:
            ref = await self._carry_out(publisher, item, target)
        except AdapterError as exc:
            await self._failed(item, publisher, exc)
            return
        try:
            await self.store.complete_outbox(item.id, worker=self.worker)
        except LeaseLost as exc:  # another worker took over; it will find() this result
            log.warning("outbox lease lost after delivery: %s", exc)
            return
        self.metrics.published.labels(str(item.kind), publisher.name).inc()
        log.info(
            "outbox item carried out",
            extra={"mention_id": item.mention_id, "kind": str(item.kind), "ref": ref.ref},
        )

    async def _carry_out(
        self, publisher: Publisher, item: OutboxItem, target: Target
    ) -> PublishRef:
        key = item.idempotency_key
        if item.attempts > 1 and (earlier := await publisher.find(key)) is not None:
            return earlier
        if item.kind is OutboxKind.REPLY:
            return await publisher.send_reply(target, str(item.payload["text"]), key)
        return await publisher.remove(target, key)

    async def _failed(self, item: OutboxItem, publisher: Publisher, exc: AdapterError) -> None:
        permanent = isinstance(exc, PermanentError)
        self.metrics.failures.labels(self.name, "permanent" if permanent else "transient").inc()
        retry_at = None
        if not permanent:
            delay = self._backoff.delay(item.attempts, exc.retry_after)
            retry_at = utcnow() + timedelta(seconds=delay)
        try:
            updated = await self.store.fail_outbox(
                item.id,
                str(exc)[:1000],
                retry_at,
                worker=self.worker,
                max_attempts=self.settings.outbox_max_attempts,
                audit_actor=ACTOR,
                audit_detail={"outbox_id": item.id, "publisher": publisher.name, "error": str(exc)},
            )
        except LeaseLost:
            return
        if updated.status is OutboxStatus.FAILED:
            log.error("outbox item failed for good: %s", exc, extra={"mention_id": item.mention_id})
        else:
            log.warning(
                "outbox item will be retried: %s", exc, extra={"mention_id": item.mention_id}
            )
