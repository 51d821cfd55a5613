"""classified → suggested: ask the suggester for replies and store them.

``save_suggestions`` replaces a mention's suggestions, so a retry after a crash never
duplicates them. A suggester that raises does not hold the mention up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from bot.metrics import Metrics
from bot.pipeline.stage import Stage, Step, as_prediction
from bot.settings import PipelineSettings
from bot.suggest import NoSuggestions, Suggester
from models.domain import JSONDict, MentionHistory, NewSuggestion, Status
from models.errors import LeaseLost
from models.store import Store

log = logging.getLogger(__name__)


class SuggestStage(Stage):
    name = "suggest"
    next_stage = "relay"

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        settings: PipelineSettings,
        n: int,
        suggester: Suggester,
    ) -> None:
        super().__init__(store, metrics, settings, n)
        self._suggester = suggester

    async def step(self) -> Step:
        s = self.settings
        batch = await self.store.claim(Status.CLASSIFIED, self.worker, s.batch_size, s.lease_s)
        if not batch:
            return Step(0)
        started = time.perf_counter()
        if isinstance(self._suggester, NoSuggestions):  # nothing to read, nothing to save
            await self.store.advance_many([m.id for m in batch], self.worker, Status.SUGGESTED)
            self.metrics.stage_seconds.labels(self.name).observe(time.perf_counter() - started)
            return Step(len(batch))
        histories = await self.store.get_mentions([m.id for m in batch])
        found = await self._suggest(histories)
        details: dict[int, JSONDict] = {}
        for mention_id, history in histories.items():
            suggestions, error = found[mention_id]
            detail: JSONDict = {"suggestions": len(suggestions)}
            if error is not None:
                detail["error"] = error
            if suggestions or history.suggestions:  # replace what an earlier attempt saved
                try:
                    await self.store.save_suggestions(mention_id, suggestions, worker=self.worker)
                except LeaseLost:
                    continue
            details[mention_id] = detail
        await self.store.advance_many(list(details), self.worker, Status.SUGGESTED, details)
        self.metrics.stage_seconds.labels(self.name).observe(time.perf_counter() - started)
        return Step(len(batch))

    async def _suggest(
        self, histories: Mapping[int, MentionHistory]
    ) -> dict[int, tuple[list[NewSuggestion], str | None]]:
        """Suggestions per mention: one batched call; if it fails, one call per mention so a
        broken playbook holds up (without suggestions) only the mentions it breaks on."""
        items = [
            (h.mention, as_prediction(h.prediction) if h.prediction else None)
            for h in histories.values()
        ]
        try:
            batch = await self._suggester.suggest_many(items)
            return {m.id: (s, None) for (m, _), s in zip(items, batch, strict=True)}
        except Exception:
            log.exception("batched suggestion failed; retrying one by one")
        out: dict[int, tuple[list[NewSuggestion], str | None]] = {}
        for mention, prediction in items:
            try:
                out[mention.id] = (await self._suggester.suggest(mention, prediction), None)
            except Exception as exc:  # a broken playbook must not hold the mention up
                log.exception("suggester failed", extra={"mention_id": mention.id})
                self.metrics.failures.labels(self.name, "suggester").inc()
                out[mention.id] = ([], f"{type(exc).__name__}: {exc}"[:500])
        return out
