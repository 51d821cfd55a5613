"""Sentence embeddings for semantic matching. The model is passed in; playbooks loads no model.

``Embedder`` is what the library needs. ``MiniLMEmbedder`` is the concrete one the bot builds
from the all-MiniLM-L6-v2 directory (``classifiers.encoders.encoder_path(...)``): mean pooling
over the last hidden state, L2-normalised, under ``torch.inference_mode``. torch and
transformers are imported when it is constructed, not when ``playbooks`` is imported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors of shape ``(len(texts), dim)``."""

    @property
    def model_id(self) -> str:
        """Identifies the model and its preprocessing (part of the embedding cache key)."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def semantic_text(text: str) -> str:
    """What is embedded: @-handles and links removed (they name the brand, not the problem)."""
    stripped = _URL.sub(" ", _HANDLE.sub(" ", text))
    return " ".join(stripped.split()) or text.strip()


def sentence_model_id(directory: Path, max_length: int) -> str:
    """The id of a sentence encoder's vectors: its config, truncation and preprocessing."""
    config = (directory / "config.json").read_bytes()
    digest = hashlib.sha256(config + str(max_length).encode()).hexdigest()[:12]
    return f"{directory.name}:{digest}:mean-l2:strip-handles"


def length_chunks(texts: Sequence[str], batch_size: int) -> Iterator[list[int]]:
    """Indexes of ``texts`` in chunks of similar length (little padding per forward pass)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def normalise_rows(vectors: npt.NDArray[Any]) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.asarray(array / np.maximum(norms, 1e-12), dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (or any BERT-style encoder directory) with mean pooling."""

    def __init__(
        self,
        directory: Path,
        *,
        max_length: int = 128,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if threads is not None:
            torch.set_num_threads(threads)
        self.directory = Path(directory)
        self.max_length = max_length
        self.batch_size = batch_size
        self._torch = torch
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(self.directory))
        self._model: Any = AutoModel.from_pretrained(str(self.directory)).eval()
        self._model_id = sentence_model_id(self.directory, max_length)

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, int(self._model.config.hidden_size)), dtype=np.float32)
        cleaned = [semantic_text(t) for t in texts]
        out = np.zeros((len(cleaned), int(self._model.config.hidden_size)), dtype=np.float32)
        torch = self._torch
        with torch.inference_mode():
            for chunk in length_chunks(cleaned, self.batch_size):
                batch = self._tokenizer(
                    [cleaned[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)
                out[chunk] = pooled.numpy()
        return normalise_rows(out)
