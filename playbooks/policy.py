"""The policy check every suggested and every edited reply passes before it can be approved.

``check_reply`` returns ``Finding``s (rule id, severity, message, character span). A blocking
finding prevents approval; the chat card shows every finding. Rules:

``reply.empty``         blocking  nothing to send
``length.platform``     blocking  longer than the platform allows (X counts a link as 23)
``pii.email|phone|card|order``  blocking  personal data that is not in the mention, in a value a
                        human typed into a fill-in, in the playbook's constants, or in the
                        configured allow-list (the brand's own contact points)
``pii.card_echo``       warning   a card number copied from the mention (never repeat it publicly)
``disclaimer.missing``  blocking  mentions a price/offer/refund/discount (en/es/fr) — or the
                        playbook always requires one — and carries no disclaimer
``unfilled.variable``   blocking  ``{{ ... }}``, ``{% ... %}`` or ``[[name]]`` left in the text
``mass.mention``        blocking  @everyone / @here / @channel / <!channel> / <!here> / role pings
``banned.phrase``       per configuration (default: warning on unhedged promises)
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from playbooks.detectors import KnownValues, find_personal_data, unknown_hits
from playbooks.mention import MentionLike, fold
from playbooks.playbook import Playbook
from playbooks.policy_words import (
    DEFAULT_BANNED,
    GENERIC_DISCLAIMERS,
    MASS_MENTION,
    MONEY_WORDS,
    UNFILLED,
)


class Severity(enum.StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One policy finding; ``span`` is ``(start, end)`` in the reply text, None for the whole."""

    rule: str
    severity: Severity
    message: str
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "span": list(self.span) if self.span else None,
        }


@dataclass(frozen=True, slots=True)
class BannedPhrase:
    phrase: str
    severity: Severity = Severity.WARNING
    reason: str = "avoid promises; hedge instead"


PLATFORM_LIMITS: dict[str, int] = {
    "x": 280,
    "twitter": 280,
    "bluesky": 300,
    "mastodon": 500,
    "threads": 500,
    "linkedin": 1250,
    "instagram": 2200,
    "facebook": 8000,
    "discord": 2000,
    "reddit": 10000,
    "youtube": 10000,
    "slack": 40000,
}
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


@dataclass(frozen=True)
class PolicyConfig:
    length_limits: Mapping[str, int] = field(default_factory=lambda: dict(PLATFORM_LIMITS))
    default_limit: int = 1000
    banned_phrases: tuple[BannedPhrase, ...] = tuple(BannedPhrase(p) for p in DEFAULT_BANNED)
    allowed_values: tuple[str, ...] = ()
    """Contact points that may always appear (the brand's support address or phone line)."""


DEFAULT_POLICY = PolicyConfig()


def blocking(findings: Iterable[Finding]) -> bool:
    """True if any finding prevents approval."""
    return any(f.severity is Severity.BLOCKING for f in findings)


def check_reply(
    text: str,
    mention: MentionLike | str,
    platform: str,
    playbook: Playbook | None = None,
    *,
    fill_ins: Mapping[str, str] | None = None,
    config: PolicyConfig = DEFAULT_POLICY,
) -> list[Finding]:
    """Check a reply (suggested or edited) about ``mention`` before it is sent on ``platform``.

    ``fill_ins``: values a human supplied for the playbook's fill-in variables; personal data in
    them counts as supplied by the agent, like data from the mention itself.
    """
    if not text.strip():
        return [Finding("reply.empty", Severity.BLOCKING, "the reply is empty")]
    mention_text = mention if isinstance(mention, str) else mention.text
    sources = [mention_text, *(fill_ins or {}).values(), *config.allowed_values]
    if playbook is not None:
        sources.extend(playbook.spec.variables.constants.values())
    findings = [
        *_length(text, platform, config),
        *_personal_data(text, mention_text, KnownValues.of(sources)),
        *_disclaimer(text, playbook),
        *_unfilled(text),
        *_mass_mentions(text),
        *_banned(text, config),
    ]
    return sorted(findings, key=lambda f: (f.severity != Severity.BLOCKING, f.span or (0, 0)))


def lint_reply(sample: str, playbook: Playbook, language: str) -> list[Finding]:
    """The policy rules that apply to a template itself (rendered with placeholders): hard-coded
    personal data, a missing disclaimer, mass mentions and blocking banned phrases."""
    findings = [
        *_personal_data(sample, "", KnownValues.of(playbook.spec.variables.constants.values())),
        *_disclaimer(sample, playbook),
        *_mass_mentions(sample),
        *_banned(sample, DEFAULT_POLICY),
    ]
    return [f for f in findings if f.severity is Severity.BLOCKING]


def platform_length(text: str, platform: str) -> int:
    """Length as the platform counts it (X and Twitter count every link as 23 characters)."""
    if platform.lower() in ("x", "twitter"):
        return len(_LINK.sub("x" * 23, text))
    return len(text)


def _length(text: str, platform: str, config: PolicyConfig) -> Iterable[Finding]:
    limit = config.length_limits.get(platform.lower(), config.default_limit)
    length = platform_length(text, platform)
    if length > limit:
        message = f"{length} characters; {platform or 'this platform'} allows {limit}"
        yield Finding("length.platform", Severity.BLOCKING, message, (limit, len(text)))


_PII_NAMES = {
    "email": "e-mail address",
    "phone": "phone number",
    "card": "card number",
    "order": "order/booking number",
}


def _personal_data(text: str, mention_text: str, known: KnownValues) -> Iterable[Finding]:
    hits = find_personal_data(text)
    for hit in unknown_hits(hits, known):
        name = _PII_NAMES[hit.kind]
        message = f"{name} that is not in the mention or a fill-in value"
        yield Finding(f"pii.{hit.kind}", Severity.BLOCKING, message, (hit.start, hit.end))
    mention_cards = {h.value for h in find_personal_data(mention_text) if h.kind == "card"}
    for hit in hits:
        if hit.kind == "card" and hit.value in mention_cards:
            message = "repeats the card number from the mention; never echo payment data"
            yield Finding("pii.card_echo", Severity.WARNING, message, (hit.start, hit.end))


def _disclaimer(text: str, playbook: Playbook | None) -> Iterable[Finding]:
    folded = " ".join(fold(text).split())
    money = MONEY_WORDS.search(folded)
    required = playbook is not None and playbook.spec.disclaimer.required
    if not (money or required):
        return
    own = playbook.spec.disclaimer.text.values() if playbook is not None else ()
    candidates = [" ".join(fold(d).split()) for d in own] or list(GENERIC_DISCLAIMERS)
    if any(c and c in folded for c in candidates):
        return
    why = f"mentions {money.group(0)!r}" if money else f"playbook {playbook.id if playbook else ''}"
    wanted = "the playbook's disclaimer" if own else "a disclaimer such as 'terms apply'"
    span = (money.start(), money.end()) if money and len(folded) == len(text) else None
    yield Finding("disclaimer.missing", Severity.BLOCKING, f"{why} requires {wanted}", span)


def _unfilled(text: str) -> Iterable[Finding]:
    for m in UNFILLED.finditer(text):
        message = f"unfilled variable {m.group(0)!r}"
        yield Finding("unfilled.variable", Severity.BLOCKING, message, (m.start(), m.end()))


def _mass_mentions(text: str) -> Iterable[Finding]:
    for m in MASS_MENTION.finditer(text):
        message = f"mass mention {m.group(0)!r} notifies everyone"
        yield Finding("mass.mention", Severity.BLOCKING, message, (m.start(), m.end()))


@functools.lru_cache(maxsize=1024)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)")


def _banned(text: str, config: PolicyConfig) -> Iterable[Finding]:
    folded = fold(text)
    aligned = len(folded) == len(text)
    for banned in config.banned_phrases:
        for m in _phrase_pattern(banned.phrase).finditer(folded):
            message = f"banned phrase {banned.phrase!r}: {banned.reason}"
            span = (m.start(), m.end()) if aligned else None
            yield Finding("banned.phrase", banned.severity, message, span)
