"""Semantic matching with the real all-MiniLM-L6-v2 (the base encoder's PyPI package)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from playbooks import SHIPPED_LIBRARY, Library, MiniLMEmbedder, load_library
from tests.playbooks.conftest import mention, predicted

pytestmark = pytest.mark.slow
Write = Callable[[str, str], Path]

PLAYBOOKS = {
    "lost.yaml": (
        "t.lost-luggage",
        [
            "the suitcase did not come off the carousel",
            "the airline misplaced my luggage on the connection",
        ],
    ),
    "late.yaml": (
        "t.late-flight",
        ["the flight is three hours late", "we are still waiting at the gate"],
    ),
    "damaged.yaml": (
        "t.damaged-luggage",
        ["my suitcase came back with a broken wheel", "the handle of my case was ripped off"],
    ),
    "service.yaml": (
        "t.customer-service",
        ["on hold for an hour and nobody answers", "the agent hung up on me"],
    ),
}


def _playbook(playbook_id: str, examples: list[str]) -> str:
    quoted = ", ".join(f'"{e}"' for e in examples)
    return (
        f"id: {playbook_id}\ntitle: t\nowner: tests\nlabels: [complaint]\n"
        f"match:\n  keywords: [zzz-{playbook_id}]\n  examples: [{quoted}]\n"
        'replies:\n  en: ["ok"]\n'
    )


def test_bags_never_arrived_finds_lost_luggage_without_a_keyword(
    write: Write, minilm: MiniLMEmbedder
) -> None:
    for name, (playbook_id, examples) in PLAYBOOKS.items():
        directory = write(name, _playbook(playbook_id, examples))
    library = load_library(directory, minilm, cache_dir=None)
    text = "my bags never arrived"
    top = library.suggest(
        mention(text), predicted("complaint"), library.embed_mention(minilm, text)
    )
    assert top[0].playbook_id == "t.lost-luggage"
    assert [r.kind for r in top[0].reasons] == ["label", "semantic"]
    assert "similar" in top[0].why and "misplaced my luggage" in top[0].why


@pytest.fixture(scope="module")
def shipped(minilm: MiniLMEmbedder) -> Library:
    return load_library(SHIPPED_LIBRARY, minilm, cache_dir=None)


@pytest.mark.parametrize(
    ("text", "label", "brand", "expected"),
    [
        ("@SkylarkAir my bags never arrived", "complaint", "Skylark Air", "skylark.lost-luggage"),
        (
            "nobody picks up the phone, I have been waiting for ages",
            "complaint",
            "Skylark Air",
            "skylark.customer-service",
        ),
        (
            "the stewardess shouted at my son",
            "complaint",
            "Skylark Air",
            "skylark.flight-attendant",
        ),
        (
            "can I take skis as checked baggage?",
            "question",
            "Skylark Air",
            "skylark.baggage-allowance",
        ),
        (
            "¿dónde está mi pedido? lo compré hace una semana",
            "question",
            "Northwind Goods",
            "northwind.order-tracking",
        ),
        ("merci pour ce vol, équipage adorable", "praise", "Skylark Air", "skylark.praise-crew"),
    ],
)
def test_shipped_library_semantic_matches(
    shipped: Library, minilm: MiniLMEmbedder, text: str, label: str, brand: str, expected: str
) -> None:
    m = mention(text, language=None, brand=brand)
    top = shipped.suggest(m, predicted(label), shipped.embed_mention(minilm, text))
    assert top[0].playbook_id == expected, [(s.playbook_id, s.why) for s in top]


async def test_a_batch_is_ranked_as_each_mention_alone(
    write: Write, minilm: MiniLMEmbedder
) -> None:
    """The pipeline suggests for a whole batch in one embedding pass; padding a short text next
    to long ones must not change what it is matched to."""
    from playbooks import PlaybookSuggester

    for name, (playbook_id, examples) in PLAYBOOKS.items():
        directory = write(name, _playbook(playbook_id, examples))
    suggester = PlaybookSuggester(load_library(directory, minilm, cache_dir=None), minilm)
    texts = [
        "my bags never arrived",
        "we have been stuck at the gate for three hours and nobody tells us anything at all",
        "the wheel of my case snapped off",
    ]
    items = [(mention(t), predicted("complaint")) for t in texts]
    batched = await suggester.suggest_many(items)
    alone = [suggester.suggest_now(m, p) for m, p in items]
    assert [[s.playbook_id for s in r] for r in batched] == [
        [s.playbook_id for s in r] for r in alone
    ]
    for b, a in zip(batched, alone, strict=True):
        assert [s.score for s in b] == pytest.approx([s.score for s in a], abs=1e-4)
    assert [r[0].playbook_id for r in batched] == [
        "t.lost-luggage",
        "t.late-flight",
        "t.damaged-luggage",
    ]
