"""Fused tokens are split; real words, brands, handles and URLs are not."""

from __future__ import annotations

import pytest

from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.fused import find


def _fix(text: str) -> tuple[str, list[str]]:
    doc = Document(text)
    doc.apply(find(text, Context()))
    return doc.text, [c["rule"] for c in doc.changes]


@pytest.mark.parametrize(
    ("text", "expected", "rule"),
    [
        ("told theFrance Media", "told the France Media", "fused-article"),
        ("shelling nearDonetsk", "shelling near Donetsk", "fused-preposition"),
        ("rose andthe bank", "rose and the bank", "fused-conjunction"),
        ("held atthe border", "held at the border", "fused-preposition"),
        ("said theUN would", "said the UN would", "fused-article"),
        ("said andtheEU would", "said and the EU would", "fused-conjunction"),
        ("examined thewreckage", "examined the wreckage", "fused-article"),
        ("stood inthemiddle", "stood in the middle", "fused-preposition"),
    ],
)
def test_glued_function_words_are_split(text: str, expected: str, rule: str) -> None:
    assert _fix(text) == (expected, [rule])


@pytest.mark.parametrize(
    "text",
    [
        "PayPal PlayStation MacBook SpaceX JavaScript iPhone eBay YouTube McDonald's LeBron deGrom",
        "theguardian.com @username #hashtag @theFrench newsdesk@example.org https://x.org/onMonday/a",
        "another atone tonight online onto into area nora washer inbox offset without",
        "theScore inDrive onClick forEach toLowerCase inStock",
    ],
)
def test_words_names_and_addresses_are_left_alone(text: str) -> None:
    assert _fix(text) == (text, [])
