"""The network: a transformer encoder, mean pooling and a linear head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import AutoModel


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-6)


class MentionNet(nn.Module):
    """``encoder`` → mean pooling → dropout → linear head → one logit per label."""

    def __init__(self, encoder: nn.Module, hidden_size: int, n_labels: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        pooled = mean_pool(out.last_hidden_state, attention_mask)
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return logits


def load_encoder(path: Path) -> tuple[nn.Module, int]:
    encoder: Any = AutoModel.from_pretrained(str(path))
    return encoder, int(encoder.config.hidden_size)
