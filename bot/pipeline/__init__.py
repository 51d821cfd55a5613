"""The durable pipeline: received → classified → suggested → relayed, plus the outbox.

Every transition is stored; work is claimed from the database under leases, so a worker killed
at any point loses nothing: its leases expire and another worker (or the restarted one) picks
the work up, and each stage's side effects are idempotent. ``Pipeline`` runs the stage loops of
one process as an async context manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from bot.pipeline.stage import Stage, run_stage

log = logging.getLogger(__name__)

STAGES = ("classify", "suggest", "relay", "outbox")


class Pipeline:
    def __init__(self, stages: Sequence[Stage], grace_s: float = 10.0) -> None:
        self._stages = list(stages)
        self._grace = grace_s
        self._stop = asyncio.Event()
        self._wake = {name: asyncio.Event() for name in STAGES}
        self._tasks: list[asyncio.Task[None]] = []

    def nudge(self, stage: str) -> None:
        """Tell ``stage``'s loops there is work now, instead of waiting for the next poll."""
        if (event := self._wake.get(stage)) is not None:
            event.set()

    async def __aenter__(self) -> Self:
        for stage in self._stages:
            task = asyncio.create_task(
                run_stage(stage, self._stop, self._wake[stage.name], self.nudge),
                name=stage.worker,
            )
            self._tasks.append(task)
        log.info("pipeline started", extra={"loops": len(self._tasks)})
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Let each loop finish its batch (up to ``grace_s``), then cancel what is left: a
        cancelled batch is like a crash, its leases expire and it is picked up again."""
        self._stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=self._grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
