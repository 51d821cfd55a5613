"""Errors raised by the playbooks package, under the project's root ``MentionbotError``.

``PlaybookError`` carries every finding of a library load at once, so an author fixes them in one
pass and the bot refuses to start saying exactly which file and line is wrong::

    MentionbotError
    ├── PlaybookError                  a playbook library does not load (lists file:line findings)
    └── FillInError                    human-supplied fill-in values are missing or malformed
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from models.errors import MentionbotError


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One problem in a playbook file; ``line`` is 1-based (0: the file as a whole)."""

    path: str
    line: int
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        hint = f" ({self.hint})" if self.hint else ""
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {prefix}{self.message}{hint}"


class PlaybookError(MentionbotError):
    """A playbook library does not load; ``findings`` lists every error found."""

    def __init__(self, findings: Sequence[LintFinding], source: str = "playbook library") -> None:
        self.findings = list(findings)
        lines = "\n".join(f"  {f}" for f in self.findings)
        count = len(self.findings)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {source}:\n{lines}")


class FillInError(MentionbotError):
    """Fill-in values a human supplied are missing or do not match their declared patterns.

    ``problems`` maps each offending fill-in name to what is wrong with it (shown on the card).
    """

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        detail = "; ".join(f"{name}: {msg}" for name, msg in sorted(self.problems.items()))
        super().__init__(f"fill-in values rejected: {detail}")
