"""The text changes the card's robustness figures are measured under."""

from __future__ import annotations

from classifiers.robustness import addressed, unpunctuated


def test_addressing_puts_the_brand_in_front_only_of_texts_without_a_handle() -> None:
    assert addressed("win a free iphone, click here") == "@brand win a free iphone, click here"
    assert addressed("@skylark my bag is lost") == "@skylark my bag is lost"
    assert addressed(" .@skylark: subscribe to my channel") == " .@skylark: subscribe to my channel"
    assert addressed("") == "@brand "  # still a text the model must classify


def test_unpunctuated_keeps_the_words_and_never_empties_a_text() -> None:
    assert unpunctuated("where is my bag?!") == "where is my bag"
    assert unpunctuated("¿Me ayudan?") == "Me ayudan"
    assert unpunctuated("?!") == "?!"
