"""Digest messages: while a channel is backed up, low-priority mentions (spam, praise, other by
default) are not posted one by one but collected into one message per channel, updated every
``digest_interval_s`` with counts, the latest entries and where to work through the queue
(App Home, ``/mentions next <label>``, ``queue_url``).

Each digested mention still gets a recorded ``MessageRef`` — the digest message's ``ts`` and the
mention id, ``digest:<ts>:<mention id>`` — so the relay marks it relayed exactly once: after a
restart it is neither posted again nor lost (it waits in the queue, status ``relayed``, and
counts in every digest's "waiting" line). Digest membership itself lives in memory: a restarted
bot starts a new digest message.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.chat.card import Card, MessageRef
from bot.errors import AdapterError
from bot.slack.blocks import clip, context, label_name, link, literal, metadata, section
from bot.slack.refs import digest_ref, parse_digest
from bot.slack.settings import SlackPacing
from models.domain import Label

log = logging.getLogger(__name__)
DIGEST_EVENT = "mentionbot_digest"
_SHOWN = 10

PostDigest = Callable[[str, dict[str, Any]], Awaitable[str]]
UpdateDigest = Callable[[str, str, dict[str, Any]], Awaitable[None]]
WaitingCounts = Callable[[], Awaitable[dict[Label | None, int]]]


@dataclass
class _Digest:
    channel: str
    ts: str
    entries: dict[int, str] = field(default_factory=dict)
    labels: Counter[str] = field(default_factory=Counter)
    decided: set[int] = field(default_factory=set)
    dirty: bool = True


class Digests:
    def __init__(
        self,
        settings: SlackPacing,
        post: PostDigest,
        update: UpdateDigest,
        waiting: WaitingCounts,
        pointer: str,
    ) -> None:
        self._s = settings
        self._post = post
        self._update = update
        self._waiting = waiting
        self._pointer = pointer
        self._open: dict[str, _Digest] = {}
        self._by_ts: dict[str, _Digest] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.updates = 0
        """Digest messages posted or updated (for benches and tests)."""

    async def add(self, channel: str, card: Card) -> MessageRef:
        async with self._locks.setdefault(channel, asyncio.Lock()):
            digest = self._open.get(channel)
            if digest is not None and card.mention_id in digest.entries:
                return digest_ref(channel, digest.ts, card.mention_id)
            if digest is None or len(digest.entries) >= self._s.digest_max_entries:
                if digest is not None:
                    await self._flush_one(digest)  # its final state
                ts = await self._post(channel, self._render(channel, None, {}))
                self.updates += 1
                digest = self._open[channel] = self._by_ts[ts] = _Digest(channel, ts)
            m = card.mention
            label = label_name(card.state.label)
            line = f"#{m.id} {label} · {m.author_name}: {m.text[:120]}"
            digest.entries[m.id] = " ".join(line.split())  # one line per mention
            digest.labels[label] += 1
            digest.dirty = True
            return digest_ref(channel, digest.ts, m.id)

    def mark(self, ref: MessageRef, card: Card) -> None:
        """The mention at ``ref`` changed (decided, relabelled): refresh its digest later."""
        parsed = parse_digest(ref)
        if parsed is None or parsed[0] not in self._by_ts:
            return  # a digest of an earlier run: the queue counts are what matters
        ts, mention_id = parsed
        digest = self._by_ts[ts]
        if card.state.decision is not None or card.state.assignee is not None:
            digest.decided.add(mention_id)
        digest.dirty = True

    async def run(self) -> None:
        """Update changed digests every ``digest_interval_s`` (the desk runs this as a task)."""
        while True:
            await asyncio.sleep(self._s.digest_interval_s)
            try:
                await self.flush()
            except Exception:  # e.g. the database is away: keep the loop, try next round
                log.exception("digest round failed")

    async def flush(self) -> None:
        for digest in list(self._by_ts.values()):
            if digest.dirty:
                await self._flush_one(digest)

    async def _flush_one(self, digest: _Digest) -> None:
        # Clean before rendering: a mention added while the update is on its way marks the
        # digest dirty again, so the next round shows it (cleaning after the await lost it).
        digest.dirty = False
        try:
            waiting = await self._waiting()
            message = self._render(digest.channel, digest, waiting)
            await self._update(digest.channel, digest.ts, message)
        except AdapterError as exc:  # try again next round
            digest.dirty = True
            log.warning("digest not updated: %s", exc, extra={"channel": digest.channel})
            return
        except BaseException:  # e.g. the database is away: run() logs it, next round retries
            digest.dirty = True
            raise
        self.updates += 1
        if digest is not self._open.get(digest.channel):
            self._by_ts.pop(digest.ts, None)  # closed and final

    def _render(
        self, channel: str, digest: _Digest | None, waiting: dict[Label | None, int]
    ) -> dict[str, Any]:
        n = 0 if digest is None else len(digest.entries)
        blocks = [
            section(
                f":package: *Digest: {n} low-priority mention{'s' * (n != 1)}* collected while "
                "this channel is busy (complaints and questions still get their own cards)"
            )
        ]
        if digest is not None and digest.entries:
            counts = " · ".join(f"{k} {v}" for k, v in sorted(digest.labels.items()))
            blocks.append(context(f"In this digest: {counts} · handled {len(digest.decided)}"))
            latest = [v for k, v in digest.entries.items() if k not in digest.decided][-_SHOWN:]
            if latest:
                blocks.append(literal("\n".join(latest), quote=False))
        if waiting:
            line = " · ".join(f"{label_name(k)} {v}" for k, v in waiting.items() if v)
            blocks.append(context(f"Waiting for a decision now: {line or 'nothing'}"))
        blocks.append(context(self._pointer))
        return {
            "text": clip(f"Digest: {n} low-priority mentions", 300),
            "blocks": blocks,
            "metadata": metadata(0, DIGEST_EVENT),
            "unfurl_links": False,
            "unfurl_media": False,
        }


def pointer(command: str, queue_url: str | None) -> str:
    """Where a digest sends people to work through its mentions."""
    text = f"Work through them with `{command} next &lt;label&gt;` or in the app's *Home* tab"
    url = link(queue_url, "open the queue")
    return text + (f" · {url}" if url else "")
