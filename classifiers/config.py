"""A saved classifier's configuration: everything except tensors. Imports no torch."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from classifiers.encoders import DEFAULT_ENCODER
from classifiers.errors import ArtifactError
from models.domain import Label

ARTIFACT_DIR = Path(__file__).parent / "artifacts" / "mention-classifier"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "adapter.safetensors"
FORMAT = 1


@dataclass
class LoraSpec:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: list[str] = field(
        default_factory=lambda: [
            "query",
            "key",
            "value",
            "attention.output.dense",
            "intermediate.dense",
            "output.dense",
        ]
    )


@dataclass
class ClassifierConfig:
    encoder_id: str = DEFAULT_ENCODER
    labels: list[str] = field(default_factory=lambda: [lab.value for lab in Label])
    max_length: int = 128
    normalise: bool = False  # links → "http", @-handles → "@user" (see classifiers.text)
    lora: LoraSpec = field(default_factory=LoraSpec)
    temperature: float = 1.0
    biases: dict[str, float] = field(default_factory=dict)  # per label, after 1/T; absent: 0
    thresholds: dict[str, float] = field(default_factory=dict)
    auto_action_threshold: float | None = None
    auto_action_note: str = "not calibrated"
    version: str = "untrained"
    metrics: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ClassifierConfig:
        if raw.get("format") != FORMAT:
            raise ArtifactError(
                f"unsupported model format {raw.get('format')!r}, expected {FORMAT}"
            )
        raw = dict(raw)
        raw["lora"] = LoraSpec(**raw.get("lora", {}))
        try:
            return cls(**raw)
        except TypeError as exc:
            raise ArtifactError(f"bad model config: {exc}") from None

    @classmethod
    def read(cls, directory: Path) -> ClassifierConfig:
        try:
            raw = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"cannot read {directory / CONFIG_FILE}: {exc}") from exc
        return cls.from_dict(raw)

    def write(self, directory: Path) -> None:
        text = json.dumps(asdict(self), indent=2, sort_keys=True)
        (directory / CONFIG_FILE).write_text(text + "\n", encoding="utf-8")
