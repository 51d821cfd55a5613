"""Helpers shared by the runtime's commands: ``--config`` and reading settings once."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Any

from bot import logs
from bot.settings import Settings


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="TOML settings file (default: $MENTIONBOT_CONFIG); env vars MENTIONBOT_* win",
    )


def load(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Read the settings (once per command) and set up logging from them."""
    settings = Settings.load(args.config, **overrides)
    logs.configure(settings.logging)
    return settings


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
