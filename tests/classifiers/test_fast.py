"""The ONNX Runtime serving path: cached build, torch-free loading, agreement with torch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from classifiers import fast, onnx_export
from classifiers.agreement import compare
from classifiers.config import ARTIFACT_DIR, WEIGHTS_FILE, ClassifierConfig
from classifiers.data import load_examples
from classifiers.encoders import E5_SMALL, MINILM_L6, encoder_path
from classifiers.fast import OnnxMentionClassifier, cache_path, table_path
from classifiers.model import MentionClassifier
from classifiers.text import model_input
from models.domain import LABELS

TEXTS = [
    "@united my bag never arrived and nobody answers the phone",
    "Win a FREE iPhone, click here",
    "¿Dónde está mi reembolso?",
    "merci pour l'aide rapide !",
    "",
    "broken \ud800 surrogate",
    "a" * 10_000,
]


def _copy_cache(graph: Path, to: Path) -> None:
    """A built cache (graph and table) copied to ``to``, as a build would write it."""
    shutil.copyfile(table_path(graph), table_path(to))
    shutil.copyfile(graph, to)


def _shipped() -> bool:
    return (ARTIFACT_DIR / WEIGHTS_FILE).is_file()


@pytest.fixture(scope="session")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped model if present, else an untrained one (same export path, random head)."""
    if _shipped():
        return ARTIFACT_DIR
    path = tmp_path_factory.mktemp("untrained")
    MentionClassifier.fresh(ClassifierConfig()).save(path)
    return path


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def onnx_model(artifact: Path, cache_dir: Path) -> OnnxMentionClassifier:
    """Built once per session: the only real export in this module."""
    return OnnxMentionClassifier.from_artifact(artifact, cache_dir)


def test_build_writes_the_graph_and_its_table_and_no_temporaries(
    onnx_model: OnnxMentionClassifier, artifact: Path, cache_dir: Path
) -> None:
    graph = cache_path(artifact, onnx_model.config, cache_dir)
    assert sorted(p.name for p in cache_dir.iterdir()) == [graph.name, table_path(graph).name]


def test_second_load_uses_the_cache(
    onnx_model: OnnxMentionClassifier,
    artifact: Path,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = cache_path(artifact, onnx_model.config, cache_dir)
    before = path.stat().st_mtime_ns

    def refuse(*_: object) -> None:
        raise AssertionError("rebuilt although the cache was valid")

    monkeypatch.setattr(fast, "build_cache", refuse)
    again = OnnxMentionClassifier.from_artifact(artifact, cache_dir)
    assert path.stat().st_mtime_ns == before
    assert np.array_equal(again.logits(TEXTS), onnx_model.logits(TEXTS))


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "table missing"])
def test_missing_or_corrupt_cache_is_rebuilt(
    onnx_model: OnnxMentionClassifier,
    artifact: Path,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: str,
) -> None:
    good = cache_path(artifact, onnx_model.config, cache_dir)
    target = cache_path(artifact, onnx_model.config, tmp_path)
    if damage == "garbage":
        target.write_bytes(b"not an onnx model")
    elif damage == "truncated":
        target.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    elif damage == "table missing":  # a graph alone: e.g. the table deleted by hand
        shutil.copyfile(good, target)
    builds: list[Path] = []

    def copy_build(_artifact: Path, path: Path) -> None:
        builds.append(path)
        _copy_cache(good, path)

    monkeypatch.setattr(fast, "build_cache", copy_build)
    rebuilt = OnnxMentionClassifier.from_artifact(artifact, tmp_path)
    assert builds == [target]
    assert np.array_equal(rebuilt.logits(TEXTS), onnx_model.logits(TEXTS))


def test_crash_mid_build_leaves_no_cache_file(
    artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(_model: object, path: Path, quantize: bool = True) -> Path:
        path.write_bytes(b"half a model")
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(MentionClassifier, "load", classmethod(lambda cls, d: object()))
    monkeypatch.setattr(onnx_export, "export_onnx", crash)
    with pytest.raises(RuntimeError, match="mid-export"):
        OnnxMentionClassifier.from_artifact(artifact, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_build_removes_temporaries_that_killed_builds_left_behind(
    onnx_model: OnnxMentionClassifier,
    artifact: Path,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A build killed mid-way (OOM, SIGKILL) leaves temporaries; the next build clears old ones."""
    good = cache_path(artifact, onnx_model.config, cache_dir)
    orphan = tmp_path / ".mention-classifier-x.int8.onnx.k1ll.tmp"
    live = tmp_path / ".mention-classifier-x.int8.onnx.b0sy.tmp"  # another build, running now
    for leftover in (orphan, table_path(orphan), live):
        leftover.write_bytes(b"partial")
    old = time.time() - 2 * fast.STALE_TEMPORARY_S
    for leftover in (orphan, table_path(orphan)):
        os.utime(leftover, (old, old))

    def copy_export(_model: object, path: Path, quantize: bool = True) -> Path:
        _copy_cache(good, path)
        return path

    monkeypatch.setattr(MentionClassifier, "load", classmethod(lambda cls, d: object()))
    monkeypatch.setattr(onnx_export, "export_onnx", copy_export)
    built = OnnxMentionClassifier.from_artifact(artifact, tmp_path)
    assert not orphan.exists() and not table_path(orphan).exists()
    assert live.exists()
    assert np.array_equal(built.logits(TEXTS), onnx_model.logits(TEXTS))


def test_predictions_are_well_formed_and_deterministic(
    onnx_model: OnnxMentionClassifier, artifact: Path, cache_dir: Path
) -> None:
    first = onnx_model.predict(TEXTS)
    again = OnnxMentionClassifier.from_artifact(artifact, cache_dir).predict(TEXTS)
    assert [p.probabilities for p in first] == [p.probabilities for p in again]
    assert len(first) == len(TEXTS) and onnx_model.predict([]) == []
    for p in first:
        assert set(p.probabilities) == set(LABELS)
        assert abs(sum(p.probabilities.values()) - 1.0) < 1e-6
        assert p.model_version == onnx_model.config.version
    assert first[4].needs_review  # blank text


def test_serving_process_never_imports_torch(artifact: Path, cache_dir: Path) -> None:
    load = f"Path({str(artifact)!r}), Path({str(cache_dir)!r})"
    code = (
        "import sys; from pathlib import Path; from classifiers.fast import OnnxMentionClassifier;"
        f"m = OnnxMentionClassifier.from_artifact({load});"
        "m.predict(['hello']);"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('torch', 'transformers')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.skipif(not _shipped(), reason="no trained model in classifiers/artifacts/")
def test_agrees_with_torch_on_dev(
    onnx_model: OnnxMentionClassifier, shipped_model: MentionClassifier, dev_path: Path
) -> None:
    examples = load_examples(dev_path)[:200]
    result = compare(shipped_model, onnx_model, examples)
    assert result.argmax_agreement >= 0.97, result.summary()
    assert result.max_abs_prob_diff <= 0.15, result.summary()


def test_workers_give_each_text_the_result_it_gets_alone(
    onnx_model: OnnxMentionClassifier, artifact: Path, cache_dir: Path
) -> None:
    """Spreading a call over 3 worker threads changes neither results nor their order."""
    texts = [f"{'very ' * (i % 7)}late flight number {i}, thanks?" for i in range(20)] + TEXTS
    path = cache_path(artifact, onnx_model.config, cache_dir)
    single = OnnxMentionClassifier.from_onnx(path, onnx_model.config, workers=1)
    pooled = OnnxMentionClassifier.from_onnx(path, onnx_model.config, workers=3)
    try:
        alone = np.stack([single.logits([t])[0] for t in texts])
        assert np.array_equal(pooled.logits(texts), alone)
    finally:
        pooled.close()


def test_a_failing_run_raises_in_the_caller(
    onnx_model: OnnxMentionClassifier, artifact: Path, cache_dir: Path
) -> None:
    path = cache_path(artifact, onnx_model.config, cache_dir)
    pooled = OnnxMentionClassifier.from_onnx(path, onnx_model.config, workers=2)
    calls = 0

    class Flaky:
        """Fails the third run, wherever the worker threads happen to be."""

        def run(self, names: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise RuntimeError("session crashed")
            return onnx_model.session.run(names, feed)

    pooled.session = Flaky()  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError, match="session crashed"):
            pooled.logits(TEXTS)
    finally:
        pooled.close()


@pytest.mark.parametrize("encoder_id", [MINILM_L6, E5_SMALL])
def test_serving_tokenizer_gives_the_training_tokenizers_ids(encoder_id: str) -> None:
    """Each encoder's serving tokenizer (``tokenizers`` for WordPiece, the lean one for a
    unigram vocabulary) pads and truncates exactly as the torch path's ``AutoTokenizer``."""
    from transformers import AutoTokenizer

    config = ClassifierConfig(encoder_id=encoder_id)
    reference = AutoTokenizer.from_pretrained(str(encoder_path(encoder_id)))
    tokenizer = fast.load_tokenizer(config)
    for batch in (TEXTS[:4], [*TEXTS, "late flight again " * 100]):  # short; one over the limit
        texts = [model_input(t, config.normalise) for t in batch]
        want = reference(texts, padding=True, truncation=True, max_length=config.max_length)
        got = tokenizer.encode_batch(texts)
        assert got["input_ids"].tolist() == want["input_ids"]
        assert got["attention_mask"].tolist() == want["attention_mask"]
