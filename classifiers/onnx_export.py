"""Export a loaded ``MentionClassifier`` to ONNX and quantize it to per-channel int8.

Build-time only: this module imports torch. The serving path (``classifiers.fast``) imports it
lazily, once, when its ONNX cache is missing.

Quantization is dynamic (int8 weights, activations quantized per call) and per-channel: on
MiniLM, per-tensor int8 keeps a mean embedding cosine of only ~0.95 to fp32, per-channel ~0.99.
The word-embedding table is not in the graph. The graph takes ``inputs_embeds`` (the table's
rows for the text's token ids) and the serving path looks the rows up itself, in an fp32 copy of
the table saved beside the graph (``table_path``) and memory-mapped, so a process holds only the
pages of the tokens it has seen. For multilingual-e5-small the table is 250,037 × 384: 384 MB in
fp32, 96 MB even in int8, against ~20 MB for the rest of the int8 network. Its rows are exact,
not int8 (on e5, an int8 table alone moved argmax agreement with torch from 0.972 to 0.962).

Some feed-forward output projections stay in fp32 (``FP32_FEED_FORWARD_OUTPUTS``, per encoder):
their input, the GELU activations, has the widest range, so one dynamic int8 scale for the whole
tensor costs them the most precision. Measured on all of dev, one text per run, as argmax
agreement with torch and largest probability difference:
- MiniLM: all int8 0.988 / 0.241; layer 0's in fp32 0.989 / 0.170 for ~10 % of the throughput;
  all six in fp32 0.993 / 0.125 but about half the throughput. Layer 0 only.
- e5 (fp32 embedding rows): all int8 0.972 / 0.488; layers 0-3 in fp32 0.974, layers 8-11
  0.970; all twelve 0.991 / 0.125, at ~110 instead of ~165 texts/s per core. All twelve.
  The error is the activations' (int8 weights with fp32 activations: 0.992). Also measured, not
  used: SmoothQuant-style channel scaling (alpha 0.5) 0.964; per-token int8 activations built
  from ONNX ops 0.990 / 0.168 at ~136 texts/s.
"""

from __future__ import annotations

import logging
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from classifiers.encoders import E5_SMALL, MINILM_L6
from classifiers.errors import ArtifactError
from classifiers.fast import table_path
from classifiers.model import MentionClassifier
from classifiers.network import MentionNet, mean_pool

INPUTS = ("inputs_embeds", "attention_mask")
OUTPUT = "logits"
OPSET = 17
# Layers whose feed-forward output projection stays fp32, per base encoder; None: every layer
# (also for encoders not measured yet: the faithful choice).
FP32_FEED_FORWARD_OUTPUTS: dict[str, tuple[int, ...] | None] = {MINILM_L6: (0,), E5_SMALL: None}
_FEED_FORWARD_OUTPUT = re.compile(r".*/layer\.(\d+)/output/dense/MatMul")  # not attention/output
# Texts used to trace the graph and to check it. The trace batch must contain padding, or the
# attention-mask path could be specialised away; the check batch differs in batch and length.
_TRACE_TEXTS = ("a short one", "a noticeably longer mention text, so that the first is padded")
_CHECK_TEXTS = (
    "@brand my order never arrived and support ignores me",
    "love it!",
    "¿Dónde puedo comprar el modelo nuevo?",
    "",
    "Service client injoignable depuis trois jours, c'est inadmissible.",
)
_CHECK_TOLERANCE = 1e-3


def export_onnx(model: MentionClassifier, path: Path, quantize: bool = True) -> Path:
    """Write ``model``'s network as ONNX to ``path`` (int8 when ``quantize``); return ``path``.

    Inputs ``inputs_embeds`` (float32, batch × sequence × hidden: rows of the word-embedding
    table, written to ``table_path(path)``) and ``attention_mask`` (int64), output ``logits``
    (float32, batch × labels). The fp32 graph is checked against torch before quantization; a
    mismatch raises ``ArtifactError``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    table = word_embeddings(model)
    with tempfile.TemporaryDirectory(prefix="onnx-export-", dir=path.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        _export_fp32(model, fp32)
        _check_against_torch(model, fp32, table)
        if quantize:
            _quiet_root_logger_warning()
            quantize_dynamic(
                fp32,
                path,
                per_channel=True,
                weight_type=QuantType.QInt8,
                nodes_to_exclude=_excluded_nodes(fp32, model.config.encoder_id),
            )
        else:
            fp32.replace(path)
    with table_path(path).open("wb") as handle:
        np.save(handle, table)
    return path


def word_embeddings(model: MentionClassifier) -> np.ndarray:
    encoder: Any = model.net.encoder
    weight: torch.Tensor = encoder.get_input_embeddings().weight
    return np.ascontiguousarray(weight.detach().float().numpy())


class _FromEmbeddings(torch.nn.Module):
    """``MentionNet`` with the word-embedding lookup left to the caller."""

    def __init__(self, net: MentionNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.net.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
        logits: torch.Tensor = self.net.head(mean_pool(out.last_hidden_state, attention_mask))
        return logits


def _excluded_nodes(graph: Path, encoder_id: str) -> list[str]:
    layers = FP32_FEED_FORWARD_OUTPUTS.get(encoder_id)
    excluded = []
    for node in onnx.load(str(graph), load_external_data=False).graph.node:
        match = _FEED_FORWARD_OUTPUT.fullmatch(node.name)
        if match and (layers is None or int(match.group(1)) in layers):
            excluded.append(node.name)
    return excluded


class _DropPreprocessingHint(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "consider to run pre-processing" not in record.getMessage()


def _quiet_root_logger_warning() -> None:
    """quantize_dynamic logs a pre-processing hint on the root logger; it does not apply here.

    (``quant_pre_process`` fails on this graph: incomplete symbolic shape inference.)
    """
    root = logging.getLogger()
    if not any(isinstance(f, _DropPreprocessingHint) for f in root.filters):
        root.addFilter(_DropPreprocessingHint())


def _export_fp32(model: MentionClassifier, path: Path) -> None:
    net = _FromEmbeddings(model.net).eval()  # export restores this mode on the whole net
    encoder: Any = model.net.encoder  # a transformers PreTrainedModel (untyped)
    previous = encoder.config._attn_implementation
    batch = model.encode(list(_TRACE_TEXTS))
    embeds = encoder.get_input_embeddings()(batch["input_ids"])
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS}
    try:
        # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses at load.
        encoder.set_attn_implementation("eager")
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # tracer and legacy-exporter deprecation chatter
            torch.onnx.export(
                net,
                (embeds, batch["attention_mask"]),
                str(path),
                input_names=list(INPUTS),
                output_names=[OUTPUT],
                dynamic_axes={**axes, OUTPUT: {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,  # the dynamo exporter needs onnxscript, which we do not ship
            )
    finally:
        encoder.set_attn_implementation(previous)


def _check_against_torch(model: MentionClassifier, path: Path, table: np.ndarray) -> None:
    batch = model.encode(list(_CHECK_TEXTS))
    with torch.inference_mode():
        expected = model.net(batch["input_ids"], batch["attention_mask"]).float().numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {
        "inputs_embeds": table[batch["input_ids"].numpy()],
        "attention_mask": batch["attention_mask"].numpy().astype(np.int64),
    }
    got = session.run([OUTPUT], feed)[0]
    diff = float(np.abs(got - expected).max())
    if diff > _CHECK_TOLERANCE:
        raise ArtifactError(f"ONNX export does not reproduce torch logits (max diff {diff:.2e})")
