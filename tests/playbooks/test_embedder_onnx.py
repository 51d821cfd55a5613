"""The bot's sentence encoder is served by ONNX Runtime: same vectors and ``model_id`` as the
torch encoder (so the example cache and the topic model apply), exported once and cached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playbooks import SHIPPED_LIBRARY, MiniLMEmbedder, load_library
from playbooks.embedder_onnx import OnnxSentenceEmbedder

pytestmark = pytest.mark.slow
TEXTS = [
    "@SkylarkAir my bags never arrived https://t.co/x",
    "love the new app!",
    "¿Dónde está mi pedido?",
    "",
    "ma valise n'est jamais arrivée " * 20,
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


def test_onnx_vectors_equal_torch_and_share_the_model_id(
    onnx_cache: Path, minilm: MiniLMEmbedder
) -> None:
    onnx = OnnxSentenceEmbedder(minilm.directory, cache_dir=onnx_cache)
    assert onnx.model_id == minilm.model_id
    got, want = onnx.embed(TEXTS), minilm.embed(TEXTS)
    assert got.shape == want.shape
    assert np.min((got * want).sum(axis=1)) > 0.9999
    assert onnx.embed([]).shape == (0, want.shape[1])
    library = load_library(SHIPPED_LIBRARY, onnx, cache_dir=None)  # the topic model loads
    assert library.topics is not None


def test_the_export_is_cached_and_a_corrupt_cache_rebuilt(
    onnx_cache: Path, minilm: MiniLMEmbedder
) -> None:
    OnnxSentenceEmbedder(minilm.directory, cache_dir=onnx_cache)
    [cached] = list(onnx_cache.glob("*.onnx"))
    stamp = cached.stat().st_mtime_ns
    OnnxSentenceEmbedder(minilm.directory, cache_dir=onnx_cache)
    assert cached.stat().st_mtime_ns == stamp  # loaded, not exported again
    cached.write_bytes(b"garbage")
    again = OnnxSentenceEmbedder(minilm.directory, cache_dir=onnx_cache)
    assert again.embed(["hello"]).shape == (1, 384)


def test_token_ids_are_the_ones_autotokenizer_gives(minilm: MiniLMEmbedder) -> None:
    from transformers import AutoTokenizer

    from playbooks.embedder_onnx import _tokenizer

    reference = AutoTokenizer.from_pretrained(str(minilm.directory))
    want = reference(TEXTS, padding=True, truncation=True, max_length=128)
    got = _tokenizer(minilm.directory, 128).encode_batch(TEXTS)
    assert [e.ids for e in got] == want["input_ids"]
    assert [e.attention_mask for e in got] == want["attention_mask"]


def test_a_cached_encoder_loads_without_torch_or_transformers(
    onnx_cache: Path, minilm: MiniLMEmbedder
) -> None:
    """The bot process then holds neither (~300 MB and seconds of start-up)."""
    OnnxSentenceEmbedder(minilm.directory, cache_dir=onnx_cache)  # the cache exists
    where = f"Path({str(minilm.directory)!r}), cache_dir=Path({str(onnx_cache)!r})"
    code = (
        "import sys; from pathlib import Path;"
        "from playbooks.embedder_onnx import OnnxSentenceEmbedder;"
        f"e = OnnxSentenceEmbedder({where});"
        "assert e.embed(['hello']).shape == (1, 384);"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('torch', 'transformers')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
