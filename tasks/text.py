"""Text units shared by the stages: paragraphs, sentences, and pieces that fit a model's window."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|\s+(?=[–—]\s)")


# Sentences of recent texts, by language: stages split the same body more than once (detect, translate,
# summarise), and splitting is the costly part.
SPLIT_CACHE = 4096


def split_sentences(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans `(start, end)` of a text, by the language's rules (sentencex; English rules otherwise).

    Spans are in order, stripped of surrounding whitespace, and together cover every non-space character.
    """
    return list(_split(text, lang))


@functools.lru_cache(maxsize=SPLIT_CACHE)
def _split(text: str, lang: str) -> tuple[tuple[int, int], ...]:
    import sentencex

    spans: list[tuple[int, int]] = []
    for found in sentencex.get_sentence_boundaries(lang, text):
        piece = text[found["start_index"] : found["end_index"]]
        stripped = piece.strip()
        if not stripped:
            continue
        start = found["start_index"] + len(piece) - len(piece.lstrip())
        end = start + len(stripped)
        if spans and _ends_with_initial(text[spans[-1][0] : spans[-1][1]]):
            spans[-1] = (spans[-1][0], end)  # "M. Dupont", "J. Smith": an initial, not a sentence end
        else:
            spans.append((start, end))
    return tuple(_cover(text, spans))


def _ends_with_initial(sentence: str) -> bool:
    """Whether a sentence ends in a single capital letter and a full stop (an initial or a title)."""
    last = sentence.rsplit(None, 1)[-1]
    return len(last) == 2 and last[0].isupper() and last[1] == "."


def _cover(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans plus any non-space text between them as spans of its own: no character is dropped."""
    out: list[tuple[int, int]] = []
    cursor = 0
    for start, end in [*spans, (len(text), len(text))]:
        gap = text[cursor:start]
        if gap.strip():
            lead = len(gap) - len(gap.lstrip())
            out.append((cursor + lead, cursor + len(gap.rstrip())))
        if end > start:
            out.append((start, end))
        cursor = max(cursor, end)
    return out


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs (separated by blank lines) of a body."""
    return [
        (m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text) if m.group().strip()
    ]


def fit_to_window(sentence: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Pieces of a sentence that each fit the model window: split at clauses, then words; never cut."""
    if count_tokens(sentence) <= limit:
        return [sentence]
    clauses = _CLAUSE_BREAK.split(sentence)
    if len(clauses) == 1:
        words = sentence.split()
        if len(words) == 1:
            return [sentence]  # a single unbreakable token run; the model sees it whole
        half = len(words) // 2
        return fit_to_window(" ".join(words[:half]), count_tokens, limit) + fit_to_window(
            " ".join(words[half:]), count_tokens, limit
        )
    pieces: list[str] = []
    current = ""
    for clause in clauses:
        candidate = f"{current} {clause}".strip()
        if current and count_tokens(candidate) > limit:
            pieces.extend(fit_to_window(current, count_tokens, limit))
            current = clause
        else:
            current = candidate
    pieces.extend(fit_to_window(current, count_tokens, limit))
    return pieces


def sentences_of(text: str, lang: str = "en") -> list[str]:
    """The sentences of a text, paragraph by paragraph."""
    out: list[str] = []
    for start, end in paragraph_spans(text):
        paragraph = text[start:end]
        out.extend(paragraph[s:e] for s, e in split_sentences(paragraph, lang))
    return out
