"""Evaluation report: the figures the model card and ``mentionbot evaluate`` show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.baseline import TfidfBaseline
from classifiers.data import Example, load_examples
from classifiers.metrics import (
    confusion,
    expected_calibration_error,
    macro_f1,
    per_class,
    precision_recall_at,
)
from classifiers.predictions import calibrated
from classifiers.protocol import Classifier


def evaluate(
    model: Classifier,
    examples: Sequence[Example],
    baseline_train: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Score ``model`` on ``examples``; with ``baseline_train``, also score a fresh baseline."""
    labels = list(model.config.labels)
    y = [labels.index(ex.label.value) for ex in examples]
    progress(f"classifying {len(examples)} texts")
    probs = calibrated(model.config, model.logits([ex.text for ex in examples]))
    pred = probs.argmax(axis=1).tolist()
    matrix = confusion(y, pred, len(labels))
    report: dict[str, Any] = {
        "model_version": model.config.version,
        "n": len(examples),
        "labels": labels,
        "per_class": {
            name: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
            for name, s in zip(labels, per_class(matrix), strict=True)
        },
        "macro_f1": macro_f1(y, pred, len(labels)),
        "confusion": matrix.tolist(),
        "ece": expected_calibration_error(probs, y),
        "per_language": _per_language(examples, y, pred, len(labels)),
        "spam_auto_action": _spam_auto(model, probs, y, labels, examples),
    }
    if baseline_train is not None:
        progress(f"training the TF-IDF baseline on {baseline_train}")
        baseline = TfidfBaseline(labels).fit(load_examples(baseline_train))
        base_pred = baseline.predict([ex.text for ex in examples]).tolist()
        report["baseline_macro_f1"] = macro_f1(y, base_pred, len(labels))
        report["margin_over_baseline"] = report["macro_f1"] - report["baseline_macro_f1"]
    return report


def _per_language(
    examples: Sequence[Example], y: list[int], pred: list[int], n: int
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for lang in sorted({ex.lang for ex in examples}):
        idx = [i for i, ex in enumerate(examples) if ex.lang == lang]
        out[lang] = {
            "n": len(idx),
            "macro_f1": macro_f1([y[i] for i in idx], [pred[i] for i in idx], n),
            "accuracy": float(np.mean([y[i] == pred[i] for i in idx])),
        }
    return out


def _spam_auto(
    model: Classifier,
    probs: np.ndarray,
    y: list[int],
    labels: list[str],
    examples: Sequence[Example],
) -> dict[str, Any]:
    threshold = model.config.auto_action_threshold
    if threshold is None:
        return {"threshold": None, "note": model.config.auto_action_note}
    spam = labels.index("spam")
    is_spam = np.asarray(y) == spam
    precision, recall, flagged = precision_recall_at(probs[:, spam], is_spam, threshold)
    wrong = (probs[:, spam] >= threshold) & ~is_spam
    by_source = Counter(examples[int(i)].source or "?" for i in np.flatnonzero(wrong))
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "flagged": flagged,
        "false_positives_by_source": dict(sorted(by_source.items())),
    }


def format_report(report: dict[str, Any]) -> str:
    labels: list[str] = report["labels"]
    lines = [f"model {report['model_version']} on {report['n']} mentions", ""]
    lines.append(f"{'label':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
    for name in labels:
        s = report["per_class"][name]
        lines.append(
            f"{name:<10} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}"
            f" {s['support']:>8}"
        )
    lines += ["", f"macro-F1 {report['macro_f1']:.4f}   ECE {report['ece']:.4f}"]
    if "baseline_macro_f1" in report:
        lines.append(
            f"baseline (TF-IDF word 1-2 + char 2-5 + LR) macro-F1 {report['baseline_macro_f1']:.4f}"
            f"   margin {report['margin_over_baseline']:+.4f}"
        )
    lines += ["", "confusion (rows true, columns predicted)"]
    lines.append(" " * 10 + "".join(f"{name[:9]:>10}" for name in labels))
    for name, row in zip(labels, report["confusion"], strict=True):
        lines.append(f"{name:<10}" + "".join(f"{v:>10}" for v in row))
    lines += ["", "per language"]
    for lang, s in report["per_language"].items():
        lines.append(
            f"  {lang}: n={s['n']:<5} macro-F1 {s['macro_f1']:.4f}  accuracy {s['accuracy']:.4f}"
        )
    auto = report["spam_auto_action"]
    lines.append("")
    if auto["threshold"] is None:
        lines.append(f"spam auto-action: none ({auto['note']})")
    else:
        lines.append(
            f"spam auto-action at p(spam) >= {auto['threshold']:.4f}: precision "
            f"{auto['precision']:.4f}  recall {auto['recall']:.4f}  ({auto['flagged']} flagged)"
        )
    return "\n".join(lines)
