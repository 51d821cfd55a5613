"""Backoff, Retry-After, markup flags and escaping: the small rules adapters rely on."""

from __future__ import annotations

import pytest

from bot.chat.markup import (
    BROADCAST,
    CONTROL,
    LINK_MARKUP,
    TAGS,
    USER_PING,
    escape_slack,
    markup_flags,
)
from bot.errors import PermanentError, TransientError
from bot.outbound import parse_retry_after
from bot.retry import Backoff, retrying


def test_backoff_grows_is_capped_jittered_and_obeys_retry_after() -> None:
    b = Backoff(base=1.0, factor=2.0, cap=10.0, jitter=0.5)
    for attempt, full in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 10.0)):
        for _ in range(50):
            assert full * 0.5 <= b.delay(attempt) <= full
    assert b.delay(1, retry_after=30.0) == 30.0  # the far end's word wins, even above the cap
    assert Backoff(jitter=0).delay(1, retry_after=0.1) == 1.0


async def test_retrying_retries_transient_errors_only() -> None:
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)

    calls: list[int] = []

    async def flaky(attempt: int) -> str:
        calls.append(attempt)
        if attempt < 3:
            raise TransientError("429", retry_after=7.0)
        return "ok"

    assert await retrying(flaky, Backoff(jitter=0), 5, sleep=sleep) == "ok"
    assert calls == [1, 2, 3] and waits == [7.0, 7.0]

    async def broken(attempt: int) -> str:
        raise PermanentError("no such channel")

    with pytest.raises(PermanentError):
        await retrying(broken, Backoff(), 5, sleep=sleep)
    with pytest.raises(TransientError):  # a wait beyond the budget is not taken
        await retrying(flaky, Backoff(jitter=0), 5, sleep=sleep, budget=5.0)


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("plain words, @SkylarkAir and 50% off", set()),
        ("<!channel> look", {BROADCAST}),
        ("hey @everyone", {BROADCAST}),
        ("<@U024BE7LH> and <#C123|general>", {USER_PING}),
        ("<https://evil.example|click> [x](http://y)", {LINK_MARKUP}),
        ("<script>alert(1)</script>", {TAGS}),
        ("\x1b[31mred\u202e", {CONTROL}),
    ],
)
def test_markup_is_flagged(text: str, flags: set[str]) -> None:
    assert markup_flags(text) == flags


def test_slack_escaping_makes_markup_inert() -> None:
    out = escape_slack("<!channel> & @here <@U1> \x07")
    assert out == "&lt;!channel&gt; &amp; @\u2060here &lt;@U1&gt; \ufffd"
