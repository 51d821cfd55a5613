"""Fixtures for the playbook tests: file writers, mentions, predictions and embedders.

``HashingEmbedder`` is a small deterministic embedder (hashed words and character trigrams) for
tests where semantics are not under test; tests of semantic matching use the real MiniLM.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from models.domain import Label, NewMention, Prediction
from playbooks import MiniLMEmbedder
from playbooks.embedder import Vectors, normalise_rows

DIM = 256


class HashingEmbedder:
    """Bag of hashed words and character trigrams, L2-normalised. Deterministic, no model."""

    model_id = "test-hashing-256"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            grams = [w for w in words] + [w[i : i + 3] for w in words for i in range(len(w) - 2)]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % DIM] += 1.0
        out[:, 0] += 1e-3  # no all-zero rows
        return normalise_rows(out)


def mention(
    text: str,
    *,
    language: str | None = "en",
    source: str = "x",
    brand: str | None = None,
    author: str = "Dana",
    url: str | None = "https://x.example/status/1",
) -> NewMention:
    return NewMention(
        source=source,
        external_id="1",
        author_id="u1",
        author_name=author,
        text=text,
        url=url,
        language=language,
        created_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        brand=brand,
    )


def predicted(label: str, confidence: float = 1.0) -> Prediction:
    chosen = Label(label)
    rest = (1.0 - confidence) / 4
    probs = {lab: (confidence if lab == chosen else rest) for lab in Label}
    return Prediction(chosen, confidence, probs, False, False, "test")


VALID = """\
id: {id}
title: Test playbook
owner: tests
labels: [complaint]
match:
  keywords: [widget]
  examples: ["the widget broke"]
variables:
  mention: [author]
replies:
  en:
    - "Hi {{{{ author }}}}, sorry about the widget."
"""


def valid_playbook(playbook_id: str = "test.one") -> str:
    return VALID.format(id=playbook_id)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` (dedented) to ``tmp_path/name``; returns the directory."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path

    return _write


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    from classifiers.encoders import encoder_path

    return MiniLMEmbedder(encoder_path("sentence-transformers/all-MiniLM-L6-v2"), threads=1)
