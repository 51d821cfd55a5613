"""``mentionbot train | evaluate | classify``: the classifier from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from classifiers.encoders import DEFAULT_ENCODER

DATA_DIR = Path("../shared/data/mentions")


def register(sub: Any) -> None:
    train = sub.add_parser("train", help="fine-tune the mention classifier (CPU, ~20 min)")
    train.add_argument("--train", type=Path, default=DATA_DIR / "train.jsonl")
    train.add_argument("--dev", type=Path, default=DATA_DIR / "dev.jsonl")
    train.add_argument("--out", type=Path, default=None, help="default: the shipped artifact dir")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--seed", type=int, default=13)
    train.add_argument(
        "--encoder",
        default=DEFAULT_ENCODER,
        help="base encoder id (classifiers.encoders.ENCODERS)",
    )
    train.add_argument(
        "--max-per-class",
        type=int,
        default=0,
        help="examples per class and epoch (cap; default: the encoder's, "
        "classifiers.encoders.EPOCH_CAP)",
    )
    train.add_argument(
        "--keep-labels",
        action="store_true",
        help="do not relabel heuristic-other requests as questions (classifiers.relabel)",
    )
    train.add_argument(
        "--drop-handles",
        type=_rate,
        default=0.3,
        metavar="RATE",
        help="share of training texts shown without leading @-handles per epoch "
        "(classifiers.augment; 0 turns it off)",
    )
    train.add_argument(
        "--drop-question-marks",
        type=_rate,
        default=0.3,
        metavar="RATE",
        help="share of training texts shown without question marks per epoch "
        "(classifiers.augment; 0 turns it off)",
    )
    train.set_defaults(handler=run_train)

    ev = sub.add_parser("evaluate", help="score the classifier on a labelled JSONL file")
    ev.add_argument("--data", type=Path, required=True)
    ev.add_argument(
        "--baseline-train",
        type=Path,
        default=DATA_DIR / "train.jsonl",
        help="train file for the TF-IDF baseline trained in the same run",
    )
    ev.add_argument("--no-baseline", action="store_true")
    ev.add_argument("--model", type=Path, default=None, help="model dir (default: shipped)")
    ev.add_argument("--json", type=Path, default=None, help="also write the report as JSON")
    ev.set_defaults(handler=run_evaluate)

    cl = sub.add_parser("classify", help="classify text arguments, or JSONL on stdin")
    cl.add_argument("texts", nargs="*", help="texts; none: read JSONL ({'text': ...}) on stdin")
    cl.add_argument("--model", type=Path, default=None)
    cl.set_defaults(handler=run_classify)


def _rate(value: str) -> float:
    """A share between 0 and 1, refused by argparse (before anything loads) otherwise."""
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {value}")
    return rate


def _load(model_dir: Path | None) -> Any:
    from classifiers.config import ARTIFACT_DIR
    from classifiers.model import MentionClassifier

    return MentionClassifier.load(model_dir or ARTIFACT_DIR)


def run_train(args: argparse.Namespace) -> int:
    from classifiers.config import ARTIFACT_DIR
    from classifiers.model_card import write_model_card
    from classifiers.train import TrainOptions, train

    out = args.out or ARTIFACT_DIR
    opts = TrainOptions(
        train=args.train,
        dev=args.dev,
        out=out,
        epochs=args.epochs,
        seed=args.seed,
        encoder_id=args.encoder,
        max_per_class=args.max_per_class,
        requests_as_questions=not args.keep_labels,
        drop_handles_rate=args.drop_handles,
        drop_question_marks_rate=args.drop_question_marks,
    )
    model = train(opts)
    write_model_card(model, opts)
    print(f"trained {model.config.version}: dev macro-F1 {model.config.metrics['dev_macro_f1']}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from classifiers.data import load_examples
    from classifiers.evaluate import evaluate, format_report

    examples = load_examples(args.data)
    model = _load(args.model)
    report = evaluate(
        model,
        examples,
        None if args.no_baseline else args.baseline_train,
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def run_classify(args: argparse.Namespace) -> int:
    model = _load(args.model)
    if args.texts:
        for prediction in model.predict(args.texts):
            print(json.dumps(prediction.to_dict(), ensure_ascii=False))
        return 0
    return classify_stream(model, sys.stdin, sys.stdout)


def classify_stream(model: Any, source: TextIO, sink: TextIO, chunk: int = 64) -> int:
    """JSONL in (``{"text": ..., "id": ...}``), JSONL out; a bad line yields an error record."""
    failures = 0
    pending: list[tuple[Any, str]] = []

    def flush() -> None:
        for (ident, _), prediction in zip(
            pending, model.predict([t for _, t in pending]), strict=True
        ):
            sink.write(json.dumps({"id": ident, **prediction.to_dict()}, ensure_ascii=False) + "\n")
        pending.clear()

    for lineno, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = obj["text"] if isinstance(obj, dict) else None
            if not isinstance(text, str):
                raise ValueError("expected an object with a string 'text'")
        except (ValueError, KeyError) as exc:
            flush()
            failures += 1
            sink.write(json.dumps({"line": lineno, "error": f"invalid input: {exc}"}) + "\n")
            continue
        pending.append((obj.get("id", lineno), text))
        if len(pending) >= chunk:
            flush()
    flush()
    return 1 if failures else 0
