"""Recall per category on the labelled cases, and no change at all on the clean sentences."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from tasks.stages.repair import Repaired
from tasks.stages.repair import repair as _repair
from tests.tasks.stages.repair.labelled_data import DATA, load_jsonl

CASES = load_jsonl(DATA / "repair" / "cases.jsonl")
CLEAN = load_jsonl(DATA / "repair" / "clean.jsonl")
CATEGORIES = sorted({c["category"] for c in CASES})
MIN_RECALL = 0.9


@cache
def repair(text: str, source_lang: str | None) -> Repaired:
    """Each labelled text is repaired once for all the tests below."""
    return _repair(text, source_lang)


def _repaired(case: dict) -> bool:
    result = repair(case["text"], case["source_lang"])
    if case["category"] != "untranslated":
        return result.text == case["expected"]
    start = case["text"].index(case["flag"]["text"])
    end = start + len(case["flag"]["text"])
    return result.text == case["text"] and any(
        f["kind"] == "untranslated" and f["start"] <= start and f["end"] >= end for f in result.flags
    )


def test_the_labelled_set_has_enough_cases() -> None:
    counts = Counter(c["category"] for c in CASES)
    assert len(counts) == 9 and min(counts.values()) >= 15
    assert len(CLEAN) >= 100


@pytest.mark.parametrize("category", CATEGORIES)
def test_recall_per_category(category: str) -> None:
    cases = [c for c in CASES if c["category"] == category]
    missed = [c["id"] for c in cases if not _repaired(c)]
    assert 1 - len(missed) / len(cases) >= MIN_RECALL, missed


def test_each_repair_is_of_its_category_and_names_the_input_it_replaced() -> None:
    for case in CASES:
        result = repair(case["text"], case["source_lang"])
        for change in result.changes:
            assert case["text"][change["start"] : change["end"]] == change["before"], case["id"]
        if case["category"] not in ("untranslated", "entity_calque"):  # a calque may need a split first
            assert {c["kind"] for c in result.changes} == {case["category"]}, case["id"]


@pytest.mark.parametrize("case", CLEAN, ids=[c["id"] for c in CLEAN])
def test_clean_sentence_is_left_alone(case: dict) -> None:
    result = repair(case["text"], case["source_lang"])
    assert (result.text, result.changes, result.flags) == (case["text"], [], [])


GENERAL = load_jsonl(DATA / "repair" / "generalisation.jsonl")
# Held-back cases were written for wordings (and some institutions) the tables were not written from,
# and run once before any rule was changed for them; their floor is lower on purpose (see docs/repair.md).
FLOORS = {"table": 0.95, "held-back": 0.8}


def _general(case: dict) -> bool:
    result = _repair_with_original(case["text"], case["source_lang"], case.get("original"))
    if result.text != case.get("expected", case["text"]):
        return False
    if "flag" not in case:
        return True
    start = case["text"].index(case["flag"]["text"])
    end = start + len(case["flag"]["text"])
    kind = "untranslated" if case["category"] == "untranslated" else "false_friend"
    return any(f["kind"] == kind and f["start"] <= start and f["end"] >= end for f in result.flags)


@cache
def _repair_with_original(text: str, source_lang: str | None, original: str | None) -> Repaired:
    return _repair(text, source_lang, original=original)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_recall_on_the_generalisation_cases(name: str) -> None:
    cases = [c for c in GENERAL if c["set"] == name]
    assert len(cases) >= 30
    missed = [c["id"] for c in cases if not _general(c)]
    assert 1 - len(missed) / len(cases) >= FLOORS[name], missed


def test_generalisation_changes_name_the_input_they_replaced() -> None:
    for case in GENERAL:
        result = _repair_with_original(case["text"], case["source_lang"], case.get("original"))
        for change in result.changes:
            assert case["text"][change["start"] : change["end"]] == change["before"], case["id"]
