"""The reply-check seam: every reply is checked before it can be approved.

``DecisionService`` calls a ``ReplyChecker`` on the final text of every approval (suggested as
is, filled in, or edited). The playbook engine's policy check (``playbooks.checker``) plugs in
from the composition root. Findings are plain dicts — ``rule``, ``severity`` (``blocking`` or
``warning``), ``message`` and optionally ``span`` — as stored with suggestions; a blocking one
prevents approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from models.domain import MentionRecord

BLOCKING = "blocking"
Finding = dict[str, Any]


class ReplyChecker(Protocol):
    def check(
        self,
        mention: MentionRecord,
        playbook_id: str | None,
        text: str,
        fill_ins: Mapping[str, str],
    ) -> list[Finding]:
        """Findings for ``text`` as a reply to ``mention`` (from playbook ``playbook_id``, None
        for a reply a human wrote from scratch). Pure and quick: no I/O."""
        ...


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that prevent approval."""
    return [f for f in findings if f.get("severity") == BLOCKING]


def fill_in(text: str, values: Mapping[str, str]) -> str:
    """Replace ``[[name]]`` placeholders (how suggestions show missing fill-ins) with values."""
    for name, value in values.items():
        text = text.replace(f"[[{name}]]", value.strip())
    return text
