"""The lean unigram tokenizer gives the ids ``tokenizers`` gives, text for text.

The serving path tokenizes with ``classifiers.unigram`` and the torch path with ``tokenizers``:
one id of difference and the ONNX path would score a different text than the model was trained
on. Checked on a small vocabulary built here (ties, unknown characters, special tokens,
truncation, random text) and on every train and dev text with the shipped encoder's vocabulary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import AddedToken, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import Unigram
from tokenizers.processors import TemplateProcessing

from classifiers.config import ARTIFACT_DIR, ClassifierConfig
from classifiers.data import load_examples
from classifiers.encoders import encoder_path
from classifiers.text import model_input
from classifiers.unigram import UnigramTokenizer

# Scores chosen so that ties and near-ties occur ("ab" + "c" vs "a" + "bc", both -3.0).
VOCAB = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
VOCAB += [("▁", -2.0), ("a", -1.5), ("b", -1.5), ("c", -1.5), ("ab", -1.5), ("bc", -1.5)]
VOCAB += [("▁a", -1.0), ("▁ab", -2.5), ("▁abc", -4.2), ("é", -3.0), ("▁é", -2.0), ("x", -5.0)]
AWKWARD = [
    "",
    " ",
    "abc abc",
    "zzz",  # unknown characters only: one fused <unk>
    "azzb qq é",
    "  leading, trailing  ",
    "<s> inside </s> and <unk> and <mask>",
    "a <mask>",
    "a \x1c<mask>",  # \x1c is whitespace to Python's \\s, not to tokenizers: not stripped
    "😊 ab 😊😊",
    "abc " * 100,  # truncated
    "abcé" * 50,  # one 200-character word: searched, not cached
]


def reference(max_length: int) -> Tokenizer:
    tok = Tokenizer(Unigram([*VOCAB, ("<mask>", 0.0)], unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    specials = [AddedToken(s, special=True) for s in ("<s>", "<pad>", "</s>", "<unk>")]
    tok.add_special_tokens([*specials, AddedToken("<mask>", lstrip=True, special=True)])
    tok.enable_padding(pad_id=1, pad_token="<pad>")
    tok.enable_truncation(max_length=max_length)
    return tok


def lean_of(tok: Tokenizer, max_length: int) -> UnigramTokenizer:
    spec: dict[str, Any] = json.loads(tok.to_str())
    return UnigramTokenizer(spec, max_length)


@pytest.fixture(scope="module")
def pair() -> tuple[Tokenizer, UnigramTokenizer]:
    tok = reference(24)
    return tok, lean_of(tok, 24)


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_texts_get_the_reference_ids(
    pair: tuple[Tokenizer, UnigramTokenizer], text: str
) -> None:
    tok, lean = pair
    assert lean.ids(text) == tok.encode(text).ids


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcéxz <>ÉAB\t\x1c\u3000😊", max_size=40))
def test_random_texts_get_the_reference_ids(text: str) -> None:
    tok = reference(24)
    assert lean_of(tok, 24).ids(text) == tok.encode(text).ids


def test_a_batch_is_padded_to_its_longest_text_with_the_pad_id(
    pair: tuple[Tokenizer, UnigramTokenizer],
) -> None:
    tok, lean = pair
    texts = ["abc", "a b c abc", ""]
    batch = lean.encode_batch(texts)
    expected = tok.encode_batch(texts)
    assert batch["input_ids"].tolist() == [e.ids for e in expected]
    assert batch["attention_mask"].tolist() == [e.attention_mask for e in expected]


def test_only_short_words_are_cached_so_spam_strings_cannot_bloat_memory() -> None:
    lean = lean_of(reference(24), 24)
    for i in range(50):  # 50 distinct 4000-character "words", as spam can bring
        lean.ids(f"{i}" + "ab" * 2000)
    assert lean._word_ids.cache_info().currsize == 0
    lean.ids("abc ab abc")
    assert lean._word_ids.cache_info().currsize == 2  # "▁abc" and "▁ab"


def test_a_tokenizer_feature_it_does_not_copy_is_refused_not_ignored() -> None:
    """Such a vocabulary is then served by ``tokenizers`` itself (classifiers.fast)."""
    tok = reference(24)
    spec: dict[str, Any] = json.loads(tok.to_str())
    spec["pre_tokenizer"]["prepend_scheme"] = "first"
    with pytest.raises(ValueError, match="Metaspace"):
        UnigramTokenizer(spec, 24)
    with pytest.raises(ValueError, match="max_length"):
        lean_of(tok, 2)


def test_every_train_and_dev_text_gets_the_encoders_ids(dev_path: Path) -> None:
    """The shipped encoder's vocabulary, if it is a unigram one (e5), on all labelled texts."""
    config = ClassifierConfig.read(ARTIFACT_DIR)
    path = encoder_path(config.encoder_id) / "tokenizer.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    if spec["model"]["type"] != "Unigram":
        pytest.skip(f"{config.encoder_id} does not use a unigram vocabulary")
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.no_padding()
    tok.enable_truncation(max_length=config.max_length)
    lean = UnigramTokenizer(spec, config.max_length)
    texts = [
        model_input(ex.text, config.normalise)
        for name in ("train.jsonl", "dev.jsonl")
        for ex in load_examples(dev_path.parent / name)
    ]
    mismatched = [t for t in texts if lean.ids(t) != tok.encode(t).ids]
    assert not mismatched, f"{len(mismatched)} of {len(texts)} differ, e.g. {mismatched[:3]}"
