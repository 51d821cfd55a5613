from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from classifiers.config import ARTIFACT_DIR
from classifiers.data import Example, load_examples
from classifiers.evaluate import evaluate
from classifiers.model import MentionClassifier

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "mentions"


@pytest.fixture(scope="session")
def shipped_model() -> MentionClassifier:
    """The committed artifact, loaded exactly as a fresh clone would load it."""
    return MentionClassifier.load(ARTIFACT_DIR)


@pytest.fixture(scope="session")
def dev_path() -> Path:
    path = DATA_DIR / "dev.jsonl"
    if not path.is_file():
        pytest.skip(f"labelled data not found at {path}")
    return path


@pytest.fixture(scope="session")
def dev_examples(dev_path: Path) -> list[Example]:
    """dev.jsonl, read once for the tests that score on it."""
    return load_examples(dev_path)


@pytest.fixture(scope="session")
def dev_report(shipped_model: MentionClassifier, dev_examples: list[Example]) -> dict[str, Any]:
    """The shipped model's evaluation on dev, computed once for the tests that read it."""
    return evaluate(shipped_model, dev_examples)
