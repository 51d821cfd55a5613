"""Scoring every playbook of a library against one mention, vectorised.

    score = label·p(label) + semantic·similarity + topic·p(covered topic)
            + keyword·[hit] + regex·[hit] + priority·prio/100

``p(label)`` is the classifier's probability of the best label the playbook serves; a playbook is
a candidate only when that is at least ``min_label_probability`` and its language, source and
brand filters admit the mention. ``similarity`` blends the best cosine similarity between the
mention and one of the playbook's example mentions with the similarity to their centroid; a
``fallback`` playbook's similarity is at least ``fallback_similarity``, so a catch-all wins only
when no specific playbook matches well. ``p(covered topic)`` is the library's topic model's
probability (``playbooks.topics``) that the mention is about a topic the playbook ``covers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.domain import LABELS, Prediction
from playbooks.keywords import KeywordIndex
from playbooks.playbook import Playbook
from playbooks.semantic import SemanticIndex
from playbooks.topics import TopicModel

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Weights:
    label: float = 1.0
    semantic: float = 1.0
    nearest_share: float = 0.5
    """Semantic similarity = this share × best single example + the rest × playbook centroid."""
    keyword: float = 0.2
    regex: float = 0.2
    priority: float = 0.05
    fallback_similarity: float = 0.3
    fallback_without_embedding: float = 0.1
    """Without a mention embedding the catch-all's floor is lower: any keyword or regex hit wins."""
    min_label_probability: float = 0.05
    topic: float = 1.5
    """Chosen on a held-out third of the training split (not dev): 0 → 1.5 took top-1 from
    0.566 to 0.641 and top-3 from 0.818 to 0.878 there; 1.5-2.0 was a plateau."""


@dataclass(frozen=True, slots=True)
class Scores:
    """Per-playbook components for one mention (arrays in library order)."""

    total: Floats
    label: Floats
    semantic: Floats
    raw_semantic: Floats
    similarities: Floats | None
    keyword_hits: dict[int, str]
    regex_hits: dict[int, str]
    topic: Floats | None = None
    """Per playbook: probability that the mention is about a topic it covers."""


class Ranker:
    """Precomputed arrays and indexes of a library; ``score`` is pure and allocation-light."""

    def __init__(
        self,
        playbooks: Sequence[Playbook],
        index: SemanticIndex | None,
        weights: Weights,
        topics: TopicModel | None = None,
    ) -> None:
        self.playbooks = tuple(playbooks)
        self.index = index
        self.weights = weights
        self.topics = topics
        n = len(self.playbooks)
        self.covers: Floats | None = None
        """``(playbooks, topics)``: 1 where the playbook covers the topic model's topic."""
        if topics is not None:
            self.covers = np.asarray(
                [[t in p.spec.covers for t in topics.topics] for p in self.playbooks],
                dtype=np.float32,
            ).reshape(n, len(topics.topics))
        self.label_mask = np.zeros((n, len(LABELS)), dtype=np.float32)
        for i, playbook in enumerate(self.playbooks):
            for label in playbook.labels:
                self.label_mask[i, LABELS.index(label)] = 1.0
        self.prior = np.asarray(
            [weights.priority * p.spec.priority / 100 for p in self.playbooks], dtype=np.float32
        )
        self.fallback = np.asarray([p.spec.fallback for p in self.playbooks], dtype=bool)
        self.keywords = KeywordIndex([p.spec.match.keywords for p in self.playbooks])
        self.with_regex = [i for i, p in enumerate(self.playbooks) if p.regexes]
        self._filters: dict[tuple[str, str, str], npt.NDArray[np.bool_]] = {}

    def admitted(self, language: str, source: str, brand: str) -> npt.NDArray[np.bool_]:
        """Which playbooks' filters admit a mention (memoised per distinct triple)."""
        key = (language, source.lower(), brand.casefold())
        mask = self._filters.get(key)
        if mask is None:
            mask = np.asarray([_admits(p, *key) for p in self.playbooks], dtype=bool)
            if len(self._filters) < 4096:
                self._filters[key] = mask
        return mask

    def score(
        self,
        prediction: Prediction,
        tokens: Sequence[str],
        text: str,
        admitted: npt.NDArray[np.bool_],
        embedding: Floats | None,
    ) -> Scores:
        w = self.weights
        probs = _probabilities(prediction)
        label = (self.label_mask * probs).max(axis=1)
        candidate = admitted & (label >= w.min_label_probability)
        similarities = None
        semantic = np.zeros(len(self.playbooks), dtype=np.float32)
        if embedding is not None and self.index is not None:
            similarities = self.index.similarities(embedding)
            per_playbook = self.index.per_playbook(
                similarities, embedding, len(self.playbooks), w.nearest_share
            )
            semantic = np.maximum(per_playbook, 0)
        raw_semantic = semantic
        floor = w.fallback_similarity if similarities is not None else w.fallback_without_embedding
        semantic = np.where(self.fallback, np.maximum(semantic, floor), semantic)
        total = w.label * label + w.semantic * semantic + self.prior
        topic = None
        if embedding is not None and self.topics is not None and self.covers is not None:
            topic = self.covers @ self.topics.probabilities(embedding)
            total = total + w.topic * topic
        keyword_hits = {i: k for i, k in self.keywords.matches(tokens).items() if candidate[i]}
        for i in keyword_hits:
            total[i] += w.keyword
        regex_hits: dict[int, str] = {}
        for i in self.with_regex:
            if candidate[i]:
                for pattern in self.playbooks[i].regexes:
                    found = pattern.search(text)  # folded text: lower-case, no accents
                    if found:
                        regex_hits[i] = found.group(0)
                        total[i] += w.regex
                        break
        total = np.where(candidate, total, -np.inf).astype(np.float32)
        return Scores(
            total, label, semantic, raw_semantic, similarities, keyword_hits, regex_hits, topic
        )

    def top(self, scores: Scores, k: int) -> list[int]:
        """Indexes of the ``k`` best candidates, best first (ties: library order)."""
        finite = np.flatnonzero(np.isfinite(scores.total))
        if len(finite) > k:
            part = np.argpartition(-scores.total[finite], k - 1)[:k]
            finite = finite[part]
        order = sorted(finite.tolist(), key=lambda i: (-float(scores.total[i]), i))
        return order[:k]


def _probabilities(prediction: Prediction) -> Floats:
    if prediction.probabilities:
        return np.asarray(
            [prediction.probabilities.get(lab, 0.0) for lab in LABELS], dtype=np.float32
        )
    return np.asarray([1.0 if lab == prediction.label else 0.0 for lab in LABELS], dtype=np.float32)


def _admits(playbook: Playbook, language: str, source: str, brand: str) -> bool:
    match = playbook.spec.match
    if match.languages and language not in match.languages:
        return False
    if match.sources and source not in {s.lower() for s in match.sources}:
        return False
    own = playbook.spec.brand
    return not (brand and own and brand_key(own) != brand_key(brand))


def brand_key(brand: str) -> str:
    """Brands compare by letters and digits only: "Skylark Air", "skylark-air", "SkylarkAir"."""
    return "".join(ch for ch in brand.casefold() if ch.isalnum())
