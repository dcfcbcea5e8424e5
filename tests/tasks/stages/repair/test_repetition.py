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


def _fix_from(text: str, lang: str | None) -> str:
    doc = Document(text)
    doc.apply(find(text, Context(lang)))
    return doc.text


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("was repelled, repelled, repelled, repelled by", "ru", "was repelled by"),
        ("was repelled, repelled, repelled, repelled by", None, "was repelled by"),
        ("were killed - killed - killed - killed in", "uk", "were killed in"),
        ("was shelled; shelled; shelled overnight", "ru", "was shelled overnight"),
    ],
)
def test_loops_with_any_separator_collapse(text: str, lang: str | None, expected: str) -> None:
    assert _fix_from(text, lang) == expected


@pytest.mark.parametrize(
    "text",
    [
        "It was really really really good, she said.",
        "The crowd chanted out, out, out, out as he left.",
        "Never again. Never again. Never again.",
        "Location, location, location.",
    ],
)
def test_text_written_in_english_keeps_its_deliberate_repetition(text: str) -> None:
    assert _fix_from(text, "en") == text


def test_english_text_still_loses_doubled_function_words_and_runs_nobody_writes() -> None:
    assert _fix_from("The leader of of the party", "en") == "The leader of the party"
    run = "The bridge was closed closed closed closed closed closed today."
    assert _fix_from(run, "en") == "The bridge was closed today."


@pytest.mark.parametrize("lang", [None, "fr", "en"])
def test_repetition_inside_quotation_marks_is_what_was_said(lang: str | None) -> None:
    text = 'He sang "we shall overcome, we shall overcome, we shall overcome" and left.'
    assert _fix_from(text, lang) == text
    said = '"Never again. Never again. Never again," the survivors said.'
    assert _fix_from(said, lang) == said
