"""Text keys: the search text of English British spellings."""

import pytest

from service.text import search_text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("The colour of the organisation", "The color of the organization"),
        ("Colour, COLOUR and colour_x", "Color, Color and color_x"),  # a word is its letters
        ("İstanbul's \u212aelvin colour", "İstanbul's \u212aelvin color"),  # non-ASCII around a word
    ],
)
def test_british_spellings_are_folded_to_american(text, folded):
    assert search_text(text, "en-GB") == folded


@pytest.mark.parametrize(
    ("text", "lang"),
    [("The color of the organization", "en"), ("colour", "fr"), ("", "en"), ("Ωmega 42", "en")],
)
def test_nothing_to_fold_is_none(text, lang):
    assert search_text(text, lang) is None
