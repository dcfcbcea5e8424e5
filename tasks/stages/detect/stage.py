"""The detect stage: the language of each article, its headline and its sentence runs."""

from __future__ import annotations

import dataclasses

from tasks.article import Article, Detection, Flag
from tasks.config import DetectConfig
from tasks.stages.detect.language import best_language, language_probabilities, normalise_code, to_guess
from tasks.stages.detect.spans import sentence_runs

_POLICY = {
    "multilingual": "it will be translated with the multilingual model",
    "mark": "its story is marked language uncertain",
}


def detect_article(article: Article, config: DetectConfig) -> Article:
    """The article with its `detection` set, and a `language-uncertain` flag when the evidence is weak."""
    # The headline is more evidence about the body's language; the source's metadata is a hint.
    text = f"{article.title}\n{article.body}"
    accuracy = config.lingua_accuracy
    found = language_probabilities(text, config.languages, article.lang_hint, lingua_accuracy=accuracy)
    lang, probability = best_language(found)
    guess = to_guess(lang, probability, config.min_confidence)
    main = guess.lang if guess.reliable else normalise_code(article.lang_hint)
    title = None
    if article.title.strip():
        found = language_probabilities(
            article.title, config.languages, article.lang_hint, expected=main, lingua_accuracy=accuracy
        )
        title = to_guess(*best_language(found), config.min_confidence).lang
    spans = sentence_runs(
        article.body, main, config.min_confidence, config.languages, lingua_accuracy=accuracy
    )
    detected = dataclasses.replace(
        article, detection=Detection(guess.lang, guess.confidence, guess.reliable, title, tuple(spans))
    )
    if guess.reliable:
        return detected
    best = f"best guess {lang} at {probability:.2f}" if lang != "und" else "no usable text"
    message = f"Language uncertain ({best}); {_POLICY[config.uncertain_policy]}."
    return detected.with_flags(Flag(kind="language-uncertain", message=message, stage="detect"))


def detect_articles(articles: list[Article], config: DetectConfig) -> list[Article]:
    """Each article with its detected language (the batch goes on whatever an article holds)."""
    return [detect_article(article, config) for article in articles]
