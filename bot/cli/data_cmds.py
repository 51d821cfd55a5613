"""``mentionbot import FILE`` and ``mentionbot db upgrade | current``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import add_config, load
from bot.settings import Settings


def register(sub: Any) -> None:
    imp = sub.add_parser("import", help="import mentions from a JSONL or CSV file")
    add_config(imp)
    imp.add_argument("file", type=Path, help="*.jsonl (one ingest object per line) or *.csv")
    imp.set_defaults(handler=run_import)

    db = sub.add_parser("db", help="database schema")
    add_config(db)
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(handler=run_db)


async def _import(settings: Settings, path: Path) -> int:
    from tqdm import tqdm

    from bot.app import ensure_sqlite_dir
    from bot.importer import count_lines, import_file
    from models.store import Store

    url = settings.database.url.get_secret_value()
    ensure_sqlite_dir(url)
    async with Store.open(url, migrate=True) as store:
        with tqdm(total=count_lines(path), unit="row", file=sys.stderr) as bar:
            report = await import_file(store, path, bar.update)
    for bad in report.bad:
        print(f"{path}:{bad.line}: skipped: {bad.problem}", file=sys.stderr)
    print(
        f"{report.rows} rows: {report.created} new, {report.known} already stored, "
        f"{len(report.bad)} bad (skipped, listed above)"
    )
    return 1 if report.bad else 0


def run_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"mentionbot: error: {args.file} does not exist", file=sys.stderr)
        return 2
    return asyncio.run(_import(load(args), args.file))


async def _db(settings: Settings, action: str) -> None:
    from bot.app import ensure_sqlite_dir
    from models.migrate import current_revision, head_revision, upgrade

    url = settings.database.url.get_secret_value()
    ensure_sqlite_dir(url)
    if action == "upgrade":
        await upgrade(url)
        print(f"{settings.database.display_url} is at {head_revision()} (head)")
    else:
        print(await current_revision(url) or "(not migrated)")


def run_db(args: argparse.Namespace) -> int:
    asyncio.run(_db(load(args), args.action))
    return 0
