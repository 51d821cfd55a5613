"""The playbook file schema (pydantic v2). One YAML file holds one playbook.

Example (abridged)::

    id: skylark.lost-luggage
    title: Bag did not arrive
    brand: Skylark Air
    owner: baggage-desk
    labels: [complaint]
    covers: ["Lost Luggage"]          # topics it answers: the topic model ranks by them; evals
    priority: 60                      # 0..100, a small tie-breaker
    match:
      keywords: [lost bag, "bagage*"] # whole words/phrases, case and accent blind; "word*" = prefix
      regex: ['\\bbag\\w*\\b.{0,40}\\b(missing|never arrived)\\b']
      languages: [en, es, fr]         # empty: any language
      sources: []                     # empty: any source
      examples: ["my suitcase did not come off the carousel"]
    variables:
      mention: [author, brand]
      fill_in:
        file_ref: {label: "Baggage file reference", prompt: "From the customer's DM",
                   pattern: "^[A-Z]{5}[0-9]{5}$"}
      constants: {baggage_url: "https://skylark.example/baggage"}
    replies:
      en: ["Hi {{ author }}, ... {{ file_ref }} ..."]
    escalation: Escalate to the baggage desk after 5 days.
    disclaimer: {required: false, text: {en: "Terms apply."}}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.domain import Label

_ID = r"^[a-z0-9][a-z0-9._-]{1,79}$"
_LANG = r"^[a-z]{2}$"
_NAME = r"^[a-z_][a-z0-9_]{0,39}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FillIn(_Strict):
    """A value a human supplies before sending (the chat card asks for it)."""

    label: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    pattern: str | None = None
    """Regular expression the whole value must match (``re.fullmatch``)."""


class Variables(_Strict):
    mention: list[str] = []
    """Names of mention variables the replies use (see ``playbooks.mention.MENTION_VARIABLES``)."""
    fill_in: dict[str, FillIn] = {}
    constants: dict[str, str] = {}
    """Fixed values reviewed with the playbook, e.g. a help-page link or support address."""


class Match(_Strict):
    keywords: list[str] = []
    regex: list[str] = []
    languages: list[str] = []
    sources: list[str] = []
    examples: list[str] = []


class Disclaimer(_Strict):
    required: bool = False
    """Always required, whatever the reply says (otherwise only when it mentions money)."""
    text: dict[str, str] = {}
    """Disclaimer per language; a reply carries it verbatim."""


class PlaybookSpec(_Strict):
    """A playbook as written: validated, not yet compiled."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    kind: Literal["reply", "guidance"] = "reply"
    """``guidance``: text for a moderator (e.g. spam handling), never sent as a reply."""
    brand: str | None = None
    owner: str = Field(min_length=1)
    labels: list[Label] = Field(min_length=1)
    covers: list[str] = []
    priority: int = Field(default=50, ge=0, le=100)
    fallback: bool = False
    """A catch-all for its labels: ranks first only when no specific playbook matches well."""
    match: Match = Match()
    variables: Variables = Variables()
    replies: dict[str, list[str]] = Field(min_length=1)
    escalation: str | None = None
    disclaimer: Disclaimer = Disclaimer()


LANGUAGE_PATTERN = _LANG
VARIABLE_PATTERN = _NAME


def known_keys() -> set[str]:
    """Every key the schema accepts anywhere (for "did you mean" hints)."""
    keys: set[str] = set()
    for model in (PlaybookSpec, Match, Variables, FillIn, Disclaimer):
        keys.update(model.model_fields)
    return keys
