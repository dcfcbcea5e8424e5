"""Mojibake and stray HTML entities are repaired; correct non-ASCII text is not touched."""

from __future__ import annotations

import pytest

from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.encoding import find


def _fix(text: str) -> tuple[str, list[str]]:
    doc = Document(text)
    doc.apply(find(text, Context()))
    return doc.text, [c["rule"] for c in doc.changes]


@pytest.mark.parametrize(
    ("text", "expected", "rules"),
    [
        ("he donâ€™t know", "he don’t know", ["mojibake"]),
        ("in SÃ£o Paulo and MÃ¼nchen", "in São Paulo and München", ["mojibake", "mojibake"]),
        ("President ErdoÄŸan said", "President Erdoğan said", ["mojibake"]),
        ("AT&amp;T shares", "AT&T shares", ["html-entity"]),
        ("AT&amp;T in SÃ£o Paulo", "AT&T in São Paulo", ["html-entity", "mojibake"]),
    ],
)
def test_misdecoded_text_is_repaired_word_by_word(text: str, expected: str, rules: list[str]) -> None:
    assert _fix(text) == (expected, rules)


def test_correct_accents_quotes_and_symbols_are_left_alone() -> None:
    text = "Sunday’s naïve café in Zürich, Kraków and São Paulo cost €5 or £10 — AT&T, R&D, Ärger…"
    assert _fix(text) == (text, [])


@pytest.mark.parametrize(
    "text", ["NESTLÉ® products were recalled.", "CAFÉ™ and TOYOTA® are trademarks.", "The ÉCOLE® brand."]
)
def test_valid_text_that_ftfy_could_re_decode_is_left_as_written(text: str) -> None:
    assert _fix(text) == (text, [])  # `NESTLÉ®` is not mojibake of `NESTLɮ`: nothing is measurably better


def test_a_word_ftfy_fixes_in_part_is_finished_in_the_same_pass() -> None:
    # Found by the idempotence property: ftfy fixed `â€™` and left `Â¹` for a second run to find.
    fixed, _ = _fix("theFrance Agency´Â¹donâ€™t")
    assert fixed == "theFrance Agency´¹don’t"
    assert _fix(fixed) == (fixed, [])


def test_layers_revealed_by_hand_re_decoding_are_fixed_in_the_same_pass() -> None:
    # Found by the idempotence property: `\x80Â\x80` became `€\x80`, and only a second repair gave `€€`.
    fixed, rules = _fix("Les discussions porteront sur les salaires.\x80Â\x80")
    assert (fixed, rules) == ("Les discussions porteront sur les salaires.€€", ["mojibake"])
    assert _fix(fixed) == (fixed, [])


def test_a_grave_whose_no_break_space_became_a_space_is_repaired() -> None:
    fixed, rules = _fix("It was a dÃ©jÃ  vu moment for investors.")
    assert (fixed, rules) == ("It was a déjà vu moment for investors.", ["mojibake"])
    assert _fix(fixed) == (fixed, [])
