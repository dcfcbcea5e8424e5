"""Runs of sentences in one language inside a text, for untranslated fragments and foreign quotations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tasks.stages.detect.language import (
    DEFAULTS,
    SERBO_CROATIAN,
    best_language,
    detect_language,
    language_probabilities,
)
from tasks.text import split_sentences

Span = tuple[int, int, str, float]
# A sentence with fewer letters than this ("Yes.", "2-1.") is too little evidence to be looked at: it joins
# the run around it.
MIN_SENTENCE_LETTERS = 12


def sentence_bounds(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence, surrounding whitespace excluded (the language's rules if known)."""
    return split_sentences(text, lang or "en")


def detect_spans(
    text: str,
    hint: str | None = None,
    min_confidence: float = DEFAULTS.min_confidence,
    languages: Iterable[str] = DEFAULTS.languages,
) -> list[Span]:
    """Runs of sentences in one language: `(start, end, lang, confidence)`, offsets into `text`."""
    if not isinstance(text, str) or not text.strip():
        return []
    whole = detect_language(text, hint, min_confidence, languages)
    return sentence_runs(text, whole.lang if whole.reliable else hint, min_confidence, languages)


def sentence_runs(
    text: str,
    language: str | None,
    min_confidence: float,
    languages: Iterable[str],
    *,
    lingua_accuracy: str = DEFAULTS.lingua_accuracy,
) -> list[Span]:
    """Runs of sentences of `text`, whose main language (if known) is `language`.

    The main language is the hint for each sentence, so a short sentence stays with it unless its own
    evidence is clear; a sentence with too little evidence joins the run before it (or after it). fastText
    alone settles a sentence it clearly finds in the main language; the other detectors look at the rest.
    """
    languages = tuple(languages)
    sentences: list[tuple[int, int, str | None, dict[str, float]]] = []
    for start, end in sentence_bounds(text, language):
        sentence = text[start:end]
        if sum(map(str.isalpha, sentence)) < MIN_SENTENCE_LETTERS:
            sentences.append((start, end, None, {}))
            continue
        probabilities = language_probabilities(
            sentence, languages, language, expected=language, lingua_accuracy=lingua_accuracy
        )
        lang, probability = best_language(probabilities)
        if lang in SERBO_CROATIAN and language in SERBO_CROATIAN:
            lang = language  # one language with three standards: no run boundary between them
            probabilities = {**probabilities, lang: probability}
        sentences.append((start, end, lang if probability >= min_confidence else None, probabilities))
    known = [lang for _, _, lang, _ in sentences if lang]
    fallback = known[0] if known else (language or "und")
    runs: list[list[Any]] = []  # [start, end, lang, length-weighted probability, length]
    for start, end, lang, probabilities in sentences:
        lang = lang or (runs[-1][2] if runs else fallback)
        weight = end - start if probabilities else 0
        if runs and runs[-1][2] == lang:
            runs[-1][1] = end
            runs[-1][3] += weight * probabilities.get(lang, 0.0)
            runs[-1][4] += weight
        else:
            runs.append([start, end, lang, weight * probabilities.get(lang, 0.0), weight])
    return [
        (start, end, lang, round(total / weight, 2) if weight else 0.0)
        for start, end, lang, total, weight in runs
    ]
