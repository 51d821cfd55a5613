"""Playbooks: versioned reply templates, matched to mentions, filled, ranked and policy-checked.

Wiring in the bot (composition root)::

    from classifiers.encoders import encoder_path
    from playbooks import MiniLMEmbedder, PlaybookSuggester, load_library

    embedder = MiniLMEmbedder(encoder_path("sentence-transformers/all-MiniLM-L6-v2"))
    library = load_library(directory, embedder)   # raises PlaybookError: refuse to start
    suggester = PlaybookSuggester(library, embedder)  # a bot.suggest.Suggester

    # on every edited reply, before approval:
    findings = check_reply(edited, mention, platform, library.get(playbook_id), fill_ins=values)
    if blocking(findings): refuse

The pieces, for other uses: ``library.embed_mention(embedder, text)`` (the one forward pass),
``library.suggest(mention, prediction, vector)`` (pure, ranked ``Suggestion``s with reasons),
``Suggestion.to_new_suggestion(rank, findings)`` (what the store keeps: playbook id + version),
``Playbook.render_final(mention, fill_ins)`` (the reply once a human supplied the fill-ins).

``playbooks`` imports ``models`` only; the embedding model is passed in.
"""

from playbooks.checker import PlaybookReplyChecker
from playbooks.embedder import Embedder, MiniLMEmbedder
from playbooks.errors import FillInError, LintFinding, PlaybookError
from playbooks.library import Library
from playbooks.loader import SHIPPED_LIBRARY, lint_library, load_library
from playbooks.mention import MentionLike
from playbooks.playbook import FillInRequest, Playbook
from playbooks.policy import (
    DEFAULT_POLICY,
    BannedPhrase,
    Finding,
    PolicyConfig,
    Severity,
    blocking,
    check_reply,
)
from playbooks.ranking import Weights
from playbooks.stage import PlaybookSuggester
from playbooks.suggest import Reason, Suggestion, suggest

__all__ = [
    "DEFAULT_POLICY",
    "SHIPPED_LIBRARY",
    "BannedPhrase",
    "Embedder",
    "FillInError",
    "FillInRequest",
    "Finding",
    "Library",
    "LintFinding",
    "MentionLike",
    "MiniLMEmbedder",
    "Playbook",
    "PlaybookError",
    "PlaybookReplyChecker",
    "PlaybookSuggester",
    "PolicyConfig",
    "Reason",
    "Severity",
    "Suggestion",
    "Weights",
    "blocking",
    "check_reply",
    "lint_library",
    "load_library",
    "suggest",
]
