"""Classifier throughput, latency and memory on dev texts: naive pipeline vs torch vs ONNX int8.

    python bench/classify_bench.py [--artifact DIR] [--texts N] [--json FILE]

Each path runs in its own subprocess (2 threads), so its peak RSS (``ru_maxrss``) is its own:
  naive  a stock transformers text-classification pipeline over the same merged network,
         called with each request's texts and classifying them one at a time
  torch  MentionClassifier.predict (length-sorted batches, inference_mode)
  onnx   OnnxMentionClassifier.predict (int8 per-channel ONNX, no torch in the process; two
         single-threaded sessions side by side, so a 1-text call uses one core)
A request of b texts is one call; latency is per call, throughput is texts per second. The ONNX
file is built (in a separate process) before measuring. Ratios are against the naive path
measured in the same run. ``--agreement`` also compares ONNX to torch on the whole dev set.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from classifiers.config import ARTIFACT_DIR
from classifiers.data import load_examples
from classifiers.fast import DEFAULT_CACHE_DIR

DEV = Path("/work/shared/data/mentions/dev.jsonl")
BATCH_SIZES = (1, 8, 32)
MIN_CALLS = 20  # per batch size, so p99 rests on more than a handful of calls
THREADS = 2
TARGET_RSS_MB, TARGET_SPEEDUP = 500.0, 8.0


def load_path(name: str, args: argparse.Namespace) -> Any:
    """Return ``classify(texts)`` for path ``name``; the model is loaded here."""
    if name == "onnx":
        from classifiers.fast import OnnxMentionClassifier

        fast = OnnxMentionClassifier.from_artifact(args.artifact, args.cache_dir, THREADS)
        return fast.predict
    import torch

    from classifiers.model import MentionClassifier

    torch.set_num_threads(THREADS)
    model = MentionClassifier.load(args.artifact)
    if name == "torch":
        return model.predict
    from naive_pipeline import naive_pipeline, pipeline_logits

    from classifiers.text import model_input

    pipe = naive_pipeline(model)
    probe = [ex.text for ex in load_examples(args.dev)[:8]]
    prepared = [model_input(t, model.config.normalise) for t in probe]
    diff = abs(model.logits(probe) - pipeline_logits(pipe, model.config.labels, prepared)).max()
    if diff > 1e-4:
        raise SystemExit(f"naive pipeline is not the same model: max logit diff {diff:.2e}")
    return lambda texts: pipe([model_input(t, model.config.normalise) for t in texts])


def worker(name: str, args: argparse.Namespace) -> dict[str, Any]:
    texts = [ex.text for ex in load_examples(args.dev)][: args.texts]
    start = time.perf_counter()
    classify = load_path(name, args)
    result: dict[str, Any] = {"path": name, "load_s": time.perf_counter() - start}
    classify(texts[:8])  # warm-up
    for size in BATCH_SIZES:
        calls = [texts[i : i + size] for i in range(0, len(texts), size)]
        while len(calls) < MIN_CALLS:
            calls += calls[: MIN_CALLS - len(calls)]
        latencies = []
        for call in calls:
            t0 = time.perf_counter()
            classify(call)
            latencies.append(time.perf_counter() - t0)
        latencies.sort()
        result[str(size)] = {
            "texts_per_s": sum(len(c) for c in calls) / sum(latencies),
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "calls": len(calls),
        }
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["torch_imported"] = "torch" in sys.modules
    return result


def agreement(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from classifiers.agreement import compare
    from classifiers.fast import OnnxMentionClassifier
    from classifiers.model import MentionClassifier

    torch.set_num_threads(THREADS)
    reference = MentionClassifier.load(args.artifact)
    candidate = OnnxMentionClassifier.from_artifact(args.artifact, args.cache_dir, THREADS)
    result = compare(reference, candidate, load_examples(args.dev))
    return {**result.to_dict(), "acceptable": result.acceptable(), "summary": result.summary()}


def build(args: argparse.Namespace) -> dict[str, Any]:
    from classifiers.fast import OnnxMentionClassifier

    start = time.perf_counter()
    OnnxMentionClassifier.from_artifact(args.artifact, args.cache_dir, THREADS)
    return {"build_or_load_s": time.perf_counter() - start}


def run_child(role: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--role", role, "--artifact", str(args.artifact)]
    cmd += ["--texts", str(args.texts), "--cache-dir", str(args.cache_dir), "--dev", str(args.dev)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"{role} worker failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(results: list[dict[str, Any]]) -> list[str]:
    naive = results[0]
    lines = [f"{'path':6} {'batch':>5} {'texts/s':>9} {'vs naive':>8} {'p50 ms':>8} {'p99 ms':>8}"]
    for res in results:
        for size in BATCH_SIZES:
            row, base = res[str(size)], naive[str(size)]["texts_per_s"]
            lines.append(
                f"{res['path']:6} {size:>5} {row['texts_per_s']:>9.1f} "
                f"{row['texts_per_s'] / base:>7.1f}x {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            )
    lines.append("")
    for res in results:
        lines.append(
            f"{res['path']:6} peak RSS {res['peak_rss_mb']:7.1f} MB  load {res['load_s']:5.1f} s"
            f"  torch imported: {'yes' if res['torch_imported'] else 'no'}"
        )
    onnx = results[-1]
    speedup = min(onnx[str(s)]["texts_per_s"] / naive[str(s)]["texts_per_s"] for s in BATCH_SIZES)
    rss_ok, speed_ok = onnx["peak_rss_mb"] <= TARGET_RSS_MB, speedup >= TARGET_SPEEDUP
    lines.append(
        f"targets: onnx RSS <= {TARGET_RSS_MB:.0f} MB {'OK' if rss_ok else 'MISSED'}; "
        f"onnx >= {TARGET_SPEEDUP:.0f}x naive at every batch size (min {speedup:.1f}x) "
        f"{'OK' if speed_ok else 'MISSED'}"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifact", type=Path, default=ARTIFACT_DIR)
    parser.add_argument("--texts", type=int, default=256, help="dev texts per batch size")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--agreement", action="store_true", help="ONNX vs torch on all of dev")
    parser.add_argument("--role", choices=["naive", "torch", "onnx", "build", "agreement"])
    args = parser.parse_args()
    if args.role is not None:  # a child process: print one JSON line
        roles = {"build": build, "agreement": agreement}
        result = roles[args.role](args) if args.role in roles else worker(args.role, args)
        print(json.dumps(result))
        return
    print(f"artifact {args.artifact}, {args.texts} dev texts, {THREADS} threads", flush=True)
    print(f"onnx cache: {run_child('build', args)['build_or_load_s']:.1f} s", flush=True)
    results = []
    for role in ("naive", "torch", "onnx"):
        results.append(run_child(role, args))
        print(f"measured {role}", flush=True)
    print("\n".join(report(results)))
    summary: dict[str, Any] = {"args": {"artifact": str(args.artifact), "texts": args.texts}}
    summary["results"] = results
    if args.agreement:
        summary["agreement"] = run_child("agreement", args)
        print("agreement (onnx vs torch, dev):", summary["agreement"]["summary"])
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
