"""Site chrome and a repeated headline are removed; article text that looks like chrome is not."""

from __future__ import annotations

import pytest

from tasks.stages.repair.chrome import find
from tasks.stages.repair.edits import Context, Document


def _fix(text: str, headline: str | None = None) -> tuple[str, list[str]]:
    doc = Document(text)
    doc.apply(find(text, Context(headline=headline)))
    return doc.text, [c["rule"] for c in doc.changes]


def test_navigation_prefix_and_repeated_headline_go() -> None:
    text = "Home LATEST NEWS Rockets hit the green zone\n\nRockets hit the green zone\n\nTwo rockets fell."
    assert _fix(text) == (
        "Rockets hit the green zone\n\nTwo rockets fell.",
        ["chrome:nav", "duplicate-headline"],
    )


def test_unknown_chrome_before_a_repeated_headline_goes_too() -> None:
    text = "World News Rockets hit the green zone\nRockets hit the green zone\nTwo rockets fell."
    assert _fix(text) == (
        "Rockets hit the green zone\nTwo rockets fell.",
        ["chrome:prefix", "duplicate-headline"],
    )


def test_first_body_line_repeating_the_given_headline_goes() -> None:
    assert _fix("Rockets hit the zone\n\nTwo rockets fell.", headline="Rockets hit the zone") == (
        "Two rockets fell.",
        ["duplicate-headline"],
    )


def test_link_lines_at_the_end_go_with_their_headlines() -> None:
    text = "Two rockets fell.\n\nPrevious articleMinister resigns\nNext article\nStrike called off"
    assert _fix(text)[0] == "Two rockets fell."


def test_banner_sentences_inside_a_paragraph_go() -> None:
    text = "The vote is Sunday. We use cookies to improve your experience. Polls open at 8."
    assert _fix(text) == ("The vote is Sunday. Polls open at 8.", ["chrome:cookie"])


@pytest.mark.parametrize(
    "text",
    [
        "Home Secretary Suella Braverman said on Monday.",
        "Next week the parliament votes.\nPrevious articles on the subject were retracted.",
        "The share price fell.\nThe bakery sold cookies.\nSearch teams found the wreckage.",
        "Rebels seize second city\n\nThe rebels seized the second city on Sunday.",
    ],
)
def test_article_text_is_left_alone(text: str) -> None:
    assert _fix(text) == (text, [])


@pytest.mark.parametrize(
    "text",
    [
        "Home WORLD Floods hit the north of the country on Monday.",
        "Home\nWORLD\nFloods hit the north of the country on Monday.",
        "HOME > WORLD > ASIA Floods hit the north of the country on Monday.",
        "Home | World\nFloods hit the north of the country on Monday.",
        "WORLD Floods hit the north of the country on Monday.",
        "Floods hit the north of the country on Monday.\nShare\nFacebook\nTwitter",
        "Floods hit the north of the country on Monday. Related Topics Floods Asia",
        "Floods hit the north of the country on Monday. Back to top",
    ],
)
def test_chrome_at_either_edge_of_a_body_goes_entirely(text: str) -> None:
    assert _fix(text)[0] == "Floods hit the north of the country on Monday."


@pytest.mark.parametrize(
    "text",
    [
        "Home prices fell for the third month in a row.",
        "Home Health Care Inc said on Monday it would cut jobs.",
        "World leaders met in Paris on Monday.",
        "NATO Allies met on Monday in Brussels.",
        "Floods hit.\nThe minister will travel to Asia on Monday.\nAfrica is next.",
        "Floods hit the north on Monday. Share prices fell.",
    ],
)
def test_section_and_button_words_inside_the_text_stay(text: str) -> None:
    assert _fix(text)[0] == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published 12 May 2023\nFloods hit the north.", "Floods hit the north."),
        ("Updated: 14:32 GMT, 3 June\nFloods hit the north.", "Floods hit the north."),
        ("Floods hit.\nImage source, Getty Images\nRescuers came.", "Floods hit.\nRescuers came."),
        ("2023\nThe year began with floods.", "2023\nThe year began with floods."),
        ("Updated figures show growth of 3%.", "Updated figures show growth of 3%."),
    ],
)
def test_date_and_credit_lines_go_but_figures_and_sentences_stay(text: str, expected: str) -> None:
    assert _fix(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected", "rules"),
    [
        # Found by the idempotence property: `Share on .{1,80}` ran on over the article sentence glued to it.
        (
            "Share on Facebook.We use cookies.Les discussions porteront sur les salaires.",
            "Les discussions porteront sur les salaires.",
            ["chrome:share", "chrome:cookie"],
        ),
        (
            "We use cookies. The central bank kept interest rates unchanged.",
            "The central bank kept interest rates unchanged.",
            ["chrome:cookie"],
        ),
        (
            "Read more: Talks stall. The central bank kept interest rates unchanged.",
            "The central bank kept interest rates unchanged.",
            ["chrome:nav"],
        ),
        # `Read more: …` inside a paragraph stops at the end of its sentence.
        (
            "The vote is Sunday. Read more: Talks stall. Polls open at 8.",
            "The vote is Sunday. Polls open at 8.",
            ["chrome:footer"],
        ),
    ],
)
def test_article_sentences_glued_to_a_chrome_line_stay(text: str, expected: str, rules: list[str]) -> None:
    assert _fix(text) == (expected, rules)
    assert _fix(expected) == (expected, [])


def test_a_line_of_chrome_sentences_only_goes_whole() -> None:
    text = "Share on Facebook.We use cookies.\nThe strike goes on."
    assert _fix(text) == ("The strike goes on.", ["chrome:share"])
