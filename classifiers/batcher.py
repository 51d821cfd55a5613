"""``MicroBatcher``: merges concurrent ``classify`` calls into one forward pass, off the event loop.

Callers await ``classify(texts)``; a single background task collects pending requests until it
has ``max_batch`` texts or ``max_wait`` seconds have passed since the first one arrived, runs the
model once in a dedicated worker thread, and hands each caller its own slice, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType

from classifiers.errors import ClassifierError
from classifiers.protocol import Classifier
from models.domain import Prediction


@dataclass
class _Request:
    texts: list[str]
    future: asyncio.Future[list[Prediction]]


@dataclass
class BatcherStats:
    calls: int = 0
    batches: int = 0
    texts: int = 0
    batch_sizes: list[int] = field(default_factory=list)


class MicroBatcher:
    def __init__(self, model: Classifier, max_batch: int = 32, max_wait: float = 0.01) -> None:
        if max_batch < 1 or max_wait < 0:
            raise ValueError("max_batch must be >= 1 and max_wait >= 0")
        self.model = model
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.stats = BatcherStats()
        self._queue: asyncio.Queue[_Request] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def __aenter__(self) -> MicroBatcher:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")
        self._task = asyncio.create_task(self._run(), name="micro-batcher")
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._queue is not None:
            while not self._queue.empty():
                request = self._queue.get_nowait()
                if not request.future.done():
                    request.future.set_exception(ClassifierError("classifier is shutting down"))
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._task = self._queue = self._executor = None

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """Predictions for ``texts`` in the same order. Raises ``ClassifierError`` on bad input."""
        if self._queue is None:
            raise ClassifierError("MicroBatcher used outside 'async with'")
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if bad:
            raise ClassifierError(f"texts must be strings; item {bad[0]} is {type(texts[bad[0]])}")
        if not texts:
            return []
        future: asyncio.Future[list[Prediction]] = asyncio.get_running_loop().create_future()
        self.stats.calls += 1
        await self._queue.put(_Request(list(texts), future))
        return await future

    async def _collect(self, queue: asyncio.Queue[_Request]) -> list[_Request]:
        batch = [await queue.get()]
        size = len(batch[0].texts)
        deadline = time.monotonic() + self.max_wait
        while size < self.max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                request = await asyncio.wait_for(queue.get(), remaining)
            except TimeoutError:
                break
            batch.append(request)
            size += len(request.texts)
        return batch

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect(self._queue)
            texts = [t for request in batch for t in request.texts]
            self.stats.batches += 1
            self.stats.texts += len(texts)
            self.stats.batch_sizes.append(len(texts))
            try:
                predictions = await loop.run_in_executor(
                    self._executor, self.model.predict, texts, self.max_batch
                )
            except Exception as exc:  # every caller of this batch gets the error, none hangs
                for request in batch:
                    if not request.future.done():
                        request.future.set_exception(
                            ClassifierError(f"classification failed: {exc}")
                        )
                continue
            start = 0
            for request in batch:
                end = start + len(request.texts)
                if not request.future.done():
                    request.future.set_result(predictions[start:end])
                start = end
