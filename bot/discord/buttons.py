"""Persistent components: every button keeps its state in its ``custom_id``
(``mb:<kind>:<id>``), so a click after a restart is understood without any view in memory.

discord.py matches incoming custom ids against the templates of the ``DynamicItem`` classes
registered on the client and hands the click to the client's ``ButtonHandler``.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot.chat.card import Card
from bot.discord.wire import SOURCE
from models.domain import Action, Label, Status
from models.moderation import AUTOMATIC, AppealRecord, AppealState, ModAction, ModLogEntry

PREFIX = "mb"


class ButtonHandler(Protocol):
    async def on_button(
        self, interaction: discord.Interaction[Any], kind: str, ref: int
    ) -> None: ...

    async def on_relabel(
        self, interaction: discord.Interaction[Any], mention_id: int, label: Label
    ) -> None: ...


def _handler(interaction: discord.Interaction[Any]) -> ButtonHandler:
    handler: ButtonHandler = interaction.client.handler
    return handler


class _Rebuilt:
    """``from_custom_id`` of the items below: their template's named groups are their
    constructor's arguments (digits as ints), so a click rebuilds the item from its id alone."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> Any:
        build: Any = cls
        return build(**{k: int(v) if v.isdigit() else v for k, v in match.groupdict().items()})


class ActionButton(
    _Rebuilt,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:(?P<kind>(?!relabel:)[a-z]+):(?P<ref>\d+)",
):
    """One button of a card, a mod-log entry, a DM or an appeal card (not the relabel select:
    discord.py calls every item whose template matches, and an interaction is answered once)."""

    def __init__(
        self,
        kind: str,
        ref: int,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label or kind, style=style, custom_id=f"{PREFIX}:{kind}:{ref}", row=row
        )
        super().__init__(button)
        self.kind = kind
        self.ref = ref

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_button(interaction, self.kind, self.ref)


class RelabelSelect(
    _Rebuilt,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"mb:relabel:(?P<mention_id>\d+)",
):
    def __init__(self, mention_id: int, row: int | None = None) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"{PREFIX}:relabel:{mention_id}",
            placeholder="Relabel…",
            options=[discord.SelectOption(label=lab.value, value=lab.value) for lab in Label],
            row=row,
        )
        super().__init__(select)
        self.mention_id = mention_id

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        if values:
            await _handler(interaction).on_relabel(interaction, self.mention_id, Label(values[0]))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ActionButton, RelabelSelect)
_GREEN, _RED, _GREY = (
    discord.ButtonStyle.success,
    discord.ButtonStyle.danger,
    discord.ButtonStyle.secondary,
)


def card_view(card: Card) -> discord.ui.View:
    """The buttons a card offers in its current state."""
    view = discord.ui.View(timeout=None)
    m, s = card.mention, card.state
    i = m.id
    waiting = s.status in (Status.RECEIVED, Status.CLASSIFIED, Status.SUGGESTED, Status.RELAYED)
    if waiting:
        if card.suggestions:
            view.add_item(ActionButton("approve", i, "Approve & send", _GREEN, row=0))
        view.add_item(ActionButton("edit", i, "Edit", discord.ButtonStyle.primary, row=0))
        if s.assignee is None:
            view.add_item(ActionButton("claim", i, "Claim", _GREY, row=0))
        else:
            view.add_item(ActionButton("unclaim", i, "Unclaim", _GREY, row=0))
        view.add_item(ActionButton("remove", i, "Remove", _RED, row=0))
        view.add_item(RelabelSelect(i, row=1))
    auto_removed = s.decision is Action.REMOVE and s.decided_by == AUTOMATIC
    if m.source == SOURCE and (s.label is Label.SPAM or auto_removed):
        view.add_item(ActionButton("timeout", i, "Timeout author", _GREY, row=2))
        view.add_item(ActionButton("ban", i, "Ban author", _RED, row=2))
        if waiting or s.decision is Action.REMOVE:
            view.add_item(ActionButton("notspam", i, "Not spam", _GREEN, row=2))
    return view


def modlog_view(entries: list[ModLogEntry]) -> discord.ui.View:
    """ "Not spam" for each removal not yet restored shown in one mod-log message (≤ 10
    entries, ≤ 2 rows)."""
    view = discord.ui.View(timeout=None)
    removals = (x for x in entries if x.action is ModAction.REMOVE and x.mention_id)
    for n, e in enumerate(x for x in removals if not x.result_ref):
        label = f"Not spam · entry {e.id}"
        view.add_item(ActionButton("restore", e.id, label, _GREEN, row=n // 5))
    return view


def notice_view(entry: ModLogEntry) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ActionButton("appeal", entry.id, "Appeal", discord.ButtonStyle.primary))
    return view


def appeal_view(appeal: AppealRecord) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if appeal.state is not AppealState.OPEN:
        return view
    view.add_item(ActionButton("accept", appeal.id, "Accept (restore)", _GREEN))
    view.add_item(ActionButton("reject", appeal.id, "Reject", _RED))
    return view
