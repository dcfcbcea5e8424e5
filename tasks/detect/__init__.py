"""Language identification of articles, headlines and sentence spans (deterministic, with confidence)."""

from tasks.detect.language import LanguageGuess, detect_language, detect_record
from tasks.detect.spans import detect_spans
from tasks.detect.stage import detect_articles

__all__ = ["LanguageGuess", "detect_articles", "detect_language", "detect_record", "detect_spans"]
