"""Checks on each translated sentence (loops, far-off length, source copied through) and all-caps input."""

from __future__ import annotations

import re

_UNIT_LOOP = re.compile(r"(\S{2,30}?)\1{3,}")
_WORD = re.compile(r"\w+")
MIN_TOKENS_FOR_RATIO = 6
MIN_RATIO, MAX_RATIO = 1 / 3, 3.0


def is_shouting(text: str) -> bool:
    """Whether a line is written in capitals (navigation, headlines): two words or more, nearly all upper case."""
    cased = [c for c in text if c.isupper() or c.islower()]
    if len(cased) < 8 or len(text.split()) < 2:
        return False
    return sum(c.isupper() for c in cased) >= 0.8 * len(cased)


def normalise_case(text: str) -> str:
    """An all-caps line in sentence case (models trained on ordinary text loop on capitals); others unchanged."""
    if not is_shouting(text):
        return text
    lowered = text.lower()
    first = next((i for i, c in enumerate(lowered) if c.isalpha()), None)
    if first is None:
        return lowered
    return lowered[:first] + lowered[first].upper() + lowered[first + 1 :]


def repetition(text: str) -> bool:
    """Whether the text loops: a word 4 times or a 2-to-4-word group 3 times in a row, or a unit repeated inside a word."""
    words = _WORD.findall(text.lower())
    for n in range(1, 5):
        needed = 4 if n == 1 else 3
        for i in range(len(words) - n * needed + 1):
            gram = words[i : i + n]
            if all(words[i + k * n : i + (k + 1) * n] == gram for k in range(1, needed)):
                return True
    return any(any(c.isalpha() for c in m.group(1)) for m in _UNIT_LOOP.finditer(text))


def output_problem(source: str, target: str, source_tokens: int, target_tokens: int) -> str | None:
    """What is wrong with a sentence's translation, or None."""
    if not target.strip():
        return "empty output"
    if repetition(target) and not repetition(source):
        return "repetition loop"
    if source_tokens >= MIN_TOKENS_FOR_RATIO:
        ratio = target_tokens / source_tokens
        if not MIN_RATIO <= ratio <= MAX_RATIO:
            return f"length ratio {ratio:.2f}"
    source_words = _WORD.findall(source.lower())
    if len(source_words) >= 4 and source_words == _WORD.findall(target.lower()):
        return "source copied"
    return None
