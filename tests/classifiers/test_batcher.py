"""The micro-batcher merges concurrent callers into one forward pass and keeps their order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest

from classifiers.batcher import MicroBatcher
from classifiers.config import ClassifierConfig
from classifiers.errors import ClassifierError
from classifiers.model import MentionClassifier
from models.domain import Prediction

TEXTS = [
    "@delta lost my luggage twice this month",
    "can I change my seat online?",
    "best crew ever, thank you!",
    "FREE crypto airdrop, connect wallet now",
    "boarding now",
    "why is the app down again",
    "gracias por todo @Iberia",
    "le wifi ne marche pas depuis hier",
]


async def test_concurrent_calls_are_merged_and_kept_in_order(
    shipped_model: MentionClassifier,
) -> None:
    expected = shipped_model.predict(TEXTS)
    async with MicroBatcher(shipped_model, max_batch=32, max_wait=0.05) as batcher:
        results = await asyncio.gather(*(batcher.classify([t]) for t in TEXTS))
    assert [r[0].label for r in results] == [p.label for p in expected]
    for got, want in zip(results, expected, strict=True):
        assert got[0].probabilities == pytest.approx(want.probabilities, abs=1e-5)
    assert batcher.stats.calls == len(TEXTS)
    assert batcher.stats.batches < len(TEXTS)  # merged, not one pass per caller
    assert max(batcher.stats.batch_sizes) > 1


async def test_batch_size_is_bounded(shipped_model: MentionClassifier) -> None:
    async with MicroBatcher(shipped_model, max_batch=3, max_wait=0.05) as batcher:
        results = await asyncio.gather(*(batcher.classify([t]) for t in TEXTS))
    assert len(results) == len(TEXTS)
    assert max(batcher.stats.batch_sizes) <= 3


async def test_multi_text_callers_get_their_own_slice(shipped_model: MentionClassifier) -> None:
    async with MicroBatcher(shipped_model, max_batch=16, max_wait=0.05) as batcher:
        a, b, c = await asyncio.gather(
            batcher.classify(TEXTS[:3]), batcher.classify([]), batcher.classify(TEXTS[3:])
        )
    assert len(a) == 3 and b == [] and len(c) == len(TEXTS) - 3
    assert [p.label for p in a + c] == [p.label for p in shipped_model.predict(TEXTS)]


async def test_bad_input_is_refused_for_that_caller_only(shipped_model: MentionClassifier) -> None:
    async with MicroBatcher(shipped_model) as batcher:
        with pytest.raises(ClassifierError, match="must be strings"):
            await batcher.classify(["fine", None])  # type: ignore[list-item]
        assert len(await batcher.classify(["still works"])) == 1


class _BrokenModel:
    """A classifier whose forward pass fails, as a corrupted model or OOM would."""

    config = ClassifierConfig()

    def logits(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        raise RuntimeError("forward pass exploded")

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[Prediction]:
        raise RuntimeError("forward pass exploded")

    def close(self) -> None:
        pass


async def test_a_failing_forward_pass_fails_every_caller_of_the_batch_and_no_one_hangs() -> None:
    async with MicroBatcher(_BrokenModel(), max_wait=0.05) as batcher:
        results = await asyncio.wait_for(
            asyncio.gather(*(batcher.classify(["x"]) for _ in range(3)), return_exceptions=True), 5
        )
    assert all(isinstance(r, ClassifierError) and "exploded" in str(r) for r in results)


async def test_use_outside_context_is_a_clear_error(shipped_model: MentionClassifier) -> None:
    with pytest.raises(ClassifierError, match="async with"):
        await MicroBatcher(shipped_model).classify(["x"])
