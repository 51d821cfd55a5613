"""What playbooks need from a mention, and the text helpers used to match it.

``MentionLike`` is satisfied by ``models.domain.NewMention`` and ``MentionRecord`` (and anything
else with these attributes), so the suggestion stage works before and after the store.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

LANGUAGES: tuple[str, ...] = ("en", "es", "fr")

MENTION_VARIABLES: dict[str, str] = {
    "author": "the mention author's display name",
    "brand": "the brand the mention is about (falls back to the playbook's brand)",
    "source": "where the mention came from (ingester name, e.g. twitter)",
    "source_url": "link to the mention",
}


class MentionLike(Protocol):
    """The attributes of a mention that suggestion and the policy check read."""

    @property
    def text(self) -> str: ...
    @property
    def author_name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def brand(self) -> str | None: ...


def mention_values(mention: MentionLike, fallback_brand: str | None) -> dict[str, str | None]:
    """The mention variables a template may use; None where the mention has no value."""
    return {
        "author": mention.author_name or None,
        "brand": mention.brand or fallback_brand,
        "source": mention.source or None,
        "source_url": mention.url,
    }


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case and strip accents, so "annulé", "ANNULE" and "annule" compare equal."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


_WORD = re.compile(r"\w+")
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is my to you your for was not it of in on with this that have why what",
        "es": "el la los las que de y mi es por para con una un no pero mis del al esta muy",
        "fr": "le la les des et est mon ma mes pour avec une un pas que qui du au ce je vous",
    }.items()
}


def guess_language(text: str, default: str = "en") -> str:
    """A cheap stop-word vote among en/es/fr, for mentions whose ingester gave no language."""
    words = _WORD.findall(fold(text))
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else default


def mention_language(mention: MentionLike) -> str:
    """The mention's language code (two letters), guessed from its text when not given."""
    if mention.language:
        return mention.language.split("-")[0].split("_")[0].lower()
    return guess_language(mention.text)
