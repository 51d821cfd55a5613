"""Reading labelled mentions in the shared JSONL format (see the data README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from classifiers.errors import DataError
from models.domain import Label


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    label: Label
    lang: str = "en"
    source: str = ""
    label_origin: str = "source"
    meta: dict[str, object] = field(default_factory=dict)


def _parse(obj: object, where: str) -> Example:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object")
    text, label = obj.get("text"), obj.get("label")
    if not isinstance(text, str):
        raise DataError(f"{where}: 'text' must be a string")
    try:
        lab = Label(str(label))
    except ValueError:
        known = ", ".join(lab.value for lab in Label)
        raise DataError(f"{where}: unknown label {label!r} (known: {known})") from None
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise DataError(f"{where}: 'meta' must be an object")
    return Example(
        id=str(obj.get("id", where)),
        text=text,
        label=lab,
        lang=str(obj.get("lang") or "en"),
        source=str(obj.get("source") or ""),
        label_origin=str(obj.get("label_origin") or "source"),
        meta=meta,
    )


def iter_examples(path: Path) -> Iterator[Example]:
    """Yield examples; a malformed line raises ``DataError`` naming file and line number."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: invalid JSON ({exc.msg})") from None
            yield _parse(obj, where)


def load_examples(path: Path) -> list[Example]:
    examples = list(iter_examples(path))
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples
