"""False friends are flagged with the likely intended word, never rewritten, only with a known source."""

from __future__ import annotations

import pytest

from tasks.stages.repair import repair


@pytest.mark.parametrize(
    ("lang", "text", "word", "intended"),
    [
        ("fr", "Actually, 40 percent of the population lives in cities.", "Actually", "currently"),
        ("es", "The eventual candidates must register by Friday.", "eventual", "possible"),
        ("it", "The data are very sensible and must be protected.", "sensible", "sensitive"),
        ("de", "Actually the unemployment rate is 5.2 percent.", "Actually", "currently"),
        ("fr", "The mayor pretends that the budget is balanced.", "pretends that", "claim"),
    ],
)
def test_a_false_friend_is_flagged_with_the_likely_word(
    lang: str, text: str, word: str, intended: str
) -> None:
    result = repair(text, lang)
    assert result.text == text and result.changes == []
    [flag] = result.flags
    start = text.index(word)
    assert flag["kind"] == "false_friend" and flag["start"] <= start and flag["end"] >= start + len(word)
    assert repr(intended) in flag["message"]


@pytest.mark.parametrize("lang", [None, "en", "ru", "zh"])
def test_no_flag_without_a_source_language_that_has_the_false_friend(lang: str | None) -> None:
    result = repair("Actually, the eventual winner was announced on Sunday.", lang)
    assert result.flags == []


def test_fixed_uses_of_the_words_are_not_flagged() -> None:
    assert repair("The actual number of victims is not known.", "fr").flags == []
    assert repair("It was a sensible decision, the minister said.", "es").flags == []
