"""Training's augmentations: leading @-handles or question marks go, everything else stays."""

from __future__ import annotations

import random

import pytest

from classifiers.augment import (
    handle_free_variants,
    question_mark_free_variants,
    strip_leading_handles,
    strip_question_marks,
)


def test_leading_handles_are_removed_and_inner_ones_kept() -> None:
    assert strip_leading_handles("@user @user thanks, fixed!") == "thanks, fixed!"
    assert strip_leading_handles(".@user: my bag is lost, ask @user") == "my bag is lost, ask @user"
    assert strip_leading_handles("@user,@user why is it late?") == "why is it late?"


def test_text_that_is_only_handles_or_has_none_is_unchanged() -> None:
    assert strip_leading_handles("@user @user") == "@user @user"  # nothing would remain
    assert strip_leading_handles("hello @user") == "hello @user"
    assert strip_leading_handles("mail me at a@b.com") == "mail me at a@b.com"


def test_rate_sets_the_share_of_stripped_texts_reproducibly() -> None:
    texts = [f"@user message {i}" for i in range(2000)]
    first = handle_free_variants(texts, 0.5, random.Random(3))
    stripped = sum(not t.startswith("@") for t in first)
    assert 900 < stripped < 1100
    assert first == handle_free_variants(texts, 0.5, random.Random(3))  # same seed, same epoch
    assert handle_free_variants(texts, 0.0, random.Random(3)) == texts
    assert all(not t.startswith("@") for t in handle_free_variants(texts, 1.0, random.Random(3)))


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        handle_free_variants(["@user hi"], 1.5, random.Random(0))


def test_question_marks_go_in_every_script_and_the_words_stay() -> None:
    assert strip_question_marks("@user can you help me ?") == "@user can you help me"
    assert strip_question_marks("¿Me ayudan con el vuelo?") == "Me ayudan con el vuelo"
    assert strip_question_marks("why?? really？ ok") == "why really ok"
    assert strip_question_marks("???") == "???"  # nothing would remain
    assert strip_question_marks("no question here.") == "no question here."


def test_question_marks_are_dropped_from_the_rate_share_of_texts_reproducibly() -> None:
    texts = [f"where is order {i}?" for i in range(2000)]
    first = question_mark_free_variants(texts, 0.3, random.Random(5))
    assert 500 < sum("?" not in t for t in first) < 700
    assert first == question_mark_free_variants(texts, 0.3, random.Random(5))
    assert question_mark_free_variants(texts, 0.0, random.Random(5)) == texts
    with pytest.raises(ValueError, match="rate"):
        question_mark_free_variants(texts, -0.1, random.Random(5))
