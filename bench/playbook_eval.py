"""How often the shipped playbook library suggests the right playbook, on labelled mentions.

    python bench/playbook_eval.py [--data ../shared/data/mentions/dev.jsonl] [--classifier]
                                  [--sample N] [--json FILE]

Prediction input: the GOLD label (one-hot), so the numbers measure the playbooks, not the
classifier. ``--classifier`` adds a second pass that feeds the shipped classifier's predictions
(``MentionClassifier.load()``), i.e. what the bot would do end to end.

* Complaints whose source metadata has ``negativereason``: share whose top-1 / top-3
  suggestion is a playbook that ``covers`` that reason (per reason; overall on covered reasons,
  and on the specific reasons without the catch-all "Can't Tell").
* Questions and praise: share whose top-1 suggestion serves the mention's gold label.
* Ablation: the same with semantic matching off (labels, keywords and regexes only).

Mentions are read from the data file at run time; none of their text is stored in the repo.
Mention language comes from the file's ``lang``. Brand: airline-sourced mentions (``airline``,
``es_airlines``) get brand "Skylark Air", as an airline's own bot would see them; others have
no brand, so both fictional brands' playbooks compete. ``--no-brand`` drops the brand everywhere.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from models.domain import Label, NewMention, Prediction
from playbooks import Library, MiniLMEmbedder, load_library

DEV = Path("/work/shared/data/mentions/dev.jsonl")
TARGET_TOP1, TARGET_TOP3 = 0.70, 0.90
NO_REASON = "(none)"


@dataclass(frozen=True)
class Row:
    mention: NewMention
    label: Label
    reason: str | None


AIRLINE_SOURCES = {"airline", "es_airlines"}


def read_rows(path: Path, sample: int | None, seed: int, brand: bool = True) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            label = Label(obj["label"])
            reason = (obj.get("meta") or {}).get("negativereason") or None
            if label not in (Label.COMPLAINT, Label.QUESTION, Label.PRAISE):
                continue
            if label is Label.COMPLAINT and not reason:
                continue
            mention = NewMention(
                source=obj.get("source", "unknown"),
                external_id=str(obj.get("id")),
                author_id="eval",
                author_name="Sam",
                text=obj["text"],
                url=None,
                language=obj.get("lang"),
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
                brand="Skylark Air" if brand and obj.get("source") in AIRLINE_SOURCES else None,
            )
            rows.append(Row(mention, label, reason))
    if sample is not None and sample < len(rows):
        rows = random.Random(seed).sample(rows, sample)
    return rows


def gold(label: Label) -> Prediction:
    return Prediction(label, 1.0, {label: 1.0}, False, False, "gold")


def score(
    library: Library, rows: list[Row], preds: list[Prediction], vectors: Any
) -> dict[str, Any]:
    covers: dict[str, set[str]] = defaultdict(set)
    for playbook in library:
        for reason in playbook.spec.covers:
            covers[reason].add(playbook.id)
    per_reason: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    per_label: dict[str, list[bool]] = defaultdict(list)
    timings = []
    for i, (row, pred) in enumerate(zip(rows, preds, strict=True)):
        vector = None if vectors is None else vectors[i]
        start = time.perf_counter()
        top = library.suggest(row.mention, pred, vector)
        timings.append(time.perf_counter() - start)
        ids = [s.playbook_id for s in top]
        if row.label is Label.COMPLAINT and row.reason:
            good = covers.get(row.reason, set())
            per_reason[row.reason].append(
                (bool(ids) and ids[0] in good, any(x in good for x in ids))
            )
        elif row.label in (Label.QUESTION, Label.PRAISE):
            ok = bool(top) and row.label in library[top[0].playbook_id].labels
            per_label[row.label.value].append(ok)
    table = {
        reason: {
            "n": len(hits),
            "covered_by": sorted(covers.get(reason, ())),
            "top1": _share(h[0] for h in hits),
            "top3": _share(h[1] for h in hits),
        }
        for reason, hits in sorted(per_reason.items())
    }
    covered = [h for r, hs in per_reason.items() if r in covers for h in hs]
    specific = [h for r, hs in per_reason.items() if r in covers and r != "Can't Tell" for h in hs]
    return {
        "per_reason": table,
        "covered": {
            "n": len(covered),
            "top1": _share(h[0] for h in covered),
            "top3": _share(h[1] for h in covered),
        },
        "specific": {
            "n": len(specific),
            "top1": _share(h[0] for h in specific),
            "top3": _share(h[1] for h in specific),
        },
        "uncovered_reasons": sorted(r for r in per_reason if r not in covers),
        "label_top1": {k: {"n": len(v), "share": _share(v)} for k, v in sorted(per_label.items())},
        "suggest_ms_p50": 1000 * float(np.percentile(timings, 50)) if timings else None,
    }


def _share(values: Any) -> float:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else float("nan")


def print_report(title: str, report: dict[str, Any]) -> None:
    print(f"\n== {title} ==")
    print(f"{'negativereason':<30}{'n':>5}{'top-1':>8}{'top-3':>8}  playbook")
    for reason, row in report["per_reason"].items():
        who = ", ".join(row["covered_by"]) or "(not covered)"
        print(f"{reason:<30}{row['n']:>5}{row['top1']:>8.3f}{row['top3']:>8.3f}  {who}")
    for key, name in (
        ("covered", "all covered reasons"),
        ("specific", "covered, excl. Can't Tell"),
    ):
        c = report[key]
        flag1 = "ok" if c["top1"] >= TARGET_TOP1 else "BELOW"
        flag3 = "ok" if c["top3"] >= TARGET_TOP3 else "BELOW"
        print(
            f"{name:<30}{c['n']:>5}{c['top1']:>8.3f}{c['top3']:>8.3f}  "
            f"(targets {TARGET_TOP1}/{TARGET_TOP3}: {flag1}/{flag3})"
        )
    for label, row in report["label_top1"].items():
        print(f"{label + ': top-1 serves label':<30}{row['n']:>5}{row['share']:>8.3f}")


def classifier_predictions(rows: list[Row]) -> list[Prediction] | None:
    try:
        from classifiers.model import MentionClassifier

        model = MentionClassifier.load()
    except Exception as exc:  # no shipped artifact yet, or it does not load
        print(f"(classifier pass skipped: {exc})", file=sys.stderr)
        return None
    predictions: list[Prediction] = model.predict([r.mention.text for r in rows])
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--library", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=None, help="random sample of rows")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--classifier", action="store_true", help="also use predicted labels")
    parser.add_argument("--no-brand", action="store_true", help="mentions carry no brand")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from classifiers.encoders import encoder_path

    embedder = MiniLMEmbedder(
        encoder_path("sentence-transformers/all-MiniLM-L6-v2"), threads=args.threads
    )
    library = (
        load_library(args.library, embedder) if args.library else load_library(embedder=embedder)
    )
    rows = read_rows(args.data, args.sample, args.seed, brand=not args.no_brand)
    print(
        f"{len(rows)} rows from {args.data}; library {library.version} ({len(library)} playbooks)"
    )
    vectors = embedder.embed([r.mention.text for r in rows])
    gold_preds = [gold(r.label) for r in rows]
    reports = {
        "gold": score(library, rows, gold_preds, vectors),
        "gold_no_semantic": score(library, rows, gold_preds, None),
    }
    print_report("gold label as prediction input", reports["gold"])
    print_report("ablation: gold label, semantic matching off", reports["gold_no_semantic"])
    if args.classifier:
        predicted = classifier_predictions(rows)
        if predicted is not None:
            reports["classifier"] = score(library, rows, predicted, vectors)
            print_report("classifier's predicted label as input", reports["classifier"])
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
