"""Labelled-data parsing and the ``classify`` JSONL stream: bad lines are reported, none lost."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli.classifier_cmds import classify_stream
from classifiers.data import load_examples
from classifiers.errors import DataError
from classifiers.model import MentionClassifier
from models.domain import Label


def test_examples_load_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"text": "hi", "label": "praise"}\n\n{"id": "x:1", "text": "q?", '
        '"label": "question", "lang": "es", "label_origin": "heuristic"}\n'
    )
    first, second = load_examples(path)
    assert first.label is Label.PRAISE and first.lang == "en"
    assert second.id == "x:1" and second.label_origin == "heuristic"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"text": "x", "label": "angry"}', "unknown label 'angry'"),
        ('{"text": 5, "label": "spam"}', "'text' must be a string"),
        ('["text", "spam"]', "expected a JSON object"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "label": "spam"}\n' + line + "\n")
    with pytest.raises(DataError, match=rf"bad.jsonl:2: {message}"):
        load_examples(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot open"):
        load_examples(tmp_path / "nope.jsonl")


def test_classify_stream_reports_bad_lines_and_classifies_the_rest(
    shipped_model: MentionClassifier,
) -> None:
    source = io.StringIO(
        '{"id": "a", "text": "my order never arrived, again"}\n'
        "this is not json\n"
        '{"id": "b"}\n'
        '{"text": "thank you so much for the help"}\n'
    )
    sink = io.StringIO()
    assert classify_stream(shipped_model, source, sink, chunk=1) == 1
    rows = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert [r.get("id", r.get("line")) for r in rows] == ["a", 2, 3, 4]
    assert rows[0]["label"] in {lab.value for lab in Label}
    assert "invalid input" in rows[1]["error"] and "invalid input" in rows[2]["error"]
    assert rows[3]["id"] == 4 and "probabilities" in rows[3]
