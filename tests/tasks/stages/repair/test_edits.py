"""Edits on an evolving text keep offsets into the original input."""

from __future__ import annotations

from tasks.stages.repair.edits import Document, Edit


def test_a_later_edit_over_an_earlier_one_reports_the_original_span() -> None:
    doc = Document("told theFrance Media Agency that")
    doc.apply([Edit(5, 14, "the France", "fused_token", "fused-article")])
    assert doc.text == "told the France Media Agency that"
    doc.apply([Edit(5, 28, "Agence France-Presse (AFP)", "entity_calque", "agency:afp")])
    assert doc.text == "told Agence France-Presse (AFP) that"
    assert [(c["before"], c["start"], c["end"]) for c in doc.changes] == [
        ("theFrance", 5, 14),
        ("theFrance Media Agency", 5, 27),
    ]


def test_offsets_after_a_deletion_still_point_into_the_input() -> None:
    doc = Document("Menu\nThe vote is on 7,1 %.")
    doc.apply([Edit(0, 5, "", "boilerplate", "chrome:nav")])
    doc.apply([Edit(15, 20, "7.1%", "number_format", "decimal-comma")])
    assert doc.text == "The vote is on 7.1%."
    assert doc.changes[1]["before"] == "7,1 %"
    assert (doc.changes[1]["start"], doc.changes[1]["end"]) == (20, 25)


def test_overlapping_and_protected_edits_are_skipped() -> None:
    doc = Document("aaa bbb ccc")
    doc.protect(8, 11)
    applied = doc.apply([Edit(0, 3, "A", "k", "r"), Edit(2, 5, "X", "k", "r"), Edit(8, 11, "C", "k", "r")])
    assert applied == 1
    assert doc.text == "A bbb ccc"


def test_flags_are_reported_in_original_offsets() -> None:
    doc = Document("xx yy zz")
    doc.apply([Edit(0, 3, "", "k", "r")])
    doc.flag("untranslated", "sentence-language", 3, 5, "m")
    assert doc.flags[0]["start"] == 6 and doc.flags[0]["end"] == 8
