"""What every inference path (torch, ONNX Runtime) offers the rest of the bot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from classifiers.config import ClassifierConfig
from models.domain import Prediction


class Classifier(Protocol):
    config: ClassifierConfig

    def logits(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[Prediction]: ...

    def close(self) -> None:
        """Stop any worker threads; the model is not used afterwards."""
        ...
