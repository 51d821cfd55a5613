"""``mentionbot serve | worker | demo``: run the bot."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli.common import add_config, load, until_signalled


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the bot: HTTP ingest + API and the pipeline")
    add_config(serve)
    serve.set_defaults(handler=run_serve)

    worker = sub.add_parser(
        "worker", help="run only the pipeline (more worker processes on PostgreSQL)"
    )
    add_config(worker)
    worker.set_defaults(handler=run_worker)

    demo = sub.add_parser("demo", help="the whole bot on SQLite with an example stream")
    add_config(demo)
    demo.add_argument(
        "--once",
        action="store_true",
        help="feed, approve one reply, publish it and exit (default when stdin is no terminal)",
    )
    demo.add_argument("--port", type=int, default=8787, help="HTTP port (0: any free port)")
    demo.set_defaults(handler=run_demo)


async def _serve(settings: Any) -> None:
    from bot.app import running

    async with running(settings):
        await until_signalled()


def run_serve(args: argparse.Namespace) -> int:
    asyncio.run(_serve(load(args)))
    return 0


def run_worker(args: argparse.Namespace) -> int:
    asyncio.run(_serve(load(args, http={"enabled": False})))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from bot.demo import DemoOptions, run_demo

    settings = load(args)
    return asyncio.run(run_demo(settings, DemoOptions(once=args.once, port=args.port)))
