"""Prints what would be sent to the source. The demo's publisher, and the default one."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.chat.markup import strip_control
from bot.publish.base import Publisher, PublishRef, Target


class ConsolePublisher(Publisher):
    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    def _print(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    async def send_reply(self, target: Target, text: str, key: str) -> PublishRef:
        where = f"{target.source}/{target.external_id}"
        self._print(
            f"  ➜ PUBLISHED reply to {where} (@{target.author_external_id}): "
            f"“{strip_control(text)}”"
        )
        return PublishRef(self.name, key)

    async def remove(self, target: Target, key: str) -> PublishRef:
        self._print(f"  ✂ REMOVED {target.source}/{target.external_id} (#{target.mention_id})")
        return PublishRef(self.name, key)
