"""The terminal as a chat platform: cards are printed, decisions typed (``approve 12``).

Used by ``mentionbot demo`` and whenever no chat platform is configured. Mention text is shown
with control characters replaced, so a mention cannot drive the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from types import TracebackType
from typing import Self, TextIO

from bot.chat.base import ChatAdapter, DecisionHandler
from bot.chat.card import Card, MessageRef
from bot.chat.markup import strip_control
from bot.decisions import Actor, DecisionRequest
from models.domain import Action, Label, Status
from models.errors import MentionbotError

HELP = (
    "commands: approve ID [reply text] | reject ID | claim ID | unclaim ID | "
    "relabel ID LABEL | remove ID | dismiss ID | help | quit"
)


class ConsoleChatAdapter(ChatAdapter):
    name = "console"

    def __init__(
        self,
        decisions: DecisionHandler,
        actor: Actor,
        *,
        out: TextIO | None = None,
        interactive: bool = False,
    ) -> None:
        self._decisions = decisions
        self._actor = actor
        self._out = out or sys.stdout
        self._interactive = interactive
        self._reader: asyncio.Task[None] | None = None
        self.quit_requested = asyncio.Event()
        """Set when the operator types ``quit`` (or stdin closes)."""

    async def __aenter__(self) -> Self:
        if self._interactive:
            self._reader = asyncio.create_task(self._read_commands(), name="console-commands")
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    async def post_card(self, card: Card) -> MessageRef:
        self._print(render(card))
        return MessageRef("console", str(card.mention_id))

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        self._print(f"  ↻ {status_line(card)}")

    # ---- decisions typed on stdin -------------------------------------------------------------
    async def _read_commands(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        self._print(HELP)
        while line := await reader.readline():
            if not await self.command(line.decode(errors="replace")):
                break
        self.quit_requested.set()

    async def command(self, line: str) -> bool:
        """Carry out one typed command; False once the operator asked to quit."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self._print(f"  ✗ {exc}")
            return True
        if not words:
            return True
        if words[0] in ("quit", "exit", "q"):
            return False
        try:
            request = parse_command(words)
        except ValueError as exc:
            self._print(f"  ✗ {exc}\n  {HELP}")
            return True
        try:
            await self._decisions.decide(self._actor, request)
        except MentionbotError as exc:
            self._print(f"  ✗ {type(exc).__name__}: {exc}")
        return True


def parse_command(words: list[str]) -> DecisionRequest:
    """``["approve", "12", "Thanks!"]`` → a DecisionRequest; ValueError when malformed."""
    if len(words) < 2 or not words[1].lstrip("#").isdigit():
        raise ValueError("expected: ACTION MENTION_ID [...]")
    try:
        action = Action(words[0])
    except ValueError:
        raise ValueError(f"unknown action {words[0]!r}") from None
    mention_id = int(words[1].lstrip("#"))
    rest = words[2:]
    if action is Action.RELABEL:
        if len(rest) != 1 or rest[0] not in {lab.value for lab in Label}:
            raise ValueError(f"relabel needs one of: {', '.join(lab.value for lab in Label)}")
        return DecisionRequest(mention_id, action, label=Label(rest[0]))
    text = " ".join(rest) if action is Action.APPROVE and rest else None
    return DecisionRequest(mention_id, action, text=text)


def render(card: Card) -> str:
    m, p = card.mention, card.prediction
    follow_up = f" · follow-up to card {card.thread.message_id}" if card.thread else ""
    lines = [f"┌─ {card.headline()}{follow_up}"]
    if p is not None:
        review = " · needs review" if p.needs_review else ""
        lines.append(f"│ {p.label.value} {p.confidence:.0%}{review} (model {p.model_version})")
    lines.append(f"│ “{strip_control(m.text)}”")
    if m.url:
        lines.append(f"│ {strip_control(m.url)}")
    if card.markup:
        lines.append(f"│ ⚠ contains markup ({', '.join(sorted(card.markup))}): shown as text")
    for s in card.suggestions[:2]:
        lines.append(
            f"│ suggested [{s.playbook_id} v{s.playbook_version}]: {strip_control(s.text)}"
        )
    lines.append(f"│ {status_line(card)}")
    lines.append(f"└─ approve {m.id} [text] · reject {m.id} · claim {m.id} · remove {m.id}")
    return "\n".join(lines)


def status_line(card: Card) -> str:
    s = card.state
    shown = "open" if s.status in (Status.SUGGESTED, Status.RELAYED) else s.status.value
    parts = [f"#{card.mention_id} {shown}"]
    if s.label is not None:
        parts.append(s.label.value)
    if s.assignee:
        parts.append(f"claimed by {s.assignee}")
    if s.decision is not None:
        parts.append(f"{s.decision.value} by {s.decided_by}")
    if s.sent_text is not None:
        parts.append(f"reply “{strip_control(s.sent_text)}”")
    if s.delivery is not None:
        parts.append(f"delivery {s.delivery.value}")
    if s.delivery_error:
        parts.append(f"({strip_control(s.delivery_error)})")
    return " · ".join(parts)
