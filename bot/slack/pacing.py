"""Per-channel pacing with priorities, and each channel's estimated backlog.

Slack takes about one message per second per channel. Every ``chat.postMessage`` first waits
for its channel's turn (``Pacer.turn``); turns are given ``margin / rate`` seconds apart, lowest
priority number first (complaints before questions before the rest), first come first served
within a priority. A 429 pushes the channel's next turn past its Retry-After (``hold``).

A post never waits longer than ``max_wait``: if its turn is further away it fails at once with
``TransientError(retry_after=…)``, so the relay stage hands the mention back to the queue
instead of sitting on its lease (leases are 60 s; in-process retries stop at half of it).

The backlog of a channel (what decides when low-priority labels go into the digest) is an
estimate: the posts waiting here for a turn, plus the mentions not yet relayed anywhere
(``Store.queue_depth``) times this channel's share of the recent traffic.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable

from bot.errors import TransientError

Clock = Callable[[], float]


class ChannelPacer:
    def __init__(self, interval: float, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next = 0.0
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._runner: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return sum(1 for _, _, f in self._heap if not f.done())

    def estimate(self, priority: int) -> float:
        """Seconds until a new post with ``priority`` would get its turn."""
        ahead = sum(1 for p, _, f in self._heap if p <= priority and not f.done())
        return max(0.0, self._next - self._clock()) + ahead * self.interval

    def hold(self, seconds: float) -> None:
        """Give no turn for ``seconds`` (Slack said Retry-After)."""
        self._next = max(self._next, self._clock() + seconds)

    async def turn(self, priority: int, max_wait: float) -> None:
        wait = self.estimate(priority)
        if wait > max_wait:
            raise TransientError(f"channel busy: next turn in {wait:.1f}s", retry_after=wait)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (priority, next(self._seq), fut))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="slack-pacer")
        try:
            await asyncio.wait_for(fut, max_wait)
        except TimeoutError:
            raise TransientError(
                "channel busy: no turn in time", retry_after=self.estimate(priority)
            ) from None

    async def _run(self) -> None:
        while self._heap:
            delay = self._next - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
                continue  # a hold() may have moved the next turn meanwhile
            _, _, fut = heapq.heappop(self._heap)
            if fut.done():  # its caller gave up
                continue
            fut.set_result(None)
            self._next = self._clock() + self.interval

    async def close(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
        for _, _, fut in self._heap:
            fut.cancel()
        self._heap.clear()


class Pacer:
    """Every channel's pacer, plus the traffic shares used to estimate backlogs."""

    def __init__(
        self, per_s: float, margin: float, window_s: float, clock: Clock = time.monotonic
    ) -> None:
        self._interval = margin / per_s
        self._window = window_s
        self._clock = clock
        self._channels: dict[str, ChannelPacer] = {}
        self._demand: dict[str, deque[float]] = {}

    def channel(self, name: str) -> ChannelPacer:
        if name not in self._channels:
            self._channels[name] = ChannelPacer(self._interval, self._clock)
        return self._channels[name]

    def note_demand(self, channel: str) -> None:
        """A card was routed to ``channel`` (posted or digested)."""
        self._demand.setdefault(channel, deque()).append(self._clock())

    def share(self, channel: str) -> float:
        """``channel``'s fraction of the cards routed in the last window (1.0 with no data)."""
        horizon = self._clock() - self._window
        total = 0
        for q in self._demand.values():
            while q and q[0] < horizon:
                q.popleft()
            total += len(q)
        mine = len(self._demand.get(channel, ()))
        return 1.0 if total == 0 else mine / total

    def backlog(self, channel: str, not_yet_relayed: int) -> float:
        """Estimated messages still to come for ``channel`` (see the module docstring)."""
        return self.channel(channel).waiting + not_yet_relayed * self.share(channel)

    async def close(self) -> None:
        for p in self._channels.values():
            await p.close()
