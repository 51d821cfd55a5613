"""``mentionbot playbooks lint | try``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import playbook_cmds
from tests.playbooks.conftest import valid_playbook

Write = Callable[[str, str], Path]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mentionbot")
    playbook_cmds.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def test_lint_shipped_library_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["playbooks", "lint"]) == 0
    assert "playbooks OK" in capsys.readouterr().err


def test_lint_broken_library_exits_1_with_file_and_line(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = write("x.yaml", valid_playbook().replace("[complaint]", "[complaints]"))
    assert run(["playbooks", "lint", str(directory)]) == 1
    out = capsys.readouterr()
    assert (
        f"{directory / 'x.yaml'}:4: unknown label 'complaints' (did you mean 'complaint'?)"
        in out.out
    )
    assert "1 error(s)" in out.err


@pytest.mark.slow
def test_try_shows_prediction_suggestions_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "playbooks",
            "try",
            "--label",
            "complaint",
            "--brand",
            "Skylark Air",
            "--json",
            "my flight got cancelled, call me on 555-201-3344",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["prediction"]["label"] == "complaint"
    first = report["suggestions"][0]
    assert first["playbook"] == "skylark.cancelled-flight"
    assert first["why"] and first["version"]
    assert isinstance(first["findings"], list)
