"""Sentences left in the source language are flagged, with span and language, and never rewritten."""

from __future__ import annotations

from tasks.stages.repair import repair


def test_a_foreign_sentence_is_flagged_with_its_span_and_language() -> None:
    text = "The talks resumed. Die Mitarbeiter wurden am Montag darüber informiert. Production stops."
    result = repair(text, "de")
    assert result.text == text and result.changes == []
    [flag] = result.flags
    assert text[flag["start"] : flag["end"]] == "Die Mitarbeiter wurden am Montag darüber informiert."
    assert (flag["kind"], flag["rule"], flag["message"]) == (
        "untranslated",
        "sentence-language",
        "sentence is German, expected English",
    )


def test_a_flagged_sentence_is_protected_from_the_other_rules() -> None:
    text = "Prices rose. « Nous ne céderons pas », a déclaré le ministre devant 12 000 personnes. Fine ."
    result = repair(text, "fr")
    assert "« Nous ne céderons pas », a déclaré le ministre devant 12 000 personnes." in result.text
    assert result.text.endswith("Fine.")
    assert [f["kind"] for f in result.flags] == ["untranslated"]


def test_loanwords_names_and_short_quotations_are_not_flagged() -> None:
    for text in (
        "As the French say, c'est la vie.",
        "Merkel's phrase Wir schaffen das became famous.",
        "Bayern Munich beat Borussia Mönchengladbach 3-1 in the Bundesliga.",
        "Le Monde and Les Echos both reported the story on Monday.",
    ):
        assert repair(text).flags == []
