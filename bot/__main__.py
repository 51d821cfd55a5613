"""``python -m bot`` is the ``mentionbot`` command."""

import sys

from bot.cli import main

sys.exit(main())
