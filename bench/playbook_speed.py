"""Suggestion latency for a 200-playbook library, against naive scans measured in the same run.

    python bench/playbook_speed.py [--playbooks 200] [--calls 3000] [--json FILE]

The library is generated: N synthetic playbooks (labels, 8 keywords incl. prefixes, 2 regexes,
6 example mentions, replies in en/es/fr with mention variables, a fill-in and a disclaimer),
written as YAML to a temporary directory and loaded with ``load_library`` (so lint, compile and
example embedding with the real all-MiniLM-L6-v2 run as in production; not timed).

What is timed, per call, single thread, after warm-up:
  suggest          ``library.suggest(mention, prediction, embedding)``: scoring all playbooks
                   (labels, keywords, regexes, semantic similarity to every example), top-3,
                   rendering the 3 replies, reasons. The mention's embedding is computed
                   beforehand: the ONE forward pass is EXCLUDED (shown separately as ``embed``).
  suggest+policy   the above plus ``check_reply`` on the 3 suggested replies (what the bot's
                   suggestion stage adds to the forward pass).
  naive-scan       a linear scan: per playbook, keyword and regex searches from pattern strings
                   (``re.search``; the module's 512-entry cache thrashes at this size) and a
                   per-example cosine in Python over precomputed example embeddings.
  naive-reembed    the same scan but embedding every example mention on each call (no
                   precomputed embeddings); measured on a few calls only, it is slow.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from models.domain import LABELS, NewMention, Prediction
from playbooks import Library, MiniLMEmbedder, check_reply, load_library

TARGET_P99_MS = 5.0
TOPICS = [
    "luggage",
    "suitcase",
    "flight",
    "delay",
    "refund",
    "order",
    "parcel",
    "seat",
    "wifi",
    "crew",
    "booking",
    "app",
    "website",
    "voucher",
    "invoice",
    "courier",
    "return",
    "exchange",
    "gate",
    "queue",
    "meal",
    "blanket",
    "charger",
    "sofa",
    "lamp",
    "table",
    "warranty",
    "receipt",
    "account",
    "password",
    "subscription",
    "delivery",
    "store",
    "cashier",
    "coupon",
    "upgrade",
]
PROBLEMS = [
    "never arrived",
    "is broken",
    "was cancelled",
    "is late",
    "got lost",
    "was charged twice",
    "does not work",
    "was rude",
    "is missing",
    "took forever",
    "is wrong",
    "was damaged",
]
OPENERS = ["my", "the", "our", "this", "your"]


def synthetic_spec(i: int, rng: random.Random) -> dict[str, Any]:
    topic_a, topic_b = rng.sample(TOPICS, 2)
    problem = rng.choice(PROBLEMS)
    labels = [LABELS[i % 4].value] + ([LABELS[(i + 1) % 4].value] if i % 3 == 0 else [])
    keywords = [
        f"{topic_a} {problem}",
        topic_b,
        f"{topic_a[:4]}*",
        f"kw{i}x",
        f"{topic_b} help",
        f"{topic_a} {topic_b}",
        f"phrase number {i}",
        f"{rng.choice(OPENERS)} {topic_a}",
    ]
    examples = [
        f"{rng.choice(OPENERS)} {rng.choice([topic_a, topic_b])} {rng.choice(PROBLEMS)}"
        f" {rng.choice(['again', 'today', 'since monday', 'and nobody helps', ''])}".strip()
        for _ in range(6)
    ]
    reply = "Hi {{ author }}, sorry about the " + topic_a + ". Ref {{ ref }}. {{ disclaimer }}"
    return {
        "id": f"synthetic.p{i:03d}",
        "title": f"{topic_a} {problem}",
        "owner": "bench",
        "labels": labels,
        "priority": rng.randint(20, 80),
        "match": {
            "keywords": keywords,
            "regex": [
                rf"\b{topic_a}\b.{{0,30}}\b{problem.split()[-1]}\b",
                rf"\b{topic_b}s?\b.*\bkw{i}",
            ],
            "examples": examples,
        },
        "variables": {
            "mention": ["author"],
            "fill_in": {"ref": {"label": "Reference", "prompt": "ask", "pattern": "[A-Z0-9]{6}"}},
        },
        "replies": {lang: [reply] for lang in ("en", "es", "fr")},
        "disclaimer": {
            "text": {
                "en": "Terms apply.",
                "es": "Se aplican condiciones.",
                "fr": "Conditions applicables.",
            }
        },
    }


def build_library(directory: Path, n: int, embedder: MiniLMEmbedder, seed: int) -> Library:
    rng = random.Random(seed)
    for i in range(n):
        spec = synthetic_spec(i, rng)
        (directory / f"p{i:03d}.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    return load_library(directory, embedder, cache_dir=None)


def mentions(n: int, seed: int) -> list[NewMention]:
    rng = random.Random(seed + 1)
    out = []
    for i in range(n):
        words = [rng.choice(OPENERS), rng.choice(TOPICS), rng.choice(PROBLEMS)]
        tail = rng.choice(["!!", " and I am furious", " for the second time", ", please help", ""])
        text = f"@brand {' '.join(words)}{tail} kw{rng.randrange(200)}x"
        out.append(
            NewMention(
                "x", str(i), "u", "Robin", text, None, "en", datetime(2025, 1, 1, tzinfo=UTC)
            )
        )
    return out


def prediction(rng: random.Random) -> Prediction:
    raw = np.asarray([rng.random() ** 3 for _ in LABELS])
    probs = raw / raw.sum()
    best = LABELS[int(np.argmax(probs))]
    return Prediction(
        best,
        float(probs.max()),
        {lab: float(p) for lab, p in zip(LABELS, probs, strict=True)},
        False,
        False,
        "bench",
    )


def naive_suggest(
    library: Library, mention: NewMention, pred: Prediction, vector: Any, example_vectors: list[Any]
) -> list[tuple[float, str]]:
    text = mention.text.lower()
    scored = []
    for playbook, vectors in zip(library.playbooks, example_vectors, strict=True):
        label = max(pred.probabilities.get(lab, 0.0) for lab in playbook.labels)
        if label < 0.05:
            continue
        score = label
        for keyword in playbook.spec.match.keywords:
            if re.search(r"\b" + re.escape(keyword.rstrip("*").lower()), text):
                score += 0.2
                break
        for pattern in playbook.spec.match.regex:
            if re.search(pattern, text, re.IGNORECASE):
                score += 0.2
                break
        sims = [float(np.dot(vector, v)) for v in vectors]
        score += max(sims, default=0.0)
        scored.append((score, playbook.id))
    scored.sort(reverse=True)
    top = scored[:3]
    for _, pid in top:
        library[pid].render(mention)
    return top


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1000
    return {
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "calls": len(samples),
    }


def timed(fn: Any, calls: int) -> list[float]:
    out = []
    for i in range(calls):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--playbooks", type=int, default=200)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--reembed-calls", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    import torch

    from classifiers.encoders import encoder_path

    torch.set_num_threads(1)
    embedder = MiniLMEmbedder(encoder_path("sentence-transformers/all-MiniLM-L6-v2"))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        library = build_library(Path(tmp), args.playbooks, embedder, args.seed)
        load_s = time.perf_counter() - started
    assert library.index is not None
    pool = mentions(256, args.seed)
    vectors = embedder.embed([m.text for m in pool])
    rng = random.Random(args.seed)
    preds = [prediction(rng) for _ in pool]
    n = len(pool)

    def run_suggest(i: int) -> None:
        library.suggest(pool[i % n], preds[i % n], vectors[i % n])

    def run_with_policy(i: int) -> None:
        m = pool[i % n]
        for s in library.suggest(m, preds[i % n], vectors[i % n]):
            check_reply(s.text, m, "x", library[s.playbook_id])

    bounds = [*library.index.starts.tolist(), len(library.index.examples)]
    per_playbook: list[list[Any]] = [[] for _ in library.playbooks]
    for slot, pb_index in enumerate(library.index.with_examples.tolist()):
        per_playbook[pb_index] = list(library.index.vectors[bounds[slot] : bounds[slot + 1]])

    def run_naive(i: int) -> None:
        naive_suggest(library, pool[i % n], preds[i % n], vectors[i % n], per_playbook)

    def run_reembed(i: int) -> None:
        fresh = [list(embedder.embed(list(p.spec.match.examples))) for p in library.playbooks]
        naive_suggest(library, pool[i % n], preds[i % n], vectors[i % n], fresh)

    def run_embed(i: int) -> None:
        embedder.embed([pool[i % n].text])

    for fn in (run_suggest, run_with_policy, run_naive):
        timed(fn, 50)  # warm-up
    results = {
        "suggest": percentiles(timed(run_suggest, args.calls)),
        "suggest+policy": percentiles(timed(run_with_policy, args.calls)),
        "naive-scan": percentiles(timed(run_naive, max(200, args.calls // 10))),
        "naive-reembed": percentiles(timed(run_reembed, args.reembed_calls)),
        "embed (excluded)": percentiles(timed(run_embed, 200)),
    }
    print(
        f"library: {len(library)} playbooks, {len(library.index.examples)} examples; "
        f"load+lint+embed {load_s:.1f}s (not timed below); 1 thread"
    )
    base = results["suggest"]["p50"]
    print(f"{'path':<18}{'p50 ms':>10}{'p99 ms':>10}{'calls':>8}{'p50 / suggest':>15}")
    for name, r in results.items():
        print(
            f"{name:<18}{r['p50']:>10.3f}{r['p99']:>10.3f}{r['calls']:>8}{r['p50'] / base:>14.1f}x"
        )
    p99 = results["suggest"]["p99"]
    verdict = "ok" if p99 <= TARGET_P99_MS else "ABOVE TARGET"
    print(f"suggest p99 {p99:.3f} ms vs target {TARGET_P99_MS} ms: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
