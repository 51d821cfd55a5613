"""Export a loaded ``MentionClassifier`` to ONNX and quantize it to per-channel int8.

Build-time only: this module imports torch. The serving path (``classifiers.fast``) imports it
lazily, once, when its ONNX cache is missing.

Quantization is dynamic (int8 weights, activations quantized per call) and per-channel: on
MiniLM, per-tensor int8 keeps a mean embedding cosine of only ~0.95 to fp32, per-channel ~0.99.
Node names listed in ``EXCLUDE_FROM_QUANTIZATION`` stay in fp32: the first layer's feed-forward
output projection, whose input (the GELU activations) has the widest range, so one dynamic int8
scale for the whole tensor costs it the most precision. Measured on the shipped model and all of
dev (one text per run): all quantized, argmax agreement with torch 0.988, largest probability
difference 0.241; that one matmul in fp32, 0.989 and 0.170, for ~10 % of the throughput (all
six feed-forward outputs in fp32: 0.993 and 0.125, but ~35 % slower).
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from classifiers.errors import ArtifactError
from classifiers.model import MentionClassifier

INPUTS = ("input_ids", "attention_mask")
OUTPUT = "logits"
OPSET = 17
EXCLUDE_FROM_QUANTIZATION: tuple[str, ...] = ("/encoder/encoder/layer.0/output/dense/MatMul",)
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

    Inputs ``input_ids`` and ``attention_mask`` (int64, dynamic batch and sequence axes),
    output ``logits`` (float32, batch × labels). The fp32 graph is checked against torch before
    quantization; a mismatch raises ``ArtifactError``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="onnx-export-", dir=path.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        _export_fp32(model, fp32)
        _check_against_torch(model, fp32)
        if quantize:
            _quiet_root_logger_warning()
            quantize_dynamic(
                fp32,
                path,
                per_channel=True,
                weight_type=QuantType.QInt8,
                nodes_to_exclude=list(EXCLUDE_FROM_QUANTIZATION),
            )
        else:
            fp32.replace(path)
    return path


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
    net = model.net.eval()
    encoder: Any = net.encoder  # a transformers PreTrainedModel (untyped)
    previous = encoder.config._attn_implementation
    batch = model.encode(list(_TRACE_TEXTS))
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
    try:
        # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses at load.
        encoder.set_attn_implementation("eager")
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # tracer and legacy-exporter deprecation chatter
            torch.onnx.export(
                net,
                (batch["input_ids"], batch["attention_mask"]),
                str(path),
                input_names=list(INPUTS),
                output_names=[OUTPUT],
                dynamic_axes={**axes, OUTPUT: {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,  # the dynamo exporter needs onnxscript, which we do not ship
            )
    finally:
        encoder.set_attn_implementation(previous)


def _check_against_torch(model: MentionClassifier, path: Path) -> None:
    batch = model.encode(list(_CHECK_TEXTS))
    with torch.inference_mode():
        expected = model.net(batch["input_ids"], batch["attention_mask"]).float().numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {name: batch[name].numpy().astype(np.int64) for name in INPUTS}
    got = session.run([OUTPUT], feed)[0]
    diff = float(np.abs(got - expected).max())
    if diff > _CHECK_TOLERANCE:
        raise ArtifactError(f"ONNX export does not reproduce torch logits (max diff {diff:.2e})")
