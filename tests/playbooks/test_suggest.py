"""Ranking, reasons, versions, filling and the bot-facing stage (no transformer needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from models.domain import NewSuggestion
from playbooks import (
    SHIPPED_LIBRARY,
    FillInError,
    Library,
    PlaybookSuggester,
    load_library,
)
from playbooks.playbook import content_version
from tests.playbooks.conftest import HashingEmbedder, mention, predicted

Write = Callable[[str, str], Path]

BAGGAGE = """\
id: t.lost-bag
title: Lost bag
brand: Skylark Air
owner: tests
labels: [complaint]
priority: 60
match:
  keywords: ["lost bag", "suitcase"]
  regex: ['\\bbags?\\b.{0,20}\\bmissing\\b']
  examples: ["my suitcase never came off the belt", "the airline lost my bag"]
variables:
  mention: [author, source_url]
  fill_in:
    file_ref: {label: File reference, prompt: Ask in DM, pattern: '[A-Z]{5}[0-9]{5}'}
replies:
  en: ["Hi {{ author }}, file {{ file_ref }} is open. ({{ source_url }})"]
  es: ["Hola {{ author }}, el expediente {{ file_ref }} está abierto."]
"""
DELAY = """\
id: t.delay
title: Delay
brand: Skylark Air
owner: tests
labels: [complaint]
match:
  keywords: ["delay*"]
  examples: ["the flight is delayed again", "waiting at the gate for hours"]
variables:
  mention: [author]
replies:
  en: ["Sorry for the delay, {{ author }}."]
"""
ORDER = """\
id: t.order
title: Order
brand: Northwind Goods
owner: tests
labels: [complaint, question]
match:
  keywords: ["order"]
  examples: ["where is my order"]
replies:
  en: ["Your order is on its way."]
"""
GENERIC = """\
id: t.generic
title: Generic
owner: tests
labels: [complaint]
fallback: true
priority: 10
replies:
  en: ["We're sorry. Please DM us."]
"""
SPAM = """\
id: t.spam
title: Spam
kind: guidance
owner: tests
labels: [spam]
replies:
  en: ["Hide it; do not reply."]
"""


@pytest.fixture
def library(write: Write) -> Library:
    for name, text in [
        ("bag.yaml", BAGGAGE),
        ("delay.yaml", DELAY),
        ("order.yaml", ORDER),
        ("generic.yaml", GENERIC),
        ("spam.yaml", SPAM),
    ]:
        directory = write(name, text)
    return load_library(directory, HashingEmbedder(), cache_dir=None)


def embedded(library: Library, text: str):  # type: ignore[no-untyped-def]
    return library.embed_mention(HashingEmbedder(), text)


def test_top3_ranked_with_reasons_and_versions(library: Library) -> None:
    text = "@SkylarkAir lost bag, 2 bags still missing after the delay"
    top = library.suggest(mention(text), predicted("complaint"), embedded(library, text))
    assert [s.playbook_id for s in top][:2] == ["t.lost-bag", "t.delay"]
    assert len(top) == 3
    assert [s.score for s in top] == sorted((s.score for s in top), reverse=True)
    kinds = [r.kind for r in top[0].reasons]
    assert kinds[:3] == ["label", "keyword", "regex"] and "semantic" in kinds
    assert "keyword 'lost bag'" in top[0].why
    assert "pattern matched 'bag, 2 bags still missing'" in top[0].why
    for s in top:
        assert s.playbook_version == library[s.playbook_id].version
        assert len(s.playbook_version) == 12


def test_reply_is_filled_and_fill_ins_stay_as_flagged_placeholders(library: Library) -> None:
    top = library.suggest(mention("lost bag"), predicted("complaint"))[0]
    assert top.text == "Hi Dana, file [[file_ref]] is open. (https://x.example/status/1)"
    assert [(n.name, n.label, n.pattern) for n in top.needs_input] == [
        ("file_ref", "File reference", "[A-Z]{5}[0-9]{5}")
    ]


def test_missing_mention_value_becomes_a_placeholder(library: Library) -> None:
    top = library.suggest(mention("lost bag", url=None), predicted("complaint"))[0]
    assert "([[source_url]])" in top.text
    assert {n.name for n in top.needs_input} == {"file_ref", "source_url"}


def test_render_final_validates_fill_ins(library: Library) -> None:
    playbook = library["t.lost-bag"]
    m = mention("lost bag")
    assert playbook.render_final(m, {"file_ref": "LHRSK12345"}).startswith(
        "Hi Dana, file LHRSK12345 is open."
    )
    with pytest.raises(FillInError, match="file_ref: does not match"):
        playbook.render_final(m, {"file_ref": "nope"})
    with pytest.raises(FillInError, match="file_ref: a value is required"):
        playbook.render_final(m, {})


def test_reply_language_follows_the_mention(library: Library) -> None:
    es = library.suggest(mention("perdí mi suitcase", language="es"), predicted("complaint"))[0]
    assert (es.playbook_id, es.language) == ("t.lost-bag", "es")
    assert es.text.startswith("Hola Dana")
    fr = library.suggest(mention("suitcase perdue", language="fr"), predicted("complaint"))[0]
    assert fr.language == "en"  # no French template: English


def test_language_guessed_when_not_given(library: Library) -> None:
    top = library.suggest(
        mention("no encuentro mi suitcase y la aerolínea no responde", language=None),
        predicted("complaint"),
    )
    assert top[0].language == "es"


def test_brand_filter(library: Library) -> None:
    ids = [
        s.playbook_id
        for s in library.suggest(mention("my order", brand="Skylark Air"), predicted("complaint"))
    ]
    assert "t.order" not in ids
    ids = [
        s.playbook_id
        for s in library.suggest(
            mention("my order", brand="Northwind Goods"), predicted("complaint")
        )
    ]
    assert ids[0] == "t.order" and "t.lost-bag" not in ids
    for spelling in ("northwind-goods", "NorthwindGoods", "NORTHWIND GOODS"):  # as ingesters send
        top = library.suggest(mention("my order", brand=spelling), predicted("complaint"))
        assert top[0].playbook_id == "t.order", spelling


def test_label_decides_candidates(library: Library) -> None:
    top = library.suggest(mention("win a prize"), predicted("spam"))
    assert [(s.playbook_id, s.kind) for s in top] == [("t.spam", "guidance")]
    assert library.suggest(mention("lovely"), predicted("praise")) == []


def test_fallback_wins_only_without_a_specific_match(library: Library) -> None:
    vague = "not happy with you today"
    top = library.suggest(mention(vague), predicted("complaint"), embedded(library, vague))
    assert top[0].playbook_id == "t.generic"
    assert top[0].reasons[-1].kind == "fallback"


def test_suggest_is_deterministic_and_works_without_embedding(library: Library) -> None:
    m, p = mention("lost bag and a delay"), predicted("complaint", 0.8)
    assert library.suggest(m, p) == library.suggest(m, p)
    assert library.suggest(m, p, k=1)[0].playbook_id == "t.lost-bag"


def test_to_new_suggestion_carries_playbook_id_and_version(library: Library) -> None:
    s = library.suggest(mention("lost bag"), predicted("complaint"))[0]
    new = s.to_new_suggestion(1, [])
    assert new == NewSuggestion(
        "t.lost-bag", library["t.lost-bag"].version, 1, round(s.score, 6), s.text, []
    )


def test_version_is_content_hash_ignoring_formatting(write: Write, tmp_path: Path) -> None:
    first = load_library(write("a.yaml", DELAY), cache_dir=None)["t.delay"].version
    reformatted = "# a comment\n" + DELAY.replace("labels: [complaint]", "labels:\n  - complaint")
    second = load_library(write("a.yaml", reformatted), cache_dir=None)["t.delay"].version
    changed = load_library(write("a.yaml", DELAY.replace("Sorry", "So sorry")), cache_dir=None)
    assert first == second != changed["t.delay"].version
    assert changed["t.delay"].version == content_version(changed["t.delay"].spec)


def test_stage_returns_new_suggestions_with_policy_findings(library: Library) -> None:
    suggester = PlaybookSuggester(library, HashingEmbedder())
    stored = asyncio.run(
        suggester.suggest(mention("lost bag, 2 bags missing"), predicted("complaint"))
    )
    assert [s.rank for s in stored] == [1, 2, 3]
    assert stored[0].playbook_id == "t.lost-bag"
    assert stored[0].findings[0]["rule"] == "unfilled.variable"  # [[file_ref]] still to fill


def test_stage_marks_guidance_as_not_a_reply(library: Library) -> None:
    stored = PlaybookSuggester(library).suggest_now(mention("win a prize"), predicted("spam"))
    assert stored[0].findings == [
        {
            "rule": "guidance.not_a_reply",
            "severity": "blocking",
            "message": "moderator guidance, not a reply: act on it, do not send it",
            "span": None,
        }
    ]


def test_stage_handles_an_unclassified_mention(library: Library) -> None:
    stored = PlaybookSuggester(library).suggest_now(mention("lost bag"), None)
    assert stored and stored[0].playbook_id == "t.lost-bag"


def test_embedder_mismatch_is_refused(library: Library) -> None:
    class Other(HashingEmbedder):
        model_id = "other"

    with pytest.raises(ValueError, match="not the one the library was loaded with"):
        library.embed_mention(Other(), "x")


def test_example_embeddings_are_cached_on_disk(write: Write, tmp_path: Path) -> None:
    directory = write("lib/a.yaml", DELAY)
    cache = tmp_path / "cache"
    first = HashingEmbedder()
    load_library(directory / "lib", first, cache_dir=cache)
    second = HashingEmbedder()
    load_library(directory / "lib", second, cache_dir=cache)
    assert (first.calls, second.calls) == (1, 0)
    assert len(list(cache.glob("examples-*.npy"))) == 1


def test_shipped_library_suggests_without_semantics() -> None:
    library = load_library(SHIPPED_LIBRARY, cache_dir=None)
    top = library.suggest(
        mention("my flight was cancelled!", brand="Skylark Air"), predicted("complaint")
    )
    assert top[0].playbook_id == "skylark.cancelled-flight"
    assert "Refunds are subject to fare rules." in top[0].text
