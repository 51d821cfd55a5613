"""The ``Publisher`` seam: carry out an approved reply or a removal on the mention's source.

Publishers are driven by the outbox worker, once per outbox item, with the item's idempotency
key. Like chat adapters they do one round-trip per call and raise ``TransientError`` /
``PermanentError``; the outbox schedules retries. A publisher that can tell whether an earlier,
interrupted attempt went through implements ``find``; the outbox asks it before trying again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Target:
    """The post a reply answers or a removal deletes, as recorded with the outbox item."""

    mention_id: int
    source: str
    external_id: str
    url: str | None
    author_external_id: str
    thread_key: str | None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Target:
        return cls(
            mention_id=int(payload["mention_id"]),
            source=str(payload["source"]),
            external_id=str(payload["external_id"]),
            url=payload.get("url"),
            author_external_id=str(payload.get("author_external_id", "")),
            thread_key=payload.get("thread_key"),
        )


@dataclass(frozen=True, slots=True)
class PublishRef:
    """What the source answered: the reply's id, or the removed post's id."""

    publisher: str
    ref: str


class Publisher(ABC):
    name: str

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @abstractmethod
    async def send_reply(self, target: Target, text: str, key: str) -> PublishRef:
        """Post ``text`` as a reply to ``target``; ``key`` is unique per outbox item."""

    @abstractmethod
    async def remove(self, target: Target, key: str) -> PublishRef:
        """Remove (hide, delete) the post ``target``."""

    async def find(self, key: str) -> PublishRef | None:
        """The result of an earlier attempt with ``key`` if the source can tell, else None."""
        return None


class Publishers:
    """Picks the publisher for a mention's source: a configured route, else the default."""

    def __init__(
        self, publishers: Mapping[str, Publisher], default: str, routes: Mapping[str, str]
    ) -> None:
        missing = {default, *routes.values()} - set(publishers)
        if missing:
            raise ConfigError(f"publisher(s) {sorted(missing)} are routed to but not configured")
        self._publishers = dict(publishers)
        self._default = default
        self._routes = dict(routes)

    def for_source(self, source: str) -> Publisher:
        return self._publishers[self._routes.get(source, self._default)]
