"""Source-language typography becomes English; English punctuation stays."""

from __future__ import annotations

import pytest

from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.typography import find


def _fix(text: str) -> str:
    doc = Document(text)
    doc.apply(find(text, Context()))
    return doc.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He said : no ! Why ? Because ; yes", "He said: no! Why? Because; yes"),
        ("He said « we will win » on Monday.", 'He said "we will win" on Monday.'),
        ("He said «we will win» and “fine”.", "He said “we will win” and “fine”."),
        ("Er sagte »nein« dann", 'Er sagte "nein" dann'),
        ("Er sagte „nein“ dann", 'Er sagte "nein" dann'),
        ("Paris , Lyon and Nice .", "Paris, Lyon and Nice."),
        ("They do n't know; the president 's visit", "They don't know; the president's visit"),
        ("The party ( PD ) lost", "The party (PD) lost"),
    ],
)
def test_foreign_typography_is_fixed(text: str, expected: str) -> None:
    assert _fix(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Yahoo! and Jeopardy! and What?! at 10:30, ratio 3:1",
        "smile : ) and the 's' key, rock 'n' roll, the '90s, Guns N' Roses",
        "It was close... very close ... really.",
        'He said: "We will win." She asked, “Is it over?”',
    ],
)
def test_english_punctuation_is_left_alone(text: str) -> None:
    assert _fix(text) == text
