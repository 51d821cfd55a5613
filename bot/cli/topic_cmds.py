"""``mentionbot playbooks train-topics``: learn which ``covers`` topic a mention is about.

Reads labelled mentions in the shared JSONL format (``text``, ``label``, ``meta``), keeps those
with ``label`` = ``--label`` whose ``meta`` has ``--field`` (default: complaints with a
``negativereason``), embeds them with the library's sentence encoder and fits
``playbooks.topics.TopicModel``, writing ``topics.npz`` into the library directory. Only weights
are written, never mention text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from classifiers.data import iter_examples
from classifiers.errors import DataError
from playbooks import SHIPPED_LIBRARY


def register(pb_sub: Any) -> None:
    train = pb_sub.add_parser(
        "train-topics", help="train the library's topic model on labelled mentions"
    )
    train.add_argument("--data", type=Path, required=True, help="labelled mentions (JSONL)")
    train.add_argument("--dir", type=Path, default=SHIPPED_LIBRARY, help="playbook library")
    train.add_argument("--label", default="complaint", help="mentions with this label")
    train.add_argument("--field", default="negativereason", help="topic field in meta")
    train.add_argument("--out", type=Path, default=None, help="default: DIR/topics.npz")
    train.set_defaults(handler=run_train_topics)


def read_topics(path: Path, label: str, field: str) -> tuple[list[str], list[str]]:
    """Texts and topics of the labelled mentions with ``label`` whose ``meta`` has ``field``;
    raises DataError naming file:line (``classifiers.data`` reads the format)."""
    texts: list[str] = []
    topics: list[str] = []
    for example in iter_examples(path):
        topic = example.meta.get(field)
        if example.label == label and isinstance(topic, str) and topic.strip():
            texts.append(example.text)
            topics.append(topic.strip())
    return texts, topics


def run_train_topics(args: argparse.Namespace) -> int:
    from bot.app import sentence_embedder
    from playbooks import load_library
    from playbooks.topics import TOPICS_FILE, train_topics

    try:
        texts, topics = read_topics(args.data, args.label, args.field)
    except DataError as exc:
        print(f"mentionbot: error: {exc}", file=sys.stderr)
        return 1
    if len(set(topics)) < 2:
        print(
            f"mentionbot: error: {args.data} has fewer than two {args.field!r} topics among "
            f"{args.label!r} mentions",
            file=sys.stderr,
        )
        return 1
    embedder = sentence_embedder()
    print(f"embedding {len(texts)} mentions ...", file=sys.stderr)
    vectors = embedder.embed(texts)
    info = {"data": args.data.name, "label": args.label, "field": args.field}
    model = train_topics(vectors, topics, embedder.model_id, info=info)
    out = args.out or args.dir / TOPICS_FILE
    model.save(out)
    library = load_library(args.dir, embedder)  # checks the file loads with this library
    covered = {t for p in library for t in p.spec.covers}
    uncovered = [t for t in model.topics if t not in covered]
    print(json.dumps(model.info, indent=2))
    print(f"wrote {out} ({out.stat().st_size} bytes): {len(model.topics)} topics")
    if uncovered:
        print(f"topics no playbook covers (never boost a playbook): {', '.join(uncovered)}")
    return 0
