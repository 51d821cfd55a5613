"""The commands a newcomer types: demo, decide, import, db upgrade."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from bot.app import running
from bot.cli import main
from bot.http.schema import MentionIn
from models.domain import Action, NewMention
from tests.bot.conftest import TOKENS, ModelFiles, bot_settings, mention_json
from tests.conftest import Backend


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("MENTIONBOT_CONFIG", "MENTIONBOT_DATABASE__URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_demo_once_runs_the_whole_path_and_exits(
    workdir: Path,
    model_files: ModelFiles,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MENTIONBOT_CLASSIFIER__MODEL_DIR", str(model_files.model_dir))
    monkeypatch.setenv("MENTIONBOT_CLASSIFIER__ONNX_CACHE_DIR", str(model_files.cache_dir))
    assert main(["demo", "--once", "--port", "0"]) == 0
    out = capsys.readouterr().out
    assert out.count("┌─ #") == 30  # every example mention shown as a card
    assert "follow-up to card" in out  # María's second message joins her first card's thread
    assert "⚠ contains markup (broadcast, user_ping)" in out
    assert "➜ PUBLISHED reply to x/sk-1001 (@maria_gv)" in out
    assert "delivery done" in out
    assert (workdir / "var/demo/mentionbot.db").is_file()


async def test_decide_command_approves_through_the_api(backend: Backend) -> None:
    async with running(bot_settings(backend.url, None)) as bot:
        assert bot.http is not None
        [result] = await bot.store.ingest([_new(1)])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "decide", str(result.id), "approve",
            "--text", "We're on it!", "--api", bot.http.url, "--token", TOKENS["alice"][0],
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await proc.communicate()
        assert proc.returncode == 0, out
        assert b"approve recorded for alice" in out
        history = await bot.store.get_mention(result.id)
        assert [d.action for d in history.decisions] == [Action.APPROVE]
        assert history.outbox[0].payload["text"] == "We're on it!"


def _new(n: int) -> NewMention:
    return MentionIn.model_validate(mention_json(n)).to_new()


def test_import_reports_bad_rows_by_line_and_is_idempotent(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MENTIONBOT_DATABASE__URL", f"sqlite+aiosqlite:///{workdir}/imp.db")
    lines = [json.dumps(mention_json(i)) for i in range(5)]
    lines[2] = '{"source": "x", "external_id": "broken"'
    lines[3] = json.dumps(mention_json(3, created_at="yesterday"))
    jsonl = workdir / "mentions.jsonl"
    jsonl.write_text("\n".join(lines) + "\n\n")
    assert main(["import", str(jsonl)]) == 1
    captured = capsys.readouterr()
    assert "mentions.jsonl:3: skipped" in captured.err
    assert "mentions.jsonl:4: skipped: created_at" in captured.err
    assert "5 rows: 3 new, 0 already stored, 2 bad" in captured.out
    assert main(["import", str(jsonl)]) == 1
    assert "5 rows: 0 new, 3 already stored, 2 bad" in capsys.readouterr().out

    csv_file = workdir / "mentions.csv"
    csv_file.write_text(
        "source,external_id,author_id,author_name,text,created_at,metadata\n"
        'reviews,r1,u1,Ana,"Great crew, thanks!",2025-03-14T09:00:00Z,"{""stars"": 5}"\n'
        "reviews,r2,u2,Bo,missing time,,\n"
    )
    assert main(["import", str(csv_file)]) == 1
    captured = capsys.readouterr()
    assert "mentions.csv:3: skipped: created_at" in captured.err
    assert "2 rows: 1 new" in captured.out


def test_db_upgrade_creates_the_schema(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current"]) == 0
    assert "(not migrated)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "(head)" in capsys.readouterr().out
    assert (workdir / "var/mentionbot.db").is_file()  # the default lives in ./var


def test_config_errors_exit_with_a_message(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MENTIONBOT_HTTP__PORT", "not-a-port")
    assert main(["db", "upgrade"]) == 2
    assert "http.port" in capsys.readouterr().err


def test_serve_refuses_to_start_with_a_broken_playbook_library(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo in a playbook stops start-up with file:line — nothing half-starts."""
    library = workdir / "library"
    library.mkdir()
    (library / "faq.yaml").write_text(
        "id: faq\ntitle: FAQ\nowner: me\nlabels: [questoin]\nmatch:\n  keywords: [faq]\n"
        'replies:\n  en: ["Hi {{ author }}"]\n'
    )
    monkeypatch.setenv("MENTIONBOT_PLAYBOOKS__DIRECTORY", str(library))
    monkeypatch.setenv("MENTIONBOT_PLAYBOOKS__SEMANTIC", "false")
    monkeypatch.setenv("MENTIONBOT_HTTP__INGEST_SECRET", "s")
    monkeypatch.setenv("MENTIONBOT_PIPELINE__ENABLED", "false")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "faq.yaml:4" in err and "questoin" in err
