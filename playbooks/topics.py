"""A learned topic model: which of the library's ``covers`` topics a mention is about.

Example mentions in a playbook are a handful of sentences; a team usually has thousands of
labelled past mentions (e.g. complaints tagged "Lost Luggage", "Late Flight"). ``TopicModel`` is a
multinomial logistic regression over the same sentence embeddings the semantic index uses,
trained on such mentions (``mentionbot playbooks train-topics``). It ships beside the library as
``topics.npz`` — weights only, no mention text — and ranks a playbook by the probability that the
mention is about a topic the playbook ``covers``.

The file records the embedder's ``model_id``: a model trained on other embeddings is refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
TOPICS_FILE = "topics.npz"
C_GRID = (0.3, 1.0, 3.0)


@dataclass(frozen=True, eq=False)
class TopicModel:
    topics: tuple[str, ...]
    coef: Floats
    """``(len(topics), dim)``."""
    intercept: Floats
    model_id: str
    """The embedder the model was trained on (``Embedder.model_id``)."""
    info: dict[str, Any] = field(default_factory=dict)
    """How it was trained: data, counts, regularisation, cross-validated accuracy."""

    def probabilities(self, embedding: Floats) -> Floats:
        """Softmax over topics for one L2-normalised mention vector."""
        logits = self.coef @ np.asarray(embedding, dtype=np.float32) + self.intercept
        logits = logits - logits.max()
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(), dtype=np.float32)

    def save(self, path: Path) -> None:
        meta = {"topics": list(self.topics), "model_id": self.model_id, "info": self.info}
        with path.open("wb") as fh:
            np.savez(
                fh,
                coef=self.coef,
                intercept=self.intercept,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        """Raises ValueError when the file is not a topic model (the loader reports it)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                coef = np.asarray(data["coef"], dtype=np.float32)
                intercept = np.asarray(data["intercept"], dtype=np.float32)
            topics = tuple(str(t) for t in meta["topics"])
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"not a topic model: {exc}") from exc
        if coef.shape[0] != len(topics) or intercept.shape != (len(topics),):
            raise ValueError(f"topic model shapes disagree: {coef.shape}, {intercept.shape}")
        return cls(topics, coef, intercept, str(meta["model_id"]), dict(meta.get("info", {})))


def train_topics(
    vectors: Floats,
    topics: Sequence[str],
    model_id: str,
    *,
    c_grid: Sequence[float] = C_GRID,
    folds: int = 3,
    seed: int = 13,
    info: dict[str, Any] | None = None,
) -> TopicModel:
    """Fit the topic model, choosing the regularisation by ``folds``-fold cross-validated
    accuracy on the training data itself (no development data is looked at)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    y = np.asarray(list(topics))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = {
        c: float(cross_val_score(LogisticRegression(C=c, max_iter=2000), vectors, y, cv=cv).mean())
        for c in c_grid
    }
    best = max(scores, key=lambda c: scores[c])
    model = LogisticRegression(C=best, max_iter=2000).fit(vectors, y)
    details = dict(info or {})
    details.update(
        {
            "examples": len(y),
            "C": best,
            "cv_accuracy": {str(c): round(s, 4) for c, s in scores.items()},
        }
    )
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    if len(model.classes_) == 2:  # sklearn keeps one row for two classes: make it a softmax
        coef = np.concatenate([-coef / 2, coef / 2])
        intercept = np.concatenate([-intercept / 2, intercept / 2])
    return TopicModel(tuple(str(t) for t in model.classes_), coef, intercept, model_id, details)
