"""A lean unigram (SentencePiece-style) tokenizer for serving, id-for-id with ``tokenizers``.

Why: ``tokenizers`` holds a unigram vocabulary in a trie of small hash maps. For XLM-R's 250,002
pieces (multilingual-e5-small) that is ~280 MB resident for as long as the tokenizer lives,
measured here, more than the int8 network itself. This module keeps the pieces in one Python
dict (~80 MB resident in all) and runs the same Viterbi search in Python, one pre-tokenized
word at a time, with a cache of recent words (mentions repeat words a lot). A ``tokenizer.json``
using a feature not copied here is refused (``unsupported``), not approximated.

Same ids as ``tokenizers`` for the same ``tokenizer.json``: its own normaliser and pre-tokeniser
objects are used as they are (loaded with a stub vocabulary), special tokens are split out of the
raw text first, and the search follows ``tokenizers``' ``Unigram::encode_optimized``: pieces are
tried shortest first, a later candidate replaces an earlier one only with a strictly higher path
score, a position no one-character piece covers gets ``<unk>`` scored ``min score - 10``, and
adjacent ``<unk>`` spans are fused into one. ``tests/classifiers/test_unigram.py`` checks the ids
against ``tokenizers`` on every train and dev text.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from tokenizers import Tokenizer

UNK_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY
WORD_CACHE = 1 << 16  # words kept, each at most CACHED_WORD_CHARS long: a few tens of MB at most
CACHED_WORD_CHARS = 32  # longer "words" (link soup, spam strings) are rare and would bloat it


class UnigramTokenizer:
    """``encode_batch(texts)`` → padded ids and attention mask, as ``tokenizers`` gives them."""

    def __init__(self, spec: dict[str, Any], max_length: int) -> None:
        reason = unsupported(spec)
        if reason:
            raise ValueError(f"tokenizer.json: {reason}")
        if max_length < 3:  # room for <s>, </s> and one token; tokenizers would not truncate
            raise ValueError(f"max_length must be >= 3, not {max_length}")
        model = spec["model"]
        pieces: list[list[Any]] = model["vocab"]
        self._ids: dict[str, int] = {piece: i for i, (piece, _) in enumerate(pieces)}
        self._scores = array("d", (score for _, score in pieces))
        self._max_piece = max(len(piece) for piece, _ in pieces)
        self._unk_id: int = model["unk_id"]
        self._unk_score = min(self._scores) - UNK_PENALTY
        self.max_length = max_length
        self.pad_id: int = spec["padding"]["pad_id"] if spec.get("padding") else 0
        self._before, self._after = _template_ids(spec)
        self._specials = {t["content"]: t["id"] for t in spec["added_tokens"] if t["special"]}
        alternatives = [  # lstrip eats Rust's whitespace: Python's \s without \x1c-\x1f
            (r"[^\S\x1c-\x1f]*" if t["lstrip"] else "") + re.escape(t["content"])
            for t in sorted(spec["added_tokens"], key=lambda t: -len(t["content"]))
            if t["special"]
        ]
        self._special_re = re.compile("(" + "|".join(alternatives) + ")") if alternatives else None
        stub = {**spec, "model": {**model, "vocab": [["<unk>", 0.0]], "unk_id": 0}}
        stub |= {"added_tokens": [], "post_processor": None, "truncation": None, "padding": None}
        pipeline = Tokenizer.from_str(json.dumps(stub))
        self._normalizer = pipeline.normalizer
        self._pre_tokenizer = pipeline.pre_tokenizer
        self._word_ids = lru_cache(maxsize=WORD_CACHE)(self._viterbi)

    # ---- one text -----------------------------------------------------------------------
    def ids(self, text: str) -> list[int]:
        """Token ids of ``text``, with the template's ``<s>``/``</s>``, at most ``max_length``."""
        out: list[int] = []
        segments = self._special_re.split(text) if self._special_re else [text]
        for k, segment in enumerate(segments):
            if k % 2:  # a special token (its left whitespace stripped if it has lstrip)
                out.append(self._specials[segment.lstrip()])
            elif segment:
                out.extend(self._segment_ids(segment))
        room = self.max_length - len(self._before) - len(self._after)
        return self._before + out[:room] + self._after

    def _segment_ids(self, segment: str) -> list[int]:
        normalized = self._normalizer.normalize_str(segment) if self._normalizer else segment
        if not normalized:
            return []
        words = (
            [w for w, _ in self._pre_tokenizer.pre_tokenize_str(normalized)]
            if self._pre_tokenizer
            else [normalized]
        )
        out: list[int] = []
        for word in words:
            out.extend(
                self._word_ids(word) if len(word) <= CACHED_WORD_CHARS else self._viterbi(word)
            )
        return out

    def _viterbi(self, word: str) -> tuple[int, ...]:
        n = len(word)
        best = [-math.inf] * (n + 1)
        best[0] = 0.0
        start = [-1] * (n + 1)  # where the best path into position j starts; -1: none yet
        chosen = [0] * (n + 1)
        ids, scores, unk = self._ids, self._scores, self._unk_id
        for i in range(n):
            base = best[i]
            single = False
            for j in range(i + 1, min(n, i + self._max_piece) + 1):
                pid = ids.get(word[i:j])
                if pid is None:
                    continue
                candidate = base + scores[pid]
                if start[j] < 0 or candidate > best[j]:
                    best[j], start[j], chosen[j] = candidate, i, pid
                single = single or j == i + 1
            if not single:
                candidate = base + self._unk_score
                if start[i + 1] < 0 or candidate > best[i + 1]:
                    best[i + 1], start[i + 1], chosen[i + 1] = candidate, i, unk
        out: list[int] = []
        end, fused_unk = n, False
        while end > 0:
            pid = chosen[end]
            if pid != unk or not fused_unk:
                out.append(pid)  # a run of <unk> spans becomes one <unk>
            fused_unk = pid == unk
            end = start[end]
        return tuple(reversed(out))

    # ---- batches ------------------------------------------------------------------------
    def encode_batch(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """``input_ids`` and ``attention_mask`` (int64), right-padded to the longest text."""
        rows = [self.ids(text) for text in texts]
        width = max((len(row) for row in rows), default=0)
        input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, row in enumerate(rows):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        return {"input_ids": input_ids, "attention_mask": mask}


def unsupported(spec: dict[str, Any]) -> str | None:
    """Why ``spec`` needs ``tokenizers`` itself (a feature this module does not copy), or None."""
    model, pre = spec.get("model") or {}, spec.get("pre_tokenizer")
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        return "not a unigram model without byte fallback"
    if pre is not None and (
        pre.get("type") != "Metaspace"
        or pre.get("prepend_scheme") != "always"
        or not pre.get("split", True)
    ):
        return "pre-tokenizer is not a splitting Metaspace that always prepends"
    for token in spec.get("added_tokens") or []:
        if not token["special"] or token["rstrip"] or token["single_word"] or token["normalized"]:
            return f"added token {token['content']!r} is not a plain special token"
    post = spec.get("post_processor")
    if post is None:
        return None
    if post.get("type") != "TemplateProcessing":
        return f"post-processor {post.get('type')} is not TemplateProcessing"
    if any(len(entry["ids"]) != 1 for entry in post["special_tokens"].values()):
        return "a template special token with several ids"
    kinds = ["Sequence" if "Sequence" in item else "SpecialToken" for item in post["single"]]
    if (
        kinds.count("Sequence") != 1
        or len(kinds) > 3
        or (len(kinds) == 3 and kinds[1] != "Sequence")
    ):
        return "template is not [<s>] $A [</s>]"
    return None


def _template_ids(spec: dict[str, Any]) -> tuple[list[int], list[int]]:
    """The ids the post-processor's template puts before and after a single text (``unsupported``
    has checked it is ``[<s>] $A [</s>]`` or absent)."""
    post = spec.get("post_processor")
    if post is None:
        return [], []
    single = post["single"]
    specials = {name: entry["ids"][0] for name, entry in post["special_tokens"].items()}
    before = [specials[s["SpecialToken"]["id"]] for s in single[:1] if "SpecialToken" in s]
    after = [specials[s["SpecialToken"]["id"]] for s in single[-1:] if "SpecialToken" in s]
    return before, after
