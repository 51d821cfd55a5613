"""What every pipeline stage shares: a worker identity, the store, and the claim loop.

A stage's ``step`` claims a batch under a lease, does its work, records the results and advances
each mention. The loop around it waits for work (woken early by ``nudge``), pauses after the
database was unavailable, and backs off when a stage asks to (e.g. chat is rate limiting).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from bot.metrics import Metrics
from bot.settings import PipelineSettings
from models.domain import Prediction, PredictionRecord
from models.errors import StoreUnavailable
from models.store import Store

log = logging.getLogger(__name__)


def worker_id(stage: str, n: int) -> str:
    """Unique per process and loop: ``host:pid:stage:n:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{stage}:{n}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class Step:
    done: int
    """Items processed; more may be waiting, so the loop claims again at once."""
    pause: float = 0.0
    """Seconds to wait before claiming again (the far end asked for it, or is failing)."""


class Stage(ABC):
    name: ClassVar[str]
    next_stage: ClassVar[str | None] = None

    def __init__(self, store: Store, metrics: Metrics, settings: PipelineSettings, n: int) -> None:
        self.store = store
        self.metrics = metrics
        self.settings = settings
        self.worker = worker_id(self.name, n)

    @abstractmethod
    async def step(self) -> Step:
        """Claim and process one batch."""


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def run_stage(
    stage: Stage, stop: asyncio.Event, wake: asyncio.Event, notify: Callable[[str], None]
) -> None:
    """Run ``stage`` until ``stop`` is set; never raises (errors are logged and counted)."""
    s = stage.settings
    bugs = 0
    while not stop.is_set():
        wake.clear()
        try:
            result = await stage.step()
            bugs = 0
        except StoreUnavailable as exc:
            log.warning("database unavailable: %s", exc, extra={"stage": stage.name})
            stage.metrics.failures.labels(stage.name, "store").inc()
            await _wait(stop, s.store_retry_s)
            continue
        except Exception:
            bugs += 1
            log.exception("stage step failed", extra={"stage": stage.name})
            stage.metrics.failures.labels(stage.name, "error").inc()
            await _wait(stop, min(60.0, s.poll_interval_s * 2**bugs))
            continue
        if result.done and stage.next_stage is not None:
            notify(stage.next_stage)
        if result.pause > 0:
            await _wait(stop, result.pause)
        elif not result.done:
            waiter = asyncio.ensure_future(wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait(
                    {waiter, stopper},
                    timeout=s.poll_interval_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waiter.cancel()
                stopper.cancel()


def as_prediction(record: PredictionRecord) -> Prediction:
    """A stored prediction in the classifier's own type (what suggesters receive)."""
    return Prediction(
        label=record.label,
        confidence=record.confidence,
        probabilities=dict(record.probabilities),
        needs_review=record.needs_review,
        auto_action=record.auto_action,
        model_version=record.model_version,
    )
