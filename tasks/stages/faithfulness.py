"""Faithfulness guard: every number, date and name in a summary must appear in its source text."""

from __future__ import annotations

import re

from tasks.stages.stories import NUMBER, canonical_number, fold

_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
    "thousand": "1000",
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_WORD = re.compile(r"[^\W\d_]\w*(?:[-'’][^\W_]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]['\"”’)]*\s+|\n)['\"“‘(]*$")


def _plain(text: str) -> str:
    """`U.S.` as `US`, so acronyms compare whatever their punctuation."""
    return _ACRONYM.sub(lambda m: m.group().replace(".", ""), text)


def number_mentions(text: str) -> list[tuple[str, str | None]]:
    """Each number written in digits, canonical, with its scaled value: `2.5 million` is `(2.5, 2500000)`."""
    mentions = []
    for match in NUMBER.finditer(text):
        value = canonical_number(match.group())
        scale = re.match(r"\s*(thousand|million|billion|trillion)\b", text[match.end() :], re.IGNORECASE)
        scaled = None
        if scale:
            scaled = canonical_number(f"{float(value) * _SCALES[scale.group(1).lower()]:.0f}")
        mentions.append((value, scaled))
    return mentions


def names(text: str) -> list[str]:
    """Capitalised words (names, places, months, weekdays), except function words that open a sentence."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    text = _plain(text)
    found = []
    for match in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", match.group())
        opening = _SENTENCE_START.search(text[max(0, match.start() - 4) : match.start()])
        if word[0].isupper() and not (opening and fold(word) in ENGLISH_STOP_WORDS):
            found.append(word)
    return list(dict.fromkeys(found))


def unsupported(summary: str, source: str) -> list[str]:
    """The numbers, dates and names of `summary` missing from `source` (case, accents and number spelling aside)."""
    source_words = set(re.findall(r"\w+", fold(_plain(source))))
    source_numbers = {form for mention in number_mentions(source) for form in mention if form}
    source_numbers |= {_NUMBER_WORDS[w] for w in source_words if w in _NUMBER_WORDS}
    missing = [n for n in names(summary) if not set(re.findall(r"\w+", fold(n))) <= source_words]
    for value, scaled in number_mentions(summary):
        if (scaled or value) not in source_numbers:
            missing.append(value if scaled is None else f"{value} ({scaled})")
    return list(dict.fromkeys(missing))
