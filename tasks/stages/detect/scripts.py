"""Which writing system a text is written in, and which languages that system leaves possible."""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Scripts that narrow the answer to a few languages (ISO 639-1); any other language is written in Latin.
SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "arabic": frozenset({"ar", "fa", "ps", "ur"}),
    "armenian": frozenset({"hy"}),
    "bengali": frozenset({"bn"}),
    "cyrillic": frozenset({"be", "bg", "kk", "mk", "mn", "ru", "sr", "uk"}),
    "devanagari": frozenset({"hi", "mr", "ne"}),
    "georgian": frozenset({"ka"}),
    "greek": frozenset({"el"}),
    "gujarati": frozenset({"gu"}),
    "gurmukhi": frozenset({"pa"}),
    "han": frozenset({"ja", "zh"}),
    "hangul": frozenset({"ko"}),
    "hebrew": frozenset({"he", "yi"}),
    "kana": frozenset({"ja"}),
    "tamil": frozenset({"ta"}),
    "telugu": frozenset({"te"}),
    "thai": frozenset({"th"}),
}
NON_LATIN = frozenset().union(*SCRIPT_LANGUAGES.values())

_NAME_TO_SCRIPT = {"CJK": "han", "HIRAGANA": "kana", "KATAKANA": "kana", "HANGUL": "hangul"}
# An ideograph carries about as much evidence as a short word, not as a single letter.
_WEIGHT = {"han": 3, "kana": 3, "hangul": 2}


@functools.lru_cache(maxsize=65536)
def letter_script(char: str) -> str:
    """The script of one letter, lower case (`latin`, `cyrillic`, `han`, ...), from its Unicode name."""
    name = unicodedata.name(char, "")
    if "LATIN" in name:
        return "latin"
    first = name.split(" ", 1)[0]
    return _NAME_TO_SCRIPT.get(first, first.lower())


def dominant_script(text: str) -> str | None:
    """The script of most of the letters in `text`, or None when it has no letters."""
    counts: Counter[str] = Counter()
    for char, times in Counter(text).items():
        if char.isalpha():
            script = letter_script(char)
            counts[script] += times * _WEIGHT.get(script, 1)
    if not counts:
        return None
    # Japanese mixes ideographs with kana; Chinese has no kana, so a little kana decides.
    japanese = counts.pop("kana", 0)
    if japanese:
        counts["han"] += japanese
    script = min(counts, key=lambda s: (-counts[s], s))
    if script == "han" and japanese >= 0.1 * counts["han"]:
        return "kana"
    return script


def candidate_languages(script: str | None, languages: Iterable[str]) -> list[str]:
    """The configured languages a text in `script` can be written in (sorted)."""
    return list(_candidates(script, tuple(languages)))


@functools.lru_cache(maxsize=256)
def _candidates(script: str | None, languages: tuple[str, ...]) -> tuple[str, ...]:
    if script is None:
        return ()
    if script == "latin":
        return tuple(sorted(lang for lang in languages if lang not in NON_LATIN))
    possible = SCRIPT_LANGUAGES.get(script, frozenset())
    found = tuple(sorted(lang for lang in languages if lang in possible))
    if script == "han" and len(found) > 1:
        # Japanese prose always has kana (that is the `kana` script); Han alone is Chinese.
        return ("zh",)
    return found
