"""Word lists the policy check uses, in English, Spanish and French (folded: no accents)."""

from __future__ import annotations

import re

# A reply that talks about money or a concession needs a disclaimer.
MONEY_WORDS = re.compile(
    r"\b(?:"
    # en
    r"prices?|pricing|offers?|offered|refund(?:s|ed|able)?|discount(?:s|ed)?|vouchers?|coupons?"
    r"|promo(?:tion)?s?|compensat(?:e|ion|ed)|cashback|on sale|sale price|free of charge"
    # es
    r"|precios?|ofertas?|reembols(?:o|os|ar|aremos|ado)|descuentos?|cupon(?:es)?|promocion(?:es)?"
    r"|compensacion(?:es)?|gratis|rebajas?|bonos?"
    # fr
    r"|prix|offres?|rembours(?:ement|ements|er|e|es|ee|erons)|reductions?|remises?|bons? d'achat"
    r"|dedommagement|gratuit(?:e|s|es)?|soldes"
    r")\b"
    r"|[$€£]\s?\d|\d\s?[$€£]",
)

# Generic disclaimer wording accepted when the playbook gives no disclaimer text of its own.
GENERIC_DISCLAIMERS = (
    "terms apply",
    "conditions apply",
    "terms and conditions",
    "t&cs apply",
    "subject to",
    "see terms",
    "se aplican condiciones",
    "aplican condiciones",
    "sujeto a",
    "sujeta a",
    "terminos y condiciones",
    "consulta las condiciones",
    "sous reserve",
    "conditions s'appliquent",
    "voir conditions",
    "voir les conditions",
    "selon conditions",
    "conditions generales",
)

MASS_MENTION = re.compile(
    r"(?<![\w@])@(?:everyone|here|channel|all|room)\b"
    r"|<!(?:channel|here|everyone)(?:\|[^>]*)?>"
    r"|<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>"
    r"|<@&\d+>",
    re.IGNORECASE,
)

UNFILLED = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\[\[\s*[\w .-]*\s*\]\]|\{\{|\}\}|\{%|%\}", re.DOTALL)

# Promises the guidelines ask responders to hedge (warnings by default; configurable).
DEFAULT_BANNED = (
    "we guarantee",
    "guaranteed",
    "i promise",
    "we promise",
    "calm down",
    "not our fault",
    "le garantizamos",
    "te lo prometo",
    "le prometo",
    "nous garantissons",
    "je vous promets",
    "calmez-vous",
)
