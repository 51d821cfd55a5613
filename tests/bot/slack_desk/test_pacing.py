"""Per-channel pacing: turns are spaced, complaints before questions before the rest, other
channels are not held up, a wait beyond ``max_wait`` fails fast with Retry-After (so the relay
hands the mention back instead of sitting on its lease), and Retry-After holds the channel."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.errors import TransientError
from bot.slack.pacing import ChannelPacer, Pacer


async def test_turns_are_spaced_and_given_in_priority_order() -> None:
    pacer = ChannelPacer(0.05)
    order: list[str] = []
    times: list[float] = []

    async def post(name: str, prio: int) -> None:
        await pacer.turn(prio, 5)
        order.append(name)
        times.append(time.monotonic())

    await pacer.turn(0, 5)  # the channel is now busy for one interval
    await asyncio.gather(
        post("spam", 6), post("praise", 5), post("question", 2), post("complaint", 1)
    )
    assert order == ["complaint", "question", "praise", "spam"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(g >= 0.045 for g in gaps), gaps
    await pacer.close()


async def test_a_long_wait_fails_fast_with_retry_after() -> None:
    pacer = ChannelPacer(1.0)
    await pacer.turn(1, 5)
    waiting = [asyncio.create_task(pacer.turn(1, 5)) for _ in range(3)]
    await asyncio.sleep(0)
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        await pacer.turn(1, 2.5)
    assert time.monotonic() - started < 0.1  # refused at once, not after waiting
    assert caught.value.retry_after is not None and caught.value.retry_after > 2.5
    for t in waiting:
        t.cancel()
    await pacer.close()


async def test_retry_after_holds_a_channel_but_not_the_others() -> None:
    pacer = Pacer(per_s=20, margin=1.0, window_s=60)
    pacer.channel("A").hold(0.5)
    started = time.monotonic()
    await pacer.channel("B").turn(1, 5)
    assert time.monotonic() - started < 0.1
    await pacer.channel("A").turn(1, 5)
    assert time.monotonic() - started >= 0.45
    await pacer.close()


def test_backlog_is_the_channels_share_of_what_is_not_yet_relayed() -> None:
    now = [0.0]
    pacer = Pacer(per_s=1, margin=1.0, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        pacer.note_demand("complaints")
    pacer.note_demand("other")
    assert pacer.backlog("complaints", 1000) == 750
    assert pacer.backlog("other", 1000) == 250
    now[0] = 120  # old traffic no longer counts
    assert pacer.share("other") == 1.0
