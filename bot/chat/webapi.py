"""Cards over the Slack Web API's message calls: ``chat.postMessage``, ``chat.update`` and, to
find a card an interrupted attempt may have posted, ``conversations.history`` /
``conversations.replies`` with message metadata.

Every card carries metadata ``{"event_type": "mentionbot_card", "event_payload": {"mention_id":
…}}``; that is how a card is found again after a crash, since ``chat.postMessage`` has no
idempotency key. Slack answers HTTP 429 with ``Retry-After`` when rate limiting, and ``{"ok":
false, "error": …}`` for refusals. Interactivity (buttons → decisions) comes with the Slack
adapter; this module is the shared message plumbing and works against any server speaking
these calls.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self

import aiohttp

from bot.chat.base import ChatAdapter
from bot.chat.card import Card, MessageRef
from bot.chat.markup import escape_slack
from bot.errors import PermanentError, TransientError
from bot.outbound import call_json

EVENT_TYPE = "mentionbot_card"
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_PAGE = 200
_MAX_PAGES = 50


class WebApiChatAdapter(ChatAdapter):
    name = "webapi"

    def __init__(self, base_url: str, token: str, channel: str, timeout_s: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._channel = channel
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(
            timeout=self._timeout, headers={"Authorization": f"Bearer {self._token}"}
        )
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self, method: str, payload: dict[str, Any], *, read: bool = False
    ) -> dict[str, Any]:
        """Write methods take a JSON body; read methods (``conversations.*``) query parameters."""
        if self._session is None:
            raise PermanentError(f"{self.name} adapter used outside 'async with'")
        url = f"{self._base}/{method}"
        if read:
            params = {
                k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in payload.items()
            }
            _, body = await call_json(self._session, "GET", url, params=params, what=method)
        else:
            _, body = await call_json(self._session, "POST", url, json=payload, what=method)
        if not isinstance(body, dict):
            raise TransientError(f"{method}: answer is not a JSON object")
        if not body.get("ok"):
            error = str(body.get("error", "unknown_error"))
            if error in TRANSIENT_ERRORS:
                raise TransientError(f"{method}: {error}")
            raise PermanentError(f"{method}: {error}")
        return body

    async def post_card(self, card: Card) -> MessageRef:
        payload = message(card) | {"channel": self._channel}
        if card.thread is not None:
            payload["thread_ts"] = card.thread.message_id
        body = await self._call("chat.postMessage", payload)
        return MessageRef(str(body.get("channel", self._channel)), str(body["ts"]))

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        payload = message(card) | {"channel": ref.channel, "ts": ref.message_id}
        await self._call("chat.update", payload)

    async def find_card(self, card: Card, since: datetime) -> MessageRef | None:
        """Search the channel (and the follow-up thread, if any) for the card's metadata."""
        base = {"channel": self._channel, "oldest": f"{since.timestamp():.6f}"}
        searches = [("conversations.history", base)]
        if card.thread is not None:
            thread = base | {"channel": card.thread.channel, "ts": card.thread.message_id}
            searches.append(("conversations.replies", thread))
        for method, query in searches:
            found = await self._search(method, query, card.mention_id)
            if found is not None:
                return found
        return None

    async def _search(
        self, method: str, query: dict[str, Any], mention_id: int
    ) -> MessageRef | None:
        cursor = None
        for _ in range(_MAX_PAGES):
            payload = query | {"limit": _PAGE, "include_all_metadata": True}
            if cursor:
                payload["cursor"] = cursor
            body = await self._call(method, payload, read=True)
            ts = card_ts(body, mention_id)
            if ts is not None:
                return MessageRef(str(query["channel"]), ts)
            cursor = next_cursor(body)
            if cursor is None:
                return None
        raise TransientError(f"{method}: more than {_MAX_PAGES} pages; lookup incomplete")


def card_ts(page: dict[str, Any], mention_id: int) -> str | None:
    """The ``ts`` of the card for ``mention_id`` in a ``conversations.*`` page, by metadata."""
    for msg in page.get("messages", []):
        meta = msg.get("metadata") or {}
        event = meta.get("event_payload") or {}
        if meta.get("event_type") == EVENT_TYPE and event.get("mention_id") == mention_id:
            return str(msg["ts"])
    return None


def next_cursor(page: dict[str, Any]) -> str | None:
    """The cursor of the next ``conversations.*`` page, None on the last one."""
    cursor = (page.get("response_metadata") or {}).get("next_cursor")
    return str(cursor) if page.get("has_more") and cursor else None


def message(card: Card) -> dict[str, Any]:
    """Text, blocks and metadata for ``card`` (all mention text escaped)."""
    m, s = card.mention, card.state
    text = escape_slack(m.text)
    lines = [f"*{escape_slack(card.headline())}*", f">{text}"]
    if card.prediction is not None:
        p = card.prediction
        lines.append(
            f"{p.label.value} {p.confidence:.0%}" + (" · review" if p.needs_review else "")
        )
    if card.markup:
        lines.append(f":warning: contains markup ({', '.join(sorted(card.markup))}), escaped")
    for sug in card.suggestions[:1]:
        lines.append(
            f"Suggested ({sug.playbook_id} v{sug.playbook_version}): {escape_slack(sug.text)}"
        )
    lines.append(escape_slack(" · ".join(s.progress())))
    body = "\n".join(lines)
    buttons = [
        {
            "type": "button",
            "action_id": action,
            "text": {"type": "plain_text", "text": action},
            "value": f"{action}:{m.id}",
        }
        for action in ("approve", "reject", "claim", "remove")
    ]
    return {
        "text": body,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
            {"type": "actions", "block_id": f"mention-{m.id}", "elements": buttons},
        ],
        "metadata": {
            "event_type": EVENT_TYPE,
            "event_payload": {"mention_id": m.id, "source": m.source, "external_id": m.external_id},
        },
        "unfurl_links": False,
        "unfurl_media": False,
    }
