"""English word frequencies (wordfreq's large list), loaded once per process."""

from __future__ import annotations

import math
from functools import cache


@cache
def english() -> dict[str, float]:
    """Zipf frequency of every word in the English list (absent words are rarer than zipf 1)."""
    from wordfreq import get_frequency_dict

    return {word: math.log10(freq) + 9.0 for word, freq in get_frequency_dict("en", wordlist="large").items()}


def zipf(word: str) -> float:
    """Zipf frequency of `word` in English (0 when the list does not know it)."""
    return english().get(word.lower().replace("’", "'"), 0.0)
