"""The language of one text: script shortcut, combined detectors, source hint as evidence, a confidence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tasks.config import DetectConfig
from tasks.stages.detect.detectors import (
    combine,
    detector_answers,
    fasttext_probabilities,
    word_probabilities,
)
from tasks.stages.detect.scripts import candidate_languages, dominant_script

DEFAULTS = DetectConfig()
# A source's `lang` metadata triples the odds of its language: enough to settle a close call, never
# enough to overrule clear text.
HINT_ODDS = 3.0
# Past this many characters more text adds run time, not evidence (fewer for the slower detectors).
MAX_CHARS = 4000
QUICK_CHARS = 2000
SLOW_CHARS = 1000
# fastText (lite) alone decides a text of this many letters when it gives its answer this probability: on
# the labelled set it was never wrong there, down to 0.75 (docs/detect.md). Shorter text needs the other
# detectors, unless fastText confirms the language the caller expects.
QUICK_MIN_LETTERS = 150
QUICK_MIN_SCORE = 0.8
# When fastText's answer is the language the caller expects (the article's, for one of its sentences), its
# own mistakes would have to land exactly there: a weaker answer is enough.
EXPECTED_MIN_SCORE = 0.5
# ... or fastText and the word frequencies together give it this probability.
EXPECTED_CONFIRMED = 0.9
# A text outside the configured languages (Icelandic, Basque, ...) would otherwise get the nearest configured
# language with full confidence. fastText knows 176 languages, but on short text it strays to neighbours
# (and takes Chinese for Japanese), so its verdict counts only on enough non-Han text: its top answer is not
# configured and the languages that are not have at least this much of its probability.
OUTSIDE_MIN_LETTERS = 40
OUTSIDE_MIN_SCORE = 0.5

SERBO_CROATIAN = frozenset({"bs", "hr", "sr"})

_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|@\w+", re.IGNORECASE)


@dataclass(frozen=True)
class LanguageGuess:
    """A language (ISO 639-1, or `und`) with a confidence in [0, 1]."""

    lang: str
    confidence: float
    reliable: bool


UNDETERMINED = LanguageGuess("und", 0.0, False)


def normalise_code(code: Any) -> str | None:
    """ISO 639-1 code of a metadata language tag (`fr-FR`, `pt_BR`, `zh-Hans`, `fra`), or None."""
    if not isinstance(code, str):
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    if len(primary) == 3 and primary.isascii() and primary.isalpha():
        from lingua import IsoCode639_3, Language

        iso3 = getattr(IsoCode639_3, primary.upper(), None)
        if iso3 is not None:
            return Language.from_iso_code_639_3(iso3).iso_code_639_1.name.lower()
    return None


def language_probabilities(
    text: str,
    languages: Iterable[str] = DEFAULTS.languages,
    hint: str | None = None,
    *,
    expected: str | None = None,
    lingua_accuracy: str = DEFAULTS.lingua_accuracy,
) -> dict[str, float]:
    """Probabilities of the configured languages for `text` (empty when there is no evidence).

    They sum to less than 1 when the text looks like a language outside the configured ones. `expected` is a
    language the caller already has reason for (an article's own, for its headline and sentences): fastText
    agreeing with it clearly settles the text without the slower detectors, as it does on a long text.
    """
    configured = tuple(sorted(set(languages)))
    text = _NOISE.sub(" ", text if isinstance(text, str) else "")[:MAX_CHARS]
    script = dominant_script(text)
    candidates = candidate_languages(script, configured)
    if not candidates:
        return {}
    letters = sum(map(str.isalpha, text))
    fasttext = None
    if len(candidates) == 1:
        probabilities = {candidates[0]: 1.0}
    else:
        # The cheapest detector first; the others only when it is unsure.
        fasttext = fasttext_probabilities(text[:QUICK_CHARS])
        probabilities = _quick(fasttext, candidates, letters, expected)
        if probabilities is None and expected in candidates:
            # Word frequencies are nearly as cheap: with fastText they confirm most sentences of an article.
            answers = {"fasttext": fasttext, "words": word_probabilities(text[:QUICK_CHARS], configured)}
            probabilities = combine(answers, candidates)
            lang, probability = best_language(probabilities)
            if lang != expected or probability < EXPECTED_CONFIRMED:
                probabilities = None
        if probabilities is None:
            answers = detector_answers(text[:SLOW_CHARS], configured, lingua_accuracy=lingua_accuracy)
            probabilities = combine(answers, candidates)
    hinted = normalise_code(hint)
    if hinted in probabilities:
        probabilities[hinted] *= HINT_ODDS
        total = sum(probabilities.values())
        probabilities = {lang: value / total for lang, value in probabilities.items()}
    if script != "han" and letters >= OUTSIDE_MIN_LETTERS:
        fasttext = fasttext if fasttext is not None else fasttext_probabilities(text[:QUICK_CHARS])
        best = max(fasttext, key=lambda lang: (fasttext[lang], lang), default=None)
        outside = sum(value for lang, value in fasttext.items() if lang not in configured)
        if best is not None and best not in configured and outside >= OUTSIDE_MIN_SCORE:
            probabilities = {lang: value * (1.0 - outside) for lang, value in probabilities.items()}
    return probabilities


def _quick(
    fasttext: dict[str, float], candidates: list[str], letters: int, expected: str | None
) -> dict[str, float] | None:
    """fastText's answer over `candidates` when it alone is reliable, else None."""
    top = max(candidates, key=lambda lang: (fasttext.get(lang, 0.0), lang))
    family = SERBO_CROATIAN if top in SERBO_CROATIAN else (top,)
    score = sum(fasttext.get(lang, 0.0) for lang in family)
    if top in SERBO_CROATIAN and expected in SERBO_CROATIAN:
        top = expected
    if top == expected:
        if score < EXPECTED_MIN_SCORE:
            return None
    elif score < QUICK_MIN_SCORE or letters < QUICK_MIN_LETTERS:
        return None
    total = sum(fasttext.get(lang, 0.0) for lang in candidates)
    return {lang: fasttext.get(lang, 0.0) / total for lang in candidates}


def best_language(probabilities: dict[str, float]) -> tuple[str, float]:
    """The most probable language and its probability (`und`, 0 when there is none); ties go by code.

    Croatian, Serbian and Bosnian are one language with three standards, too close to tell apart in a
    headline: the most probable of them wins with the probability of the three together.
    """
    if not probabilities:
        return "und", 0.0
    lang = min(probabilities, key=lambda code: (-probabilities[code], code))
    if lang in SERBO_CROATIAN:
        return lang, sum(probabilities.get(code, 0.0) for code in SERBO_CROATIAN)
    return lang, probabilities[lang]


def to_guess(lang: str, probability: float, min_confidence: float) -> LanguageGuess:
    """A guess that is `und` and unreliable when the probability is below `min_confidence`."""
    confidence = round(min(max(probability, 0.0), 1.0), 2)
    if lang == "und" or confidence < min_confidence:
        return LanguageGuess("und", confidence, False)
    return LanguageGuess(lang, confidence, True)


def detect_language(
    text: str,
    hint: str | None = None,
    min_confidence: float = DEFAULTS.min_confidence,
    languages: Iterable[str] = DEFAULTS.languages,
    *,
    lingua_accuracy: str = DEFAULTS.lingua_accuracy,
) -> LanguageGuess:
    """The language of `text`; `hint` (source metadata) is evidence, not truth."""
    found = language_probabilities(text, languages, hint, lingua_accuracy=lingua_accuracy)
    lang, probability = best_language(found)
    return to_guess(lang, probability, min_confidence)


def detect_record(record: dict[str, Any], config: DetectConfig = DEFAULTS) -> dict[str, Any]:
    """One `{"id", "text"}` JSON object to `{"id", "lang", "confidence", "reliable"}`."""
    guess = detect_language(
        record.get("text"),
        None,
        config.min_confidence,
        config.languages,
        lingua_accuracy=config.lingua_accuracy,
    )
    return {
        "id": record.get("id"),
        "lang": guess.lang,
        "confidence": guess.confidence,
        "reliable": guess.reliable,
    }
