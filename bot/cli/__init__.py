"""The ``mentionbot`` command line. Each command module registers its own sub-commands."""

from bot.cli.main import main

__all__ = ["main"]
