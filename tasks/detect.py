"""Language identification of articles, headlines and sentence spans (deterministic, with confidence)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageGuess:
    """A language (ISO 639-1, or `und`) with a confidence in [0, 1]."""

    lang: str
    confidence: float
    reliable: bool


UNDETERMINED = LanguageGuess("und", 0.0, False)


def detect_language(text: str, hint: str | None = None, min_confidence: float = 0.7) -> LanguageGuess:
    """The language of `text`; `hint` (source metadata) is evidence, not truth."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    if not any(ch.isalpha() for ch in text):
        return UNDETERMINED
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return UNDETERMINED
    lang = best.lang.split("-")[0]
    confidence = round(float(best.prob), 2)
    if confidence < min_confidence:
        return LanguageGuess("und", confidence, False)
    return LanguageGuess(lang, confidence, True)


def detect_spans(text: str) -> list[tuple[int, int, str, float]]:
    """Runs of sentences in one language: `(start, end, lang, confidence)`, offsets into `text`."""
    import pysbd

    spans: list[tuple[int, int, str, float]] = []
    for sent in pysbd.Segmenter(language="en", clean=False, char_span=True).segment(text):
        stripped = sent.sent.rstrip()
        guess = detect_language(stripped)
        start, end = sent.start, sent.start + len(stripped)
        if spans and spans[-1][2] == guess.lang:
            prev = spans[-1]
            spans[-1] = (prev[0], end, prev[2], min(prev[3], guess.confidence))
        else:
            spans.append((start, end, guess.lang, guess.confidence))
    return spans
