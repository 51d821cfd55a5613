"""Example-mention embeddings of a library, computed once and cached on disk.

All examples of all playbooks form one ``(n_examples, dim)`` matrix; ``owners[i]`` is the index
of the playbook example ``i`` belongs to, sorted so each playbook's examples are contiguous.
Scoring a mention is then one matrix-vector product and a segmented max (``np.maximum.reduceat``).

The cache key is the embedder's ``model_id`` plus every example text, so editing a reply does
not re-embed, and editing an example does.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from playbooks.embedder import Embedder, Vectors, normalise_rows
from playbooks.playbook import Playbook

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mentionbot" / "playbooks"
)


@dataclass(frozen=True, eq=False)
class SemanticIndex:
    """Example embeddings of a library, laid out for a single matrix-vector product."""

    model_id: str
    vectors: Vectors
    examples: tuple[str, ...]
    starts: npt.NDArray[np.intp]
    """Start row of each playbook that has examples (for ``np.maximum.reduceat``)."""
    with_examples: npt.NDArray[np.intp]
    """Indexes (in library order) of the playbooks that have examples."""
    centroids: Vectors
    """Per playbook with examples: the normalised mean of its example vectors (its topic)."""

    @classmethod
    def build(
        cls, playbooks: Sequence[Playbook], embedder: Embedder, cache_dir: Path | None
    ) -> SemanticIndex:
        examples: list[str] = []
        starts: list[int] = []
        with_examples: list[int] = []
        for index, playbook in enumerate(playbooks):
            if playbook.spec.match.examples:
                starts.append(len(examples))
                with_examples.append(index)
                examples.extend(playbook.spec.match.examples)
        vectors = _cached_embeddings(examples, embedder, cache_dir)
        bounds = [*starts, len(examples)]
        means = [vectors[a:b].mean(axis=0) for a, b in itertools.pairwise(bounds)]
        centroids = normalise_rows(np.stack(means)) if means else np.zeros((0, 1), np.float32)
        return cls(
            embedder.model_id,
            vectors,
            tuple(examples),
            np.asarray(starts, dtype=np.intp),
            np.asarray(with_examples, dtype=np.intp),
            centroids,
        )

    def similarities(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Cosine similarity of ``query`` (L2-normalised) to every example.

        ``einsum`` rather than ``@``: a matrix-vector product this small is ~30 µs single-threaded,
        but BLAS spreads it over threads, which on a busy 2-core host costs milliseconds.
        """
        sims: npt.NDArray[np.float32] = np.einsum("ij,j->i", self.vectors, query)
        return sims

    def per_playbook(
        self,
        sims: npt.NDArray[np.float32],
        query: npt.NDArray[np.float32],
        n_playbooks: int,
        max_share: float,
    ) -> npt.NDArray[np.float32]:
        """Per playbook: ``max_share`` × best example similarity + the rest × similarity to the
        playbook's centroid (0 for playbooks without examples)."""
        best = np.zeros(n_playbooks, dtype=np.float32)
        if len(self.starts):
            nearest = np.maximum.reduceat(sims, self.starts)
            topic = np.einsum("ij,j->i", self.centroids, query)
            best[self.with_examples] = max_share * nearest + (1.0 - max_share) * topic
        return best

    def best_example(self, sims: npt.NDArray[np.float32], playbook_index: int) -> str | None:
        """The example of playbook ``playbook_index`` closest to the query (None: no examples)."""
        slot = int(np.searchsorted(self.with_examples, playbook_index))
        if slot >= len(self.with_examples) or self.with_examples[slot] != playbook_index:
            return None
        start = int(self.starts[slot])
        end = int(self.starts[slot + 1]) if slot + 1 < len(self.starts) else len(sims)
        return self.examples[start + int(np.argmax(sims[start:end]))]


def _cached_embeddings(examples: list[str], embedder: Embedder, cache_dir: Path | None) -> Vectors:
    digest = hashlib.sha256(embedder.model_id.encode())
    for text in examples:
        digest.update(b"\x00" + text.encode("utf-8"))
    path = cache_dir / f"examples-{digest.hexdigest()[:24]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape[0] == len(examples):
                return np.asarray(cached, dtype=np.float32)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable embedding cache %s: %s", path, exc)
    vectors = normalise_rows(embedder.embed(examples)) if examples else np.zeros((0, 1), np.float32)
    if path is not None:
        _write_atomic(path, vectors)
    return vectors


def _write_atomic(path: Path, vectors: Vectors) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            np.save(tmp, vectors, allow_pickle=False)
        os.replace(tmp.name, path)
    except OSError as exc:  # a read-only home must not stop the bot
        log.warning("cannot write embedding cache %s: %s", path, exc)
