"""Training's label cleaning: heuristic-``other`` requests become questions, nothing else moves."""

from __future__ import annotations

from classifiers.data import Example
from classifiers.relabel import is_request, requests_as_questions
from models.domain import Label


def _ex(
    text: str, label: Label = Label.OTHER, origin: str = "heuristic", lang: str = "en"
) -> Example:
    return Example(id=text, text=text, label=label, lang=lang, source="s", label_origin=origin)


def test_a_request_without_a_question_mark_is_a_question() -> None:
    examples = [
        _ex("@airline please follow me so I can DM my booking number"),
        _ex("@Iberia Hola! Necesito ayuda para cambiar un pasaje.", lang="es"),
    ]
    relabelled, moved = requests_as_questions(examples)
    assert [ex.label for ex in relabelled] == [Label.QUESTION, Label.QUESTION]
    assert relabelled[0].label_origin == "heuristic"  # still weighed as a heuristic label
    assert moved == {"s": 2}


def test_only_heuristic_other_labels_addressed_to_an_account_move() -> None:
    examples = [
        _ex("@brand please call me back", origin="source"),  # source labels are kept
        _ex("@brand please call me back", origin="annotated"),
        _ex("@brand please call me back", label=Label.COMPLAINT),  # other labels are kept
        _ex("please call me back, mum"),  # not addressed to an account
        _ex("@brand nice weather at the gate today"),  # asks for nothing
        _ex("@marque pouvez-vous m'aider ?", lang="fr"),  # no cues for French: unchanged
    ]
    relabelled, moved = requests_as_questions(examples)
    assert relabelled == examples
    assert not moved


def test_cues_match_whole_words_only() -> None:
    assert not is_request("@brand the plsql course was fine", "en")
    assert is_request("@brand pls fix the app", "en")
    assert not is_request("@brand pls fix the app", "de")
