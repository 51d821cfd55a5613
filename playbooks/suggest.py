"""Suggestions: the top playbooks for a mention, each with its score, why it matched, and the
reply filled from the mention (fill-ins left as ``[[name]]`` placeholders, listed as
``needs_input``). Pure: no I/O, no model; the mention's embedding is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from models.domain import LABELS, NewSuggestion, Prediction
from playbooks.keywords import words
from playbooks.mention import MentionLike, fold, mention_language
from playbooks.playbook import FillInRequest
from playbooks.ranking import Scores

if TYPE_CHECKING:
    from playbooks.library import Library
    from playbooks.ranking import Floats

MAX_MATCH_CHARS = 4000
"""Keywords and regexes look at this much of a mention (bounds work on pathological input)."""

ReasonKind = Literal["label", "keyword", "regex", "semantic", "fallback", "topic"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a playbook matched, and how much it added to the score."""

    kind: ReasonKind
    detail: str
    contribution: float

    def __str__(self) -> str:
        return f"{self.detail} (+{self.contribution:.2f})"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A ranked, filled reply (or moderator guidance, ``kind="guidance"``) from one playbook."""

    playbook_id: str
    playbook_version: str
    title: str
    kind: Literal["reply", "guidance"]
    score: float
    reasons: tuple[Reason, ...]
    text: str
    language: str
    needs_input: tuple[FillInRequest, ...]
    escalation: str | None

    @property
    def why(self) -> str:
        return "; ".join(str(r) for r in self.reasons)

    def to_new_suggestion(self, rank: int, findings: Sequence[Any] = ()) -> NewSuggestion:
        """The record the store keeps (playbook id and version feed ``playbook_stats``).

        ``findings`` are policy findings (``playbooks.policy.Finding``) or plain dicts.
        """
        stored = [f.to_dict() if hasattr(f, "to_dict") else f for f in findings]
        return NewSuggestion(
            self.playbook_id, self.playbook_version, rank, round(self.score, 6), self.text, stored
        )


def suggest(
    library: Library,
    mention: MentionLike,
    prediction: Prediction,
    embedding: Floats | None = None,
    k: int = 3,
) -> list[Suggestion]:
    """The ``k`` best playbooks for ``mention``, best first.

    ``embedding``: the mention's L2-normalised vector from the same embedder the library was
    loaded with (``library.embed_mention``); without it semantic matching is skipped.
    """
    ranker = library.ranker
    language = mention_language(mention)
    folded = fold(mention.text[:MAX_MATCH_CHARS])
    admitted = ranker.admitted(language, mention.source or "", mention.brand or "")
    vector = None if embedding is None else np.asarray(embedding, dtype=np.float32).reshape(-1)
    scores = ranker.score(prediction, words(folded), folded, admitted, vector)
    out = []
    for i in ranker.top(scores, k):
        playbook = library.playbooks[i]
        rendered = playbook.render(mention, language=language)
        out.append(
            Suggestion(
                playbook_id=playbook.id,
                playbook_version=playbook.version,
                title=playbook.spec.title,
                kind=playbook.spec.kind,
                score=float(scores.total[i]),
                reasons=tuple(_reasons(library, i, scores, prediction)),
                text=rendered.text,
                language=rendered.language,
                needs_input=rendered.needs_input,
                escalation=playbook.spec.escalation,
            )
        )
    return out


def _reasons(library: Library, i: int, scores: Scores, prediction: Prediction) -> list[Reason]:
    w = library.ranker.weights
    playbook = library.playbooks[i]
    served = [lab for lab in LABELS if lab in playbook.labels]
    best = max(served, key=lambda lab: prediction.probabilities.get(lab, lab == prediction.label))
    reasons = [
        Reason("label", f"serves {best.value} (p={scores.label[i]:.2f})", w.label * scores.label[i])
    ]
    if i in scores.keyword_hits:
        reasons.append(Reason("keyword", f"keyword {scores.keyword_hits[i]!r}", w.keyword))
    if i in scores.regex_hits:
        reasons.append(Reason("regex", f"pattern matched {scores.regex_hits[i]!r}", w.regex))
    if scores.topic is not None and library.topics is not None and scores.topic[i] > 0.05:
        covered = [t for t in library.topics.topics if t in playbook.spec.covers]
        detail = f"about {', '.join(covered)} (p={scores.topic[i]:.2f})"
        reasons.append(Reason("topic", detail, w.topic * float(scores.topic[i])))
    semantic = float(scores.semantic[i])
    example = None
    if scores.similarities is not None and library.index is not None:
        example = library.index.best_example(scores.similarities, i)
    if playbook.spec.fallback and float(scores.raw_semantic[i]) < semantic:
        reasons.append(Reason("fallback", "catch-all for its labels", w.semantic * semantic))
    elif example is not None and semantic > 0:
        detail = f"similar ({semantic:.2f}) to example {_short(example)!r}"
        reasons.append(Reason("semantic", detail, w.semantic * semantic))
    return reasons


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
