"""Bulk import of mentions from JSONL or CSV, straight into the store.

Each row is checked against the same schema as the ingest endpoint. A bad row is reported with
its line number and skipped; good rows are stored in chunks (idempotent on source + external id,
so re-running an import is harmless). The report counts every line: nothing is dropped silently.

JSONL: one ingest object per line. CSV: a header with ``source, external_id, author_id,
author_name, text, created_at`` and optionally ``url, language, author_avatar_url, brand,
thread_key, metadata`` (a JSON object).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.http.schema import MentionIn, violations
from models.domain import NewMention
from models.store import Store

CHUNK = 500
_OPTIONAL = ("url", "language", "brand", "thread_key")


@dataclass
class BadRow:
    line: int
    problem: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    known: int = 0
    bad: list[BadRow] = field(default_factory=list)


def _csv_object(row: dict[str, str | None]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "source": row.get("source"),
        "external_id": row.get("external_id"),
        "author": {"id": row.get("author_id"), "name": row.get("author_name")},
        "text": row.get("text"),
        "created_at": row.get("created_at"),
    }
    if row.get("author_avatar_url"):
        obj["author"]["avatar_url"] = row["author_avatar_url"]
    for name in _OPTIONAL:
        if row.get(name):
            obj[name] = row[name]
    if row.get("metadata"):
        obj["metadata"] = json.loads(row["metadata"] or "{}")
    return obj


def read_rows(path: Path) -> Iterator[tuple[int, MentionIn | str]]:
    """(line number, mention or the problem with that line), for every non-blank line."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(handle)
            for row in reader:
                line = reader.line_num
                try:
                    yield line, MentionIn.model_validate(_csv_object(row))
                except ValidationError as exc:
                    yield line, _describe(exc)
                except ValueError as exc:
                    yield line, f"metadata is not a JSON object: {exc}"
            return
        for line, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                yield line, MentionIn.model_validate_json(text)
            except ValidationError as exc:
                yield line, _describe(exc)


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{v['loc']}: {v['msg']}" for v in violations(exc))


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


async def import_file(
    store: Store, path: Path, progress: Callable[[int], None] = lambda n: None
) -> ImportReport:
    """Import ``path`` (``.csv``, anything else is JSONL); ``progress(n)`` after each row."""
    report = ImportReport()
    pending: list[NewMention] = []

    async def flush() -> None:
        results = await store.ingest(pending)
        made = sum(r.created for r in results)
        report.created += made
        report.known += len(results) - made
        pending.clear()

    for line, parsed in read_rows(path):
        report.rows += 1
        if isinstance(parsed, str):
            report.bad.append(BadRow(line, parsed))
        else:
            pending.append(parsed.to_new())
            if len(pending) >= CHUNK:
                await flush()
        progress(1)
    if pending:
        await flush()
    return report
