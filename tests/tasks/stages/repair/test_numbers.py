"""Numbers in a source locale's format become English; English numbers never change."""

from __future__ import annotations

import pytest

from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.numbers import find


def _fix(text: str, lang: str | None) -> tuple[str, list[str]]:
    doc = Document(text)
    doc.apply(find(text, Context(lang)))
    return doc.text, [c["rule"] for c in doc.changes]


@pytest.mark.parametrize(
    ("text", "lang", "expected", "rules"),
    [
        ("fell to 7,1 % in", "fr", "fell to 7.1% in", ["decimal-comma:fr"]),
        ("fell to 7,1 % in", None, "fell to 7.1% in", ["decimal-comma"]),
        ("cut 4.300 jobs", "de", "cut 4,300 jobs", ["thousands-dot:de"]),
        ("drew 12 000 people", "fr", "drew 12,000 people", ["thousands-space:fr"]),
        ("holds 2\u202f000 euros", None, "holds 2,000 euros", ["thousands-space"]),
        ("totals 1.234,5 million", "de", "totals 1,234.5 million", ["decimal-comma:de"]),
        ("costs 12,50 € each", "fr", "costs €12.50 each", ["decimal-comma:fr"]),
        ("rose 38 % last year", "es", "rose 38% last year", ["percent-space:es"]),
        ("a rate of 0,5 and 3,25", "it", "a rate of 0.5 and 3.25", ["decimal-comma:it", "decimal-comma:it"]),
    ],
)
def test_source_locale_numbers_are_rewritten(
    text: str, lang: str | None, expected: str, rules: list[str]
) -> None:
    assert _fix(text, lang) == (expected, rules)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("cut 4.300 jobs", None),  # a dot needs a source locale that groups thousands with it
        ("cut 4.300 jobs", "fr"),
        ("drew 12 000 people", "en"),
        ("the score was 2,1 at half time", None),
        ("On May 12 300 people marched", "fr"),
        ("call +33 1 234 567 890", "fr"),
        ("version 2.300 of the app", "de"),
        ("2,500 soldiers, 3.5 points, 1,000,000 euros, 1,500.5 m, in 2019, at 10:30, v2.3.1", "de"),
        ("rates of 1,250 were reported", "fr"),
    ],
)
def test_english_numbers_and_ambiguous_ones_are_left_alone(text: str, lang: str | None) -> None:
    assert _fix(text, lang) == (text, [])
