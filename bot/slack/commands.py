"""``/mentions``: ``next [label]`` claims the oldest unclaimed waiting mention (of ``label``) and
shows its card to you privately; ``stats`` shows today's counts. Answers are ephemeral."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.decisions import DecisionRequest
from bot.slack.actions import Ack, Actions, Notify, Respond
from bot.slack.blocks import label_name
from bot.slack.settings import SlackSettings
from models.domain import Action, Label
from models.errors import DecisionRefused
from models.store import Store
from models.store.base import utcnow

_RACES = 5


class Commands:
    def __init__(
        self,
        app: AsyncApp,
        store: Store,
        actions: Actions,
        settings: SlackSettings,
    ) -> None:
        self._store = store
        self._actions = actions
        self._settings = settings
        app.command(settings.command)(self.on_command)

    async def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        words = str(body.get("text") or "").split()
        user = str(body["user_id"])

        async def say(text: str) -> None:
            await respond(text=text, response_type="ephemeral")

        if words[:1] == ["next"]:
            await self.next(user, words[1] if len(words) > 1 else None, say, respond)
        elif words[:1] == ["stats"]:
            await say(await self.stats())
        else:
            cmd = self._settings.command
            await say(f"Usage: `{cmd} next [label]` or `{cmd} stats`")

    async def next(self, user: str, word: str | None, say: Notify, respond: Respond) -> None:
        try:
            label = None if word is None else Label(word.lower())
        except ValueError:
            await say(f"Unknown label; use one of {', '.join(x.value for x in Label)}.")
            return
        for _ in range(_RACES):  # someone may claim the same mention first: take the next
            mention = await self._store.oldest_waiting(label, unclaimed=True)
            if mention is None:
                await say(f"Nothing {label.value + ' ' if label else ''}waiting. :tada:")
                return
            request = DecisionRequest(mention.id, Action.CLAIM)
            try:
                await self._actions.decide(user, request)
            except DecisionRefused:
                continue
            except Exception as exc:
                text = await self._actions.explain(user, request, exc)
                if text is None:
                    raise
                await say(text)
                return
            message = await self._actions.private_card(mention.id)
            await respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral")
            return
        await say("Others were faster; try again.")

    async def stats(self) -> str:
        today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        counts = await self._store.counts_since(today)
        waiting = await self._store.waiting_counts()
        done = " · ".join(f"{k} {v}" for k, v in counts.items() if k != "received" and v)
        queue = " · ".join(f"{label_name(k)} {v}" for k, v in waiting.items())
        return (
            f"*Today (UTC)*: {counts['received']} received · decisions: {done or 'none'}\n"
            f"*Waiting now*: {queue or 'nothing'}"
        )
