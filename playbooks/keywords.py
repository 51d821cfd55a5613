"""Keyword matching for a whole library in one pass over the mention's words.

Keywords are folded (case and accents) and matched as whole words or phrases: the mention's
words are looked up as 1..n-grams in a dict, so the cost grows with the mention's length, not
with the number of playbooks. A keyword ending in ``*`` matches any word it starts (``cancel*``
matches "cancelled" and "cancellation"); prefixes are single words of at least 3 letters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from playbooks.mention import fold

_WORD = re.compile(r"\w+")
MIN_PREFIX = 3


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


class KeywordIndex:
    """Maps folded phrases and prefixes to the playbooks (by index) that list them."""

    def __init__(self, keyword_lists: Sequence[Sequence[str]]) -> None:
        self.phrases: dict[str, list[tuple[int, str]]] = {}
        self.prefixes: dict[str, list[tuple[int, str]]] = {}
        self.max_words = 1
        for index, keywords in enumerate(keyword_lists):
            for keyword in keywords:
                self._add(index, keyword)

    def _add(self, index: int, keyword: str) -> None:
        key = " ".join(words(keyword))
        if not key:
            return
        if keyword.rstrip().endswith("*") and " " not in key and len(key) >= MIN_PREFIX:
            self.prefixes.setdefault(key, []).append((index, keyword))
            return
        self.phrases.setdefault(key, []).append((index, keyword))
        self.max_words = max(self.max_words, key.count(" ") + 1)

    def matches(self, tokens: Sequence[str]) -> dict[int, str]:
        """First keyword of each playbook found among ``tokens`` (folded words, in order)."""
        found: dict[int, str] = {}
        phrases, prefixes = self.phrases, self.prefixes
        for start, token in enumerate(tokens):
            for size in range(1, self.max_words + 1):
                if start + size > len(tokens):
                    break
                gram = token if size == 1 else " ".join(tokens[start : start + size])
                for index, keyword in phrases.get(gram, ()):
                    found.setdefault(index, keyword)
            if prefixes:
                for end in range(MIN_PREFIX, len(token) + 1):
                    for index, keyword in prefixes.get(token[:end], ()):
                        found.setdefault(index, keyword)
        return found
