"""The naive baseline: a stock ``transformers`` text-classification pipeline, one text at a time.

The pipeline wraps exactly the network ``MentionClassifier.load`` serves: the LoRA-merged encoder,
mean pooling over the attention mask and our linear head. ``BertForSequenceClassification``
classifies from the [CLS] pooler, so a small ``BertPreTrainedModel`` subclass swaps in mean
pooling; the encoder and head weights are shared with the loaded classifier, not copied.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import BertModel, BertPreTrainedModel, pipeline
from transformers import logging as hf_logging
from transformers.modeling_outputs import SequenceClassifierOutput

from classifiers.model import MentionClassifier
from classifiers.network import mean_pool


class MeanPoolBertForSequenceClassification(BertPreTrainedModel):
    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        **_: Any,
    ) -> SequenceClassifierOutput:
        out = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        pooled = mean_pool(out.last_hidden_state, attention_mask)
        return SequenceClassifierOutput(logits=self.classifier(pooled))


def naive_pipeline(model: MentionClassifier) -> Any:
    """``pipeline("text-classification")`` over ``model``'s merged network, raw logits out."""
    config: Any = model.net.encoder.config
    config.num_labels = len(model.config.labels)
    config.id2label = dict(enumerate(model.config.labels))
    config.label2id = {name: i for i, name in enumerate(model.config.labels)}
    wrapped: Any = MeanPoolBertForSequenceClassification(config)
    encoder_state = {
        k: v for k, v in model.net.encoder.state_dict().items() if not k.startswith("pooler.")
    }
    wrapped.bert.load_state_dict(encoder_state, assign=True)
    wrapped.classifier.load_state_dict(model.net.head.state_dict(), assign=True)
    hf_logging.set_verbosity_error()  # "not a supported model for text-classification": it works
    return pipeline(
        "text-classification",
        model=wrapped.eval(),
        tokenizer=model.tokenizer,
        device="cpu",
        top_k=None,
        function_to_apply="none",
        truncation=True,
        max_length=model.config.max_length,
    )


def pipeline_logits(pipe: Any, labels: list[str], texts: list[str]) -> list[list[float]]:
    """One row of raw logits per text, in ``labels`` order."""
    rows = []
    for scores in pipe(texts):
        by_label = {d["label"]: float(d["score"]) for d in scores}
        rows.append([by_label[name] for name in labels])
    return rows
