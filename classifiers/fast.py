"""``OnnxMentionClassifier``: the serving path. ONNX Runtime + ``tokenizers``, no torch.

Same inference interface as ``MentionClassifier`` (``config``, ``logits``, ``predict``) and the
same token ids (the encoder's ``tokenizer.json``, truncated to ``config.max_length``, padded to
the longest text of each length-sorted batch). A unigram vocabulary (XLM-R's 250k pieces, for
e5) is read by ``classifiers.unigram`` instead of ``tokenizers``, which would hold ~280 MB for it.
The graph takes word embeddings, not ids: their rows come from the fp32 table saved beside the
graph, memory-mapped (``classifiers.onnx_export``).

``from_artifact`` builds the int8 ONNX file from a saved model once and caches it outside the
repository. The cache file name holds everything the graph depends on: the model version, the
sha256 of ``adapter.safetensors``, the onnxruntime version and ``EXPORT_REVISION``. Both files
are written to temporary names and renamed, the table first, so a crash mid-build never leaves a
half-written cache; a cache that does not load is rebuilt.

The session classifies one text per run by default (``session_batch=1``). Dynamic int8
quantization scales each matmul's input over the whole batch tensor, so in a shared batch a
text's probabilities depend on its batch-mates and padding (up to 0.19 on dev, 1.2% of labels
flipped, measured); one text per run makes every result a function of its text alone, as on the
torch path. On short mentions and 2 cores it costs no throughput (see ``bench/``).

Cores are used by running the session from several threads at once (``workers``, one per core),
each run single-threaded, not by splitting one run over intra-op threads: a mention is ~30
tokens, too little work to split (measured on 2 cores: a 2-thread session 286 texts/s, a 1-thread
session 320, two runs side by side 630). ``InferenceSession.run`` is thread-safe and releases the
GIL, and the weights are loaded once. A call with one text uses one worker; larger calls are
spread over all of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from classifiers.config import WEIGHTS_FILE, ClassifierConfig
from classifiers.encoders import encoder_path
from classifiers.predictions import calibrated, to_predictions
from classifiers.text import model_input
from classifiers.unigram import UnigramTokenizer, unsupported
from models.domain import Label, Prediction

log = logging.getLogger(__name__)

STALE_TEMPORARY_S = 3600.0  # a build takes about a minute; a temporary this old is orphaned
EXPORT_REVISION = 4  # bump when the export or quantization recipe changes
DEFAULT_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mentionbot" / "onnx"
)


class OnnxMentionClassifier:
    """Classify mention texts with an ONNX Runtime session run by ``workers`` threads."""

    def __init__(
        self,
        config: ClassifierConfig,
        session: ort.InferenceSession,
        table: np.ndarray,
        session_batch: int = 1,
        workers: int = 1,
    ) -> None:
        if session_batch < 1 or workers < 1:
            raise ValueError("session_batch and workers must be >= 1")
        self.config = config
        self.session = session
        self.session_batch = session_batch  # >1 trades batch-independence for fewer runs
        self.workers = workers
        self.labels = [Label(name) for name in config.labels]
        self.table = table  # word embeddings, memory-mapped: rows are read as tokens need them
        self.tokenizer = load_tokenizer(config)
        self._pool = ThreadPoolExecutor(workers, "onnx") if workers > 1 else None

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_onnx(
        cls, onnx_path: Path, config: ClassifierConfig, workers: int = 2, session_batch: int = 1
    ) -> OnnxMentionClassifier:
        return cls(config, make_session(onnx_path), load_table(onnx_path), session_batch, workers)

    @classmethod
    def from_artifact(
        cls,
        artifact_dir: Path,
        cache_dir: Path = DEFAULT_CACHE_DIR,
        workers: int = 2,
        session_batch: int = 1,
    ) -> OnnxMentionClassifier:
        """Load a saved model through its cached int8 ONNX file, building the file if needed.

        ``workers`` threads run the session side by side: give it the cores to use.
        """
        config = ClassifierConfig.read(artifact_dir)
        path = cache_path(artifact_dir, config, cache_dir)
        if path.is_file():
            try:
                return cls(config, make_session(path), load_table(path), session_batch, workers)
            except Exception as exc:  # onnxruntime's load errors derive from Exception only
                log.warning("ONNX cache %s does not load (%s); rebuilding", path, exc)
                path.unlink(missing_ok=True)
        build_cache(artifact_dir, path)
        return cls(config, make_session(path), load_table(path), session_batch, workers)

    def close(self) -> None:
        """Stop the worker threads (the session is freed with the object)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    # ---- inference ----------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The session's inputs for texts already passed through ``model_input``."""
        batch = self.tokenizer.encode_batch(texts)
        embeds = self.table[batch["input_ids"]]  # fancy indexing copies: a plain array
        return {"inputs_embeds": embeds, "attention_mask": batch["attention_mask"]}

    def logits(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Raw logits, shape (len(texts), n_labels). Batches are sorted by length to pad less.

        ``batch_size`` is accepted for interface parity; runs hold at most ``session_batch``.
        """
        cleaned = [model_input(t, self.config.normalise) for t in texts]
        order = sorted(range(len(cleaned)), key=lambda i: len(cleaned[i]))
        out = np.zeros((len(cleaned), len(self.labels)), dtype=np.float32)
        size = max(1, min(batch_size, self.session_batch))
        runs = [order[start : start + size] for start in range(0, len(order), size)]
        if self._pool is None or len(runs) < 2:
            self._run(runs, cleaned, out)
            return out
        # Worker k takes runs k, k+n, k+2n…: similar lengths, so similar work per worker.
        n = self.workers
        jobs = [self._pool.submit(self._run, runs[k::n], cleaned, out) for k in range(n)]
        for job in jobs:
            job.result()  # re-raises a worker's error here
        return out

    def _run(self, runs: Sequence[list[int]], cleaned: Sequence[str], out: np.ndarray) -> None:
        for idx in runs:  # each worker writes its own rows of ``out``
            out[idx] = self.session.run(["logits"], self.encode([cleaned[i] for i in idx]))[0]

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        return calibrated(self.config, logits)

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[Prediction]:
        if not texts:
            return []
        return to_predictions(self.config, texts, self.logits(texts, batch_size))


class _FastTokenizer:
    """``tokenizers``' own tokenizer, truncating to ``max_length`` and padding to the longest."""

    def __init__(self, tokenizer: Tokenizer, max_length: int) -> None:
        pad = tokenizer.padding or {"pad_id": 0, "pad_token": "[PAD]", "pad_type_id": 0}
        tokenizer.enable_truncation(max_length=max_length)
        tokenizer.enable_padding(
            pad_id=pad["pad_id"], pad_token=pad["pad_token"], pad_type_id=pad["pad_type_id"]
        )  # no ``length``: pad to the longest text of the batch, not to a fixed size
        self.tokenizer = tokenizer

    def encode_batch(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        encodings = self.tokenizer.encode_batch(list(texts))
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }


def load_tokenizer(config: ClassifierConfig) -> _FastTokenizer | UnigramTokenizer:
    """The encoder's tokenizer: ``encode_batch(texts)`` → padded ids and attention mask."""
    text = (encoder_path(config.encoder_id) / "tokenizer.json").read_text(encoding="utf-8")
    spec = json.loads(text)
    if spec["model"]["type"] == "Unigram" and not unsupported(spec):
        return UnigramTokenizer(spec, config.max_length)
    return _FastTokenizer(Tokenizer.from_str(text), config.max_length)


def table_path(graph: Path) -> Path:
    """Where the fp32 word-embedding table of the graph at ``graph`` lives (``.npy``)."""
    return graph.with_name(graph.name + ".embeddings.npy")


def load_table(graph: Path) -> np.ndarray:
    """The graph's word-embedding table, memory-mapped read-only."""
    table: np.ndarray = np.load(table_path(graph), mmap_mode="r")
    if table.ndim != 2 or table.dtype != np.float32:
        raise ValueError(f"{table_path(graph)}: not a float32 embedding table")
    return table


def make_session(path: Path) -> ort.InferenceSession:
    """A single-threaded session: cores are used by running it from several threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle worker threads sleep instead of spinning: the bot shares two cores with its event loop.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def cache_path(artifact_dir: Path, config: ClassifierConfig, cache_dir: Path) -> Path:
    digest = hashlib.sha256()
    with (artifact_dir / WEIGHTS_FILE).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    version = re.sub(r"[^A-Za-z0-9._-]+", "_", config.version)[:64]
    key = f"{version}-{digest.hexdigest()[:16]}-ort{ort.__version__}-r{EXPORT_REVISION}"
    return cache_dir / f"mention-classifier-{key}.int8.onnx"


def remove_stale_temporaries(directory: Path, older_than_s: float = STALE_TEMPORARY_S) -> None:
    """Delete what builds killed mid-way left (e5's table alone is 384 MB); live ones are young."""
    cutoff = time.time() - older_than_s
    for leftover in directory.glob(".mention-classifier-*.tmp*"):
        with contextlib.suppress(OSError):  # another process may remove it first
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def build_cache(artifact_dir: Path, path: Path) -> None:
    """Export ``artifact_dir``'s model to ``path`` atomically. Imports torch (lazily)."""
    from classifiers.model import MentionClassifier  # torch only when building
    from classifiers.onnx_export import export_onnx

    log.info("building ONNX cache %s from %s", path, artifact_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        export_onnx(MentionClassifier.load(artifact_dir), tmp, quantize=True)
        for written, final in ((table_path(tmp), table_path(path)), (tmp, path)):
            with written.open("rb") as handle:
                os.fsync(handle.fileno())
            written.chmod(0o644)  # mkstemp makes it 0600; the cache may be shared by users
            written.replace(final)  # the table first: a graph on disk means both are complete
    finally:
        tmp.unlink(missing_ok=True)
        table_path(tmp).unlink(missing_ok=True)
