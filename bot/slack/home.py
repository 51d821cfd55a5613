"""App Home: my claimed mentions, queue counts per label, the oldest waiting mention per label.

Published (``views.publish``) whenever a user opens the Home tab (``app_home_opened``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks import clip, context, label_name, literal, section
from bot.slack.roles import RoleResolver, actor_name
from bot.slack.settings import SlackSettings
from models.domain import Label, MentionRecord
from models.store import Store
from models.store.base import utcnow

log = logging.getLogger(__name__)
_MINE = 15


class Home:
    def __init__(
        self, app: AsyncApp, store: Store, roles: RoleResolver, settings: SlackSettings
    ) -> None:
        self._app = app
        self._store = store
        self._roles = roles
        self._settings = settings
        app.event("app_home_opened")(self.on_open)

    async def on_open(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = str(event["user"])
        view = await self.view(user)
        await self._app.client.views_publish(user_id=user, view=view)

    async def view(self, user: str) -> dict[str, Any]:
        now = utcnow()
        mine = await self._store.claimed_by(actor_name(user), limit=_MINE)
        counts = await self._store.waiting_counts()
        oldest = await self._store.oldest_waiting_per_label()
        role = await self._roles.role_of(user)
        blocks: list[dict[str, Any]] = [
            section(f"*Mention desk* · your role: *{role.value if role else 'none (read-only)'}*"),
            section(f"*Claimed by you* ({len(mine)}{'+' if len(mine) >= _MINE else ''})"),
        ]
        if mine:
            blocks.append(literal("\n".join(_line(m, now) for m in mine), quote=False))
        else:
            blocks.append(context(f"Nothing claimed. `{self._settings.command} next` takes one."))
        total = sum(counts.values())
        blocks.append(section(f"*Waiting for a decision* ({total})"))
        per_label = " · ".join(f"{label_name(k)} {v}" for k, v in _ordered(counts)) or "nothing"
        blocks.append(context(per_label))
        if oldest:
            blocks.append(section("*Oldest waiting, per label*"))
            lines = [f"{label_name(k)}: {_line(m, now)}" for k, m in _ordered(oldest)]
            blocks.append(literal("\n".join(lines), quote=False))
        blocks.append(context(f"Updated {now:%H:%M} UTC · `{self._settings.command} stats`"))
        return {"type": "home", "blocks": blocks}


_ORDER: dict[Label | None, int] = {label: i for i, label in enumerate(Label)}


def _ordered(d: dict[Label | None, Any]) -> list[tuple[Label | None, Any]]:
    """Labels in their declared order, unclassified last."""
    return sorted(d.items(), key=lambda kv: _ORDER.get(kv[0], 99))


def _age(at: datetime, now: datetime) -> str:
    minutes = int(max(0.0, (now - at).total_seconds()) // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def _line(m: MentionRecord, now: datetime) -> str:
    """Plain text (shown in a rich_text element, so nothing in it is parsed)."""
    line = f"#{m.id} · {m.author_name} · {_age(m.received_at, now)} · {m.text}"
    return clip(" ".join(line.split()), 200, False)  # one line per mention
