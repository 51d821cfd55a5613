"""Spotting chat markup in mention text, and neutralising it.

Mention text is stored verbatim. Anything that chat platforms would act on — ``<!channel>``,
``@everyone``, user or role pings, link syntax, HTML-ish tags — is flagged on the card so every
adapter escapes it before display; the helpers here are the shared building blocks.
"""

from __future__ import annotations

import re

BROADCAST = "broadcast"
USER_PING = "user_ping"
LINK_MARKUP = "link_markup"
TAGS = "tags"
CONTROL = "control_chars"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (BROADCAST, re.compile(r"<!(?:channel|here|everyone)\b[^>]*>|@(?:everyone|here|channel)\b")),
    (USER_PING, re.compile(r"<[@#][!&]?[A-Za-z0-9]+(?:\|[^>]*)?>")),
    (LINK_MARKUP, re.compile(r"<(?:https?|mailto):[^>]*>|\[[^\]]+\]\([^)]+\)")),
    (TAGS, re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?/?>")),
    (CONTROL, _CONTROL),
)
_BROADCAST_AT = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def markup_flags(text: str) -> frozenset[str]:
    """The kinds of markup found in ``text`` (empty: plain text)."""
    return frozenset(name for name, pattern in _CHECKS if pattern.search(text))


def neutralise_broadcasts(text: str) -> str:
    """``@everyone`` → ``@\u2060everyone``: reads the same, pings no one."""
    return _BROADCAST_AT.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def strip_control(text: str) -> str:
    """Replace control and bidi-override characters (terminal escapes, spoofing) with ``�``."""
    return _CONTROL.sub("\ufffd", text)


def escape_slack(text: str) -> str:
    """Escape for Slack ``mrkdwn``: ``& < >`` as entities (so ``<!channel>`` is inert text)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise_broadcasts(strip_control(escaped))
