"""``PlaybookReplyChecker``: the policy check as the bot's reply checker.

It has the shape of ``bot.replycheck.ReplyChecker`` without importing ``bot``: the decision
service calls it on the final text of every approval — a suggestion as is, one with fill-ins
supplied, or a reply a human edited — so an edit cannot slip in a phone number, a mass mention
or an unfilled variable that the suggestion did not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from playbooks.library import Library
from playbooks.mention import MentionLike
from playbooks.policy import DEFAULT_POLICY, PolicyConfig, check_reply


class PlaybookReplyChecker:
    def __init__(
        self,
        library: Library,
        *,
        policy: PolicyConfig = DEFAULT_POLICY,
        platform_of: Callable[[MentionLike], str] = lambda mention: mention.source,
    ) -> None:
        self.library = library
        self.policy = policy
        self.platform_of = platform_of

    def check(
        self,
        mention: MentionLike,
        playbook_id: str | None,
        text: str,
        fill_ins: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        """Policy findings for ``text`` (from ``playbook_id``, if any) as plain dicts."""
        playbook = None if playbook_id is None else self.library.get(playbook_id)
        findings = check_reply(
            text,
            mention,
            self.platform_of(mention),
            playbook,
            fill_ins=fill_ins,
            config=self.policy,
        )
        out = [f.to_dict() for f in findings]
        if playbook is not None and fill_ins:
            for name, problem in sorted(playbook.validate_fill_ins(fill_ins).items()):
                message = f"fill-in {name!r}: {problem}"
                out.append({"rule": "fill_in.invalid", "severity": "blocking", "message": message})
        return out
