"""Language identification of articles, headlines and sentence spans (deterministic, with confidence)."""

from tasks.stages.detect.language import LanguageGuess, detect_language, detect_record
from tasks.stages.detect.spans import detect_spans
from tasks.stages.detect.stage import detect_articles

__all__ = ["LanguageGuess", "detect_articles", "detect_language", "detect_record", "detect_spans"]
