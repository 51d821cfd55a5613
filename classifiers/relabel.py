"""Label cleaning for training: requests that a heuristic called ``other`` are questions.

The data README defines ``question`` as "asks the brand for information, help or an action,
without dissatisfaction". The rule that made train's heuristic labels required a ``?``: a
CrowdFlower-neutral tweet without one became ``other``. So "@airline please follow me so I can
DM", "@brand I need help changing my booking" or "@Iberia necesito ayuda para cambiar un pasaje"
were taught as ``other``, against the definition, and the model learnt "no question mark, no
question".

``requests_as_questions`` moves such examples to ``question``. It touches only examples that are
- labelled ``other`` by a heuristic (``label_origin == "heuristic"``: source and annotated labels
  are never changed),
- addressed to an account (the text starts with an @-handle: a reply or a message to a brand,
  not a text about one),
- and ask for something, by a cue of the example's language (below; other languages unchanged).
The relabelled examples stay heuristic, so they keep the lower heuristic weight in training.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence

from classifiers.data import Example
from models.domain import Label

_EN = (
    r"please|pls|plz|can (?:you|u|i|we|my|someone|somebody)|could (?:you|u|i|we|someone)"
    r"|would you|how (?:do|can|to|would|long|much|many)|i need|we need"
    r"|need (?:to|help|a|an|some|my)|help me|help us|want to (?:know|change|book|cancel)"
    r"|looking for|is there|are there|tell me|let me know|dm me|follow (?:me|back)"
    r"|any (?:way|chance|update|info|news)|wondering|when (?:will|is|does|do|can)"
    r"|what (?:is|are|time|do|does|should)"
)
_ES = (
    r"por favor|porfa|pueden|puede|podrían|podrian|podría|podria|necesito|necesitamos"
    r"|cómo|como puedo|como hago|quisiera|me gustaría|me gustaria|ayuda|ayúdenme|cuándo"
    r"|dónde|donde puedo|hay (?:algún|alguna|algun|forma|manera)|saber si|info"
)
REQUEST_CUES: dict[str, re.Pattern[str]] = {
    lang: re.compile(rf"\b(?:{cues})\b", re.IGNORECASE) for lang, cues in (("en", _EN), ("es", _ES))
}
_ADDRESSED = re.compile(r"^\s*@\w")


def is_request(text: str, lang: str) -> bool:
    """Whether ``text`` is addressed to an account and asks it for something."""
    cues = REQUEST_CUES.get(lang)
    return bool(cues and _ADDRESSED.match(text) and cues.search(text))


def requests_as_questions(examples: Sequence[Example]) -> tuple[list[Example], Counter[str]]:
    """The examples with heuristic-``other`` requests relabelled; counts moved per source."""
    moved: Counter[str] = Counter()
    out: list[Example] = []
    for ex in examples:
        if (
            ex.label is Label.OTHER
            and ex.label_origin == "heuristic"
            and is_request(ex.text, ex.lang)
        ):
            ex = dataclasses.replace(ex, label=Label.QUESTION)
            moved[ex.source or "?"] += 1
        out.append(ex)
    return out, moved
