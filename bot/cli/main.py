"""Entry point: builds the argument parser from the command modules and dispatches."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import classifier_cmds, data_cmds, decide_cmds, playbook_cmds, serve_cmds
from models.errors import MentionbotError

COMMAND_MODULES = (classifier_cmds, serve_cmds, decide_cmds, data_cmds, playbook_cmds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentionbot",
        description="Self-hosted brand-mention triage: classify, suggest, relay, decide.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except MentionbotError as exc:
        print(f"mentionbot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code
