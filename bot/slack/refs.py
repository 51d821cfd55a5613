"""What the desk records as a card's ``MessageRef.message_id`` (the store keeps it verbatim):

* ``<ts>``: a card of its own at the top of a channel;
* ``<ts>@<root ts>``: a follow-up card, posted in the thread of the card at ``<root ts>``;
* ``digest:<digest ts>:<mention id>``: a mention collected into a digest message.
"""

from __future__ import annotations

from bot.chat.card import MessageRef

_DIGEST = "digest:"


def digest_ref(channel: str, ts: str, mention_id: int) -> MessageRef:
    return MessageRef(channel, f"{_DIGEST}{ts}:{mention_id}")


def parse_digest(ref: MessageRef) -> tuple[str, int] | None:
    """(digest ts, mention id) for a ref into a digest, None for a card of its own."""
    if not ref.message_id.startswith(_DIGEST):
        return None
    ts, _, mid = ref.message_id[len(_DIGEST) :].rpartition(":")
    return (ts, int(mid)) if ts and mid.isdigit() else None


def card_ref(channel: str, ts: str, root: str | None) -> MessageRef:
    return MessageRef(channel, ts if root is None or root == ts else f"{ts}@{root}")


def message_ts(ref: MessageRef) -> str:
    """The card message's own ``ts`` (for chat.update)."""
    return ref.message_id.partition("@")[0]


def thread_ts(ref: MessageRef) -> str:
    """The ``ts`` to reply under so a message joins the card's conversation."""
    ts, _, root = ref.message_id.partition("@")
    return root or ts
