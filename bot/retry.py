"""Exponential backoff with jitter that honours the far end's Retry-After.

Shared by chat adapters, publishers and the pipeline: ``Backoff.delay`` gives the wait before
attempt ``n + 1``; ``retrying`` runs an operation until it succeeds, fails permanently or runs
out of attempts. Operations receive the attempt number so a non-idempotent call (posting a card)
can look up what an earlier, failed attempt may have done before trying again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import TransientError
from bot.settings import RetrySettings

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.5
    """Fraction of each delay drawn at random (0: none, 1: "full jitter")."""

    @classmethod
    def from_settings(cls, s: RetrySettings) -> Backoff:
        return cls(base=s.base_s, factor=s.factor, cap=s.cap_s, jitter=s.jitter)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        Never less than ``retry_after``: a far end that says when to come back is obeyed even
        above ``cap``.
        """
        raw = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        wait = raw * (1.0 - self.jitter * random.random())
        if retry_after is not None and retry_after > wait:
            return retry_after
        return wait


async def retrying(
    operation: Callable[[int], Awaitable[T]],
    backoff: Backoff,
    attempts: int,
    *,
    what: str = "call",
    sleep: Sleep = asyncio.sleep,
    budget: float | None = None,
) -> T:
    """Run ``operation(attempt)`` until it returns; retry TransientError with backoff.

    Raises the last TransientError after ``attempts`` tries, or as soon as the next wait would
    exceed ``budget`` seconds in total (so a caller holding a lease never overstays it).
    PermanentError and anything else propagate at once.
    """
    waited = 0.0
    attempt = 1
    while True:
        try:
            return await operation(attempt)
        except TransientError as exc:
            wait = backoff.delay(attempt, exc.retry_after)
            if attempt >= attempts or (budget is not None and waited + wait > budget):
                raise
            log.info("%s failed (%s); retry %d in %.2fs", what, exc, attempt, wait)
            await sleep(wait)
            waited += wait
            attempt += 1
