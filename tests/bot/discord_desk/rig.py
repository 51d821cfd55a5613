"""The Discord desk assembled as the composition root will assemble it, against the fake
Discord: Store + DecisionService + CardDesk + DiscordDesk + the real pipeline stages (classify,
suggest, relay, outbox). Only the model is scripted: ``ScriptedClassifier`` plays the
classifier's part of the ``Classify`` seam and its predictions go through the real
``ClassifyStage`` → ``store.save_predictions``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.chat.desk import CardDesk
from bot.decisions import DecisionService
from bot.discord.desk import DiscordDesk
from bot.discord.settings import DiscordSettings
from bot.metrics import Metrics
from bot.pipeline import Pipeline
from bot.pipeline.classify import Classify, ClassifyStage
from bot.pipeline.outbox import OutboxStage
from bot.pipeline.relay import RelayStage
from bot.pipeline.suggest import SuggestStage
from bot.publish.base import Publishers
from bot.retry import Backoff
from bot.settings import PipelineSettings
from bot.suggest import NoSuggestions
from models.domain import DecisionRecord, Label, Prediction
from models.store import Store
from tests.bot.discord_desk.fake_discord import GUILD_ID, FakeDiscord, user

WATCHED, AUTO, DESK, MODLOG = 100, 101, 200, 300
AGENT_ROLE, MOD_ROLE, ADMIN_ROLE = 11, 12, 13
SPAMMER = user(5001, "Spammer")
MEMBER = user(5002, "Member")
MOD = user(6001, "Maya")
AGENT = user(6002, "Alice")
_SCORE = re.compile(r"\[spam (?P<p>[0-9.]+)\]")


class ScriptedClassifier:
    """Stands in for the model: ``[spam 0.97]`` in a text makes it spam with that probability
    (auto-action above 0.9, like the model's calibrated threshold); anything else is "other"."""

    version = "scripted-1"

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> Prediction:
        found = _SCORE.search(text)
        label, p = (Label.SPAM, float(found["p"])) if found else (Label.OTHER, 0.9)
        rest = (1 - p) / (len(Label) - 1)
        probs = {lab: (p if lab is label else rest) for lab in Label}
        auto = label is Label.SPAM and p >= 0.9
        return Prediction(label, p, probs, False, auto, self.version)


def desk_settings(fake: FakeDiscord, **overrides: Any) -> DiscordSettings:
    return DiscordSettings.model_validate(desk_values(fake, **overrides))


def desk_values(fake: FakeDiscord, **overrides: Any) -> dict[str, Any]:
    """``[discord]`` settings for the fake, as a TOML file would give them."""
    values: dict[str, Any] = {
        "enabled": True,
        "token": "fake-token",
        "api_base": fake.api_base,
        "gateway_url": fake.ws_url,
        "guild_ids": [GUILD_ID],
        "channels": [
            {"id": WATCHED, "auto_remove": False, "threshold": 0.9},
            {"id": AUTO, "auto_remove": True, "threshold": 0.9},
        ],
        "desk_channel_id": DESK,
        "modlog_channel_id": MODLOG,
        "roles": {"agent": [AGENT_ROLE], "moderator": [MOD_ROLE], "admin": [ADMIN_ROLE]},
        "modlog_poll_s": 0.05,
    }
    values.update(overrides)
    return values


def new_fake(**kw: Any) -> FakeDiscord:
    fake = FakeDiscord(
        roles={"agent": AGENT_ROLE, "moderator": MOD_ROLE, "admin": ADMIN_ROLE}, **kw
    )
    for cid, name in (
        (WATCHED, "general"),
        (AUTO, "raid-target"),
        (DESK, "desk"),
        (MODLOG, "mod-log"),
    ):
        fake.channel(cid, name)
    return fake


@dataclass
class Rig:
    fake: FakeDiscord
    store: Store
    desk: DiscordDesk
    decisions: DecisionService
    pipeline: Pipeline


@asynccontextmanager
async def running(
    fake: FakeDiscord,
    store: Store,
    settings: DiscordSettings | None = None,
    classifier: Classify | None = None,
    pipeline_settings: PipelineSettings | None = None,
) -> AsyncIterator[Rig]:
    metrics = Metrics()
    decisions = DecisionService(store, metrics)
    wake: list[Pipeline] = []
    desk = DiscordDesk(
        settings or desk_settings(fake),
        store=store,
        decisions=decisions,
        metrics=metrics,
        on_ingested=lambda: wake[0].nudge("classify") if wake else None,
    )
    s = pipeline_settings or PipelineSettings(poll_interval_s=0.05, lease_s=30, store_retry_s=0.1)
    backoff = Backoff(base=0.02, cap=0.5)
    async with desk:
        cards = CardDesk(store, [desk], metrics, backoff, 3, 0.0)

        async def refresh(d: DecisionRecord) -> None:
            await cards.refresh(d.mention_id, budget=5.0)

        decisions.add_listener(refresh)
        publishers = Publishers({"discord": desk.publisher}, "discord", {})
        stages = [
            ClassifyStage(store, metrics, s, 0, classifier or ScriptedClassifier()),
            SuggestStage(store, metrics, s, 0, NoSuggestions()),
            RelayStage(store, metrics, s, 0, cards, backoff),
            OutboxStage(store, metrics, s, 0, publishers, cards, backoff),
        ]
        async with Pipeline(stages) as pipeline:
            wake.append(pipeline)

            async def nudge(_: DecisionRecord) -> None:
                pipeline.nudge("outbox")

            decisions.add_listener(nudge)
            yield Rig(fake, store, desk, decisions, pipeline)
