"""received → classified: one classifier call per claimed batch (through the MicroBatcher).

A mention claimed again after a crash is not classified twice: if its prediction was saved before
the crash, that prediction is kept and the mention just advances. A text the classifier cannot
handle moves on unclassified (humans still see it) instead of blocking the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Protocol

from bot.metrics import Metrics
from bot.pipeline.stage import Stage, Step
from bot.settings import PipelineSettings
from classifiers.errors import ClassifierError
from models.domain import JSONDict, Label, MentionRecord, Prediction, Status
from models.errors import LeaseLost
from models.store import Store

log = logging.getLogger(__name__)


class Classify(Protocol):
    """``MicroBatcher.classify``: predictions in input order."""

    async def classify(self, texts: Sequence[str]) -> list[Prediction]: ...


class ClassifyStage(Stage):
    name = "classify"
    next_stage = "suggest"

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        settings: PipelineSettings,
        n: int,
        classifier: Classify,
    ) -> None:
        super().__init__(store, metrics, settings, n)
        self._classifier = classifier

    async def step(self) -> Step:
        s = self.settings
        batch = await self.store.claim(Status.RECEIVED, self.worker, s.batch_size, s.lease_s)
        if not batch:
            return Step(0)
        started = time.perf_counter()
        labels = await self._saved_labels([m for m in batch if m.attempts > 1])
        todo = [m for m in batch if m.id not in labels]
        fresh = await self._classify(todo)
        try:
            await self.store.save_predictions(fresh, worker=self.worker)
        except LeaseLost as exc:
            log.warning("lease lost before saving predictions: %s", exc)
            return Step(len(batch))
        labels.update({i: p.label for i, p in fresh.items()})
        details: dict[int, JSONDict] = {
            m.id: {"label": str(labels[m.id])} if m.id in labels else {"error": "not classified"}
            for m in batch
        }
        for mention_id in await self.store.advance_many(
            [m.id for m in batch], self.worker, Status.CLASSIFIED, details
        ):
            label = labels.get(mention_id)
            self.metrics.classified.labels(str(label) if label else "none").inc()
        self.metrics.stage_seconds.labels(self.name).observe(time.perf_counter() - started)
        return Step(len(batch))

    async def _saved_labels(self, retried: list[MentionRecord]) -> dict[int, Label]:
        """Labels of retried mentions whose prediction was saved by an interrupted attempt."""
        histories = await self.store.get_mentions([m.id for m in retried])
        return {i: h.predictions[-1].label for i, h in histories.items() if h.predictions}

    async def _classify(self, todo: list[MentionRecord]) -> dict[int, Prediction]:
        if not todo:
            return {}
        try:
            predictions = await self._classifier.classify([m.text for m in todo])
            return {m.id: p for m, p in zip(todo, predictions, strict=True)}
        except ClassifierError as exc:
            log.warning("batch classification failed (%s); classifying one by one", exc)
        out = {}
        for m in todo:
            try:
                [out[m.id]] = await self._classifier.classify([m.text])
            except ClassifierError as exc:
                self.metrics.failures.labels(self.name, "classifier").inc()
                log.error("cannot classify mention: %s", exc, extra={"mention_id": m.id})
        return out
