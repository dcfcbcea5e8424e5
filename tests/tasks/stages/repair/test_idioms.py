"""Idioms and false friends are repaired where the context is certain, and only there."""

from __future__ import annotations

import pytest

from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.idioms import find


def _fix(text: str, lang: str | None = None) -> str:
    doc = Document(text)
    doc.apply(find(text, Context(lang)))
    return doc.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sunday’s shooting was not claimed.", "No one claimed responsibility for Sunday’s shooting."),
        ("The attack has not yet been claimed.", "No one has claimed responsibility for the attack."),
        (
            "Never claimed, these attacks are blamed on militias.",
            "These attacks, which no one has claimed, are blamed on militias.",
        ),
        ("the nebula of groups close to", "the loose network of groups close to"),
        ("an attack on armed drones targeted the airport", "an attack by armed drones targeted the airport"),
        ("Since five years, he has lived in exile.", "For five years, he has lived in exile."),
        ("They realised a survey of voters.", "They carried out a survey of voters."),
    ],
)
def test_calqued_idioms_are_repaired(text: str, expected: str) -> None:
    assert _fix(text) == expected


def test_false_friends_need_a_source_language_that_has_them() -> None:
    assert _fix("The actual president will resign.", "es") == "The current president will resign."
    assert _fix("The actual president will resign.", None) == "The actual president will resign."


@pytest.mark.parametrize(
    "text",
    [
        "The attack was claimed by a little-known group. Nobody claimed responsibility.",
        "The Crab Nebula is bright. The balance of payments improved. She realised the mistake.",
        "Prices have risen since 2010. He left two years ago and has lived in Paris since.",
        "The protest was a manifestation of anger. The army shot down armed drones.",
    ],
)
def test_good_english_that_looks_alike_is_left_alone(text: str) -> None:
    assert _fix(text, "fr") == text
