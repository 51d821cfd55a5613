"""``mentionbot playbooks lint | try | train-topics``: check a playbook library, try it on a
mention, train its topic model (``bot.cli.topic_cmds``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli import topic_cmds
from models.domain import Label, NewMention, Prediction
from playbooks import (
    SHIPPED_LIBRARY,
    Library,
    PlaybookError,
    Suggestion,
    check_reply,
    lint_library,
    load_library,
)


def register(sub: Any) -> None:
    pb = sub.add_parser("playbooks", help="check and try reply playbooks")
    pb_sub = pb.add_subparsers(dest="playbooks_command", required=True, metavar="SUBCOMMAND")

    lint = pb_sub.add_parser("lint", help="check a playbook library (exit 1 on any error)")
    lint.add_argument("dir", type=Path, nargs="?", default=SHIPPED_LIBRARY)
    lint.set_defaults(handler=run_lint)

    try_ = pb_sub.add_parser("try", help="classify a text and show ranked suggestions")
    try_.add_argument("text")
    try_.add_argument("--dir", type=Path, default=SHIPPED_LIBRARY, help="playbook library")
    try_.add_argument(
        "--label", choices=[label.value for label in Label], help="skip the classifier"
    )
    try_.add_argument("--platform", default="x", help="for the length limit (x, discord, ...)")
    try_.add_argument("--language", default=None, help="two-letter code (default: guessed)")
    try_.add_argument("--brand", default=None)
    try_.add_argument("--source", default="cli")
    try_.add_argument("--author", default="Alex")
    try_.add_argument("--json", action="store_true", help="print JSON instead of text")
    try_.set_defaults(handler=run_try)
    topic_cmds.register(pb_sub)


def run_lint(args: argparse.Namespace) -> int:
    playbooks, findings = lint_library(args.dir)
    for finding in findings:
        print(finding)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if errors:
        print(f"{errors} error(s), {warnings} warning(s) in {args.dir}", file=sys.stderr)
        return 1
    print(f"{len(playbooks)} playbooks OK ({warnings} warning(s)) in {args.dir}", file=sys.stderr)
    return 0


def run_try(args: argparse.Namespace) -> int:
    from bot.app import sentence_embedder

    embedder = sentence_embedder()
    try:
        library = load_library(args.dir, embedder)
    except PlaybookError as exc:
        print(f"mentionbot: error: {exc}", file=sys.stderr)
        return 1
    mention = NewMention(
        source=args.source,
        external_id="cli",
        author_id="cli",
        author_name=args.author,
        text=args.text,
        url=None,
        language=args.language,
        created_at=datetime.now(UTC),
        brand=args.brand,
    )
    prediction = _predict(args.text, args.label)
    suggestions = library.suggest(mention, prediction, library.embed_mention(embedder, args.text))
    report = [_suggestion_report(library, s, mention, args.platform) for s in suggestions]
    if args.json:
        out = {
            "prediction": prediction.to_dict(),
            "library": library.version,
            "suggestions": report,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_text(prediction, report)
    return 0


def _predict(text: str, label: str | None) -> Prediction:
    if label is not None:
        chosen = Label(label)
        return Prediction(chosen, 1.0, {chosen: 1.0}, False, False, "given")
    from classifiers.model import MentionClassifier

    predictions: list[Prediction] = MentionClassifier.load().predict([text])
    return predictions[0]


def _suggestion_report(
    library: Library, s: Suggestion, mention: NewMention, platform: str
) -> dict[str, Any]:
    findings = []
    if s.kind == "reply":
        findings = check_reply(s.text, mention, platform, library[s.playbook_id])
    return {
        "playbook": s.playbook_id,
        "version": s.playbook_version,
        "kind": s.kind,
        "score": round(s.score, 3),
        "why": [str(r) for r in s.reasons],
        "text": s.text,
        "needs_input": [
            {"name": n.name, "label": n.label, "prompt": n.prompt} for n in s.needs_input
        ],
        "escalation": s.escalation,
        "findings": [f.to_dict() for f in findings],
    }


def _print_text(prediction: Prediction, report: list[dict[str, Any]]) -> None:
    review = " (needs review)" if prediction.needs_review else ""
    print(f"prediction: {prediction.label.value} {prediction.confidence:.2f}{review}")
    if not report:
        print("no playbook matches")
    for rank, item in enumerate(report, 1):
        head = f"#{rank} {item['playbook']}@{item['version']}  score {item['score']}"
        print(f"\n{head}  [{item['kind']}]")
        for why in item["why"]:
            print(f"   why: {why}")
        print("   " + item["text"].replace("\n", "\n   "))
        for need in item["needs_input"]:
            print(f"   needs input: {need['name']} — {need['label']}: {need['prompt']}")
        if item["escalation"]:
            print(f"   escalation: {item['escalation']}")
        for finding in item["findings"]:
            print(f"   policy {finding['severity']}: {finding['rule']}: {finding['message']}")
