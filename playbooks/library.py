"""``Library``: the loaded playbooks, their semantic index and the ranker, ready to suggest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np

from models.domain import Prediction
from playbooks.embedder import Embedder
from playbooks.errors import LintFinding
from playbooks.mention import MentionLike
from playbooks.playbook import Playbook
from playbooks.ranking import Floats, Ranker, Weights
from playbooks.semantic import SemanticIndex
from playbooks.suggest import Suggestion, suggest
from playbooks.topics import TopicModel


class Library:
    """An immutable set of playbooks. Build it with ``playbooks.load_library``."""

    def __init__(
        self,
        playbooks: Sequence[Playbook],
        index: SemanticIndex | None = None,
        *,
        weights: Weights | None = None,
        warnings: Sequence[LintFinding] = (),
        topics: TopicModel | None = None,
    ) -> None:
        self.playbooks = tuple(playbooks)
        self.index = index
        self.topics = topics
        self.warnings = tuple(warnings)
        self.ranker = Ranker(self.playbooks, index, weights or Weights(), topics)
        self._by_id = {p.id: p for p in self.playbooks}
        joined = "\n".join(
            f"{p.id}@{p.version}" for p in sorted(self.playbooks, key=lambda p: p.id)
        )
        self.version = hashlib.sha256(joined.encode()).hexdigest()[:12]

    def __len__(self) -> int:
        return len(self.playbooks)

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self.playbooks)

    def __contains__(self, playbook_id: object) -> bool:
        return playbook_id in self._by_id

    def __getitem__(self, playbook_id: str) -> Playbook:
        return self._by_id[playbook_id]

    def get(self, playbook_id: str) -> Playbook | None:
        return self._by_id.get(playbook_id)

    @property
    def model_id(self) -> str | None:
        """The embedder the example embeddings came from (None: no semantic matching)."""
        return self.index.model_id if self.index is not None else None

    def with_weights(self, weights: Weights) -> Library:
        """The same playbooks and embeddings, ranked with other weights."""
        return self._with(weights, self.topics)

    def with_topics(self, topics: TopicModel | None) -> Library:
        """The same playbooks and embeddings, with another topic model (None: without one)."""
        return self._with(self.ranker.weights, topics)

    def _with(self, weights: Weights, topics: TopicModel | None) -> Library:
        return Library(
            self.playbooks, self.index, weights=weights, warnings=self.warnings, topics=topics
        )

    def embed_mention(self, embedder: Embedder, text: str) -> Floats:
        """The mention's vector for ``suggest`` (one forward pass of ``embedder``)."""
        vector: Floats = self.embed_mentions(embedder, [text])[0]
        return vector

    def embed_mentions(self, embedder: Embedder, texts: Sequence[str]) -> list[Floats]:
        """Vectors for many mentions in batched forward passes of ``embedder``."""
        if self.index is not None and embedder.model_id != self.index.model_id:
            raise ValueError(
                f"embedder {embedder.model_id} is not the one the library was loaded with "
                f"({self.index.model_id})"
            )
        return list(np.asarray(embedder.embed(list(texts)), dtype=np.float32))

    def suggest(
        self,
        mention: MentionLike,
        prediction: Prediction,
        embedding: Floats | None = None,
        k: int = 3,
    ) -> list[Suggestion]:
        """Top ``k`` suggestions for ``mention`` (pure; see ``playbooks.suggest.suggest``)."""
        return suggest(self, mention, prediction, embedding, k)
