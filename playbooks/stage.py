"""``PlaybookSuggester``: the playbook engine as the bot's suggestion stage.

It has the shape of ``bot.suggest.Suggester`` (``async suggest(mention, prediction)`` →
``list[NewSuggestion]``) without importing ``bot``. Per mention: one embedding forward pass (in a
worker thread, one at a time), the pure ranking, and the policy check on each suggested reply;
findings are stored with the suggestion so the card can show them and block approval.

Moderator guidance (``kind: guidance``, e.g. spam handling) is stored like a suggestion so the
card shows it, but always carries the blocking finding ``guidance.not_a_reply``: it can never be
approved and sent as a reply.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

from models.domain import LABELS, NewSuggestion, Prediction
from playbooks.checker import PlaybookReplyChecker
from playbooks.embedder import Embedder
from playbooks.library import Library
from playbooks.mention import MentionLike
from playbooks.policy import DEFAULT_POLICY, Finding, PolicyConfig, Severity
from playbooks.ranking import Floats

NOT_A_REPLY = Finding(
    "guidance.not_a_reply",
    Severity.BLOCKING,
    "moderator guidance, not a reply: act on it, do not send it",
)


def unclassified() -> Prediction:
    """Stand-in when the mention could not be classified: every label equally likely."""
    share = 1.0 / len(LABELS)
    probabilities = dict.fromkeys(LABELS, share)
    return Prediction(LABELS[-1], share, probabilities, True, False, "unclassified")


class PlaybookSuggester:
    """Suggests replies from ``library`` for the bot's pipeline."""

    def __init__(
        self,
        library: Library,
        embedder: Embedder | None = None,
        *,
        k: int = 3,
        policy: PolicyConfig = DEFAULT_POLICY,
        platform_of: Callable[[MentionLike], str] = lambda mention: mention.source,
    ) -> None:
        self.library = library
        self.embedder = embedder
        self.k = k
        self.checker = PlaybookReplyChecker(library, policy=policy, platform_of=platform_of)
        """The policy check run on each suggested reply; the decision service runs the same one
        on approvals (``bot.app.load_playbooks`` hands it over), so both use one policy."""
        self._lock = threading.Lock()

    async def suggest(
        self, mention: MentionLike, prediction: Prediction | None
    ) -> list[NewSuggestion]:
        return await asyncio.to_thread(self.suggest_now, mention, prediction)

    async def suggest_many(
        self, items: Sequence[tuple[MentionLike, Prediction | None]]
    ) -> list[list[NewSuggestion]]:
        """``suggest`` for a batch, with one embedding pass for all of it (in a thread)."""
        return await asyncio.to_thread(self.suggest_many_now, items)

    def suggest_many_now(
        self, items: Sequence[tuple[MentionLike, Prediction | None]]
    ) -> list[list[NewSuggestion]]:
        vectors: list[Floats | None] = [None] * len(items)
        if self.embedder is not None and items:
            with self._lock:
                found = self.library.embed_mentions(self.embedder, [m.text for m, _ in items])
            vectors = list(found)
        return [
            self._ranked(mention, prediction, vector)
            for (mention, prediction), vector in zip(items, vectors, strict=True)
        ]

    def suggest_now(
        self, mention: MentionLike, prediction: Prediction | None
    ) -> list[NewSuggestion]:
        """The same, synchronously (the embedding pass runs in the calling thread)."""
        return self.suggest_many_now([(mention, prediction)])[0]

    def _ranked(
        self, mention: MentionLike, prediction: Prediction | None, vector: Floats | None
    ) -> list[NewSuggestion]:
        ranked = self.library.suggest(mention, prediction or unclassified(), vector, self.k)
        out = []
        for rank, suggestion in enumerate(ranked, 1):
            if suggestion.kind == "guidance":
                findings = [NOT_A_REPLY.to_dict()]
            else:
                findings = self.checker.check(mention, suggestion.playbook_id, suggestion.text, {})
            out.append(suggestion.to_new_suggestion(rank, findings))
        return out
