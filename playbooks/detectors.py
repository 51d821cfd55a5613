"""Finding personal data in text: e-mail addresses, phone numbers, card numbers, order numbers.

Each detector returns ``Hit``s (kind, span, normalised value). The policy check compares a
reply's hits with the values found in the mention and in fill-ins a human supplied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

HitKind = Literal["email", "phone", "card", "order"]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d@&#-])\d(?:[ -]?\d){12,18}(?![\d-])")
_PHONE = re.compile(r"(?<![\w+@&#])\+?\(?\d[\d ().-]{5,}\d(?!\w)")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_ORDER = re.compile(
    r"(?i:\b(?:order|booking|confirmation|reservation|ticket|case|ref(?:erence)?|pnr|pedido"
    r"|reserva|localizador|commande|dossier|r[ée]servation)\b)"
    r"(?:\s*(?i:number|no\.?|n[ºo°]\.?|num(?:ber|[ée]ro)?|code|ref(?:erence)?|confirmation|#)){0,2}"
    r"\s*[:#]?\s*"
    r"(?P<id>[A-Za-z0-9][A-Za-z0-9-]{4,19})\b"
)
_HASH_NUMBER = re.compile(r"(?<![\w&])#(?P<id>\d{4,12})\b")
_DIGIT_RUN = re.compile(r"\+?\d[\d ().-]*\d")
_TOKEN = re.compile(r"[A-Za-z0-9-]+")


@dataclass(frozen=True, slots=True)
class Hit:
    kind: HitKind
    start: int
    end: int
    value: str
    """Normalised: digits only (phone, card), lower-case (e-mail), upper-case alphanumerics."""


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _order_id(raw: str) -> str | None:
    """An identifier has a digit, or is a 6-letter upper-case booking code (e.g. QXHZRT)."""
    if any(ch.isdigit() for ch in raw) or re.fullmatch(r"[A-Z]{6}", raw):
        return raw.replace("-", "").upper()
    return None


def find_personal_data(text: str) -> list[Hit]:
    """Every e-mail, card (Luhn-valid), phone and order/booking number in ``text``, by position."""
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(hit: Hit) -> None:
        hits.append(hit)
        taken.append((hit.start, hit.end))

    for m in _EMAIL.finditer(text):
        add(Hit("email", m.start(), m.end(), m.group(0).lower()))
    for m in _CARD.finditer(text):
        digits = _digits(m.group(0))
        if free(m.start(), m.end()) and luhn_ok(digits):
            add(Hit("card", m.start(), m.end(), digits))
    for pattern in (_ORDER, _HASH_NUMBER):
        for m in pattern.finditer(text):
            value = _order_id(m.group("id"))
            if value and free(m.start("id"), m.end("id")):
                add(Hit("order", m.start("id"), m.end("id"), value))
    for m in _PHONE.finditer(text):
        raw = m.group(0).strip(" .-")
        digits = _digits(raw)
        if 7 <= len(digits) <= 15 and not _DATE.fullmatch(raw) and free(m.start(), m.end()):
            add(Hit("phone", m.start(), m.start() + len(raw), digits))
    return sorted(hits, key=lambda h: h.start)


@dataclass(frozen=True, slots=True)
class KnownValues:
    """Values that may appear in a reply because they came from the mention or a human."""

    emails: frozenset[str]
    digit_runs: frozenset[str]
    tokens: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> KnownValues:
        emails: set[str] = set()
        runs: set[str] = set()
        tokens: set[str] = set()
        for text in texts:
            emails.update(m.group(0).lower() for m in _EMAIL.finditer(text))
            runs.update(_digits(m.group(0)) for m in _DIGIT_RUN.finditer(text))
            tokens.update(t.replace("-", "").upper() for t in _TOKEN.findall(text))
        return cls(frozenset(emails), frozenset(runs), frozenset(tokens))

    def knows(self, hit: Hit) -> bool:
        if hit.kind == "email":
            return hit.value in self.emails
        if hit.kind == "order":
            return hit.value in self.tokens
        return any(_same_number(hit.value, run) for run in self.digit_runs)


def _same_number(a: str, b: str) -> bool:
    """Equal, or the same number with and without a country prefix (≥ 7 digits in common)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 7 and long.endswith(short)


def unknown_hits(hits: Iterable[Hit], known: KnownValues) -> Iterator[Hit]:
    return (hit for hit in hits if not known.knows(hit))
