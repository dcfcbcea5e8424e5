"""Repetition loops collapse to one copy; repetition good English allows stays."""

from __future__ import annotations

import pytest

from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.repetition import find


def _fix(text: str) -> str:
    doc = Document(text)
    doc.apply(find(text, Context()))
    return doc.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The leader of of of the party", "The leader of the party"),
        ("The The minister", "The minister"),
        ("deployed to restore order, to restore order, to restore order.", "deployed to restore order."),
        ("the support of the opposition the support of the opposition.", "the support of the opposition."),
        ("a halt to the fighting and the fighting and the fighting.", "a halt to the fighting."),
        ("The talks collapsed. The talks collapsed. The talks collapsed. Then", "The talks collapsed. Then"),
        (
            "First.\nThe vote was postponed.\nThe vote was postponed.\nEnd.",
            "First.\nThe vote was postponed.\nEnd.",
        ),
    ],
)
def test_loops_collapse_to_one_copy(text: str, expected: str) -> None:
    assert _fix(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "He had had enough. She said that that was all. What it is is a failure.",
        "No, no, no. It was very, very close. Education, education, education.",
        "Bora Bora, Walla Walla, Sirhan Sirhan, Duran Duran and New York, New York.",
        "He logged in in the morning. Prices rose again and again and again, more and more.",
    ],
)
def test_repetition_of_good_english_stays(text: str) -> None:
    assert _fix(text) == text
