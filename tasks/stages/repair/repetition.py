"""Repetition loops of neural MT: repeated words (`of of of`), phrases and sentences, collapsed to one."""

from __future__ import annotations

import itertools
import re
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Context, Edit

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_LINE = re.compile(r"[^\n]+")
_SENTENCE = re.compile(r"[^\s.!?][^.!?]*(?:[.!?]+[\"”’)]*|$)")
# Copies of a phrase may be joined by a comma or a semicolon; three or more copies also by `and`.
_PHRASE_GAP = re.compile(r"[,;]?\s+")
_AND_LOOP = re.compile(r"\b(\w+(?:\s+\w+){1,5})(?:\s+and\s+\1\b){2,}", re.IGNORECASE)


class _Lists:
    def __init__(self) -> None:
        data = load_toml("repetition.toml")
        self.never_double = set(data["never_double"])
        self.speech = set(data["speech"])
        self.max_phrase = int(data["max_phrase_words"])
        self.min_double_phrase = int(data["min_double_phrase_words"])
        self.min_sentence = int(data["min_sentence_words"])


@cache
def _lists() -> _Lists:
    return _Lists()


def _may_loop(words: list[str], window: int) -> bool:
    """A cheap test: a word doubled, or a pair of words back within `window` words (every loop has one)."""
    if any(a == b for a, b in itertools.pairwise(words)):
        return True
    seen: dict[tuple[str, str], int] = {}
    for i, pair in enumerate(itertools.pairwise(words)):
        if i - seen.get(pair, -window - 1) <= window:
            return True
        seen[pair] = i
    return False


def _loop_edits(text: str, start: int, end: int, lists: _Lists) -> list[Edit]:
    """Back-to-back copies of a word or phrase within text[start:end]."""
    joined = text.count(" and ", start, end) >= 2  # `the fighting and the fighting and the fighting`
    if not joined and not _may_loop(_WORD.findall(text[start:end].lower()), lists.max_phrase):
        return []
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text, start, end)]
    words = [t[2] for t in tokens]
    edits = [
        Edit(m.start(), m.end(), m.group(1), "repetition", "repeated-phrase")
        for m in (_AND_LOOP.finditer(text, start, end) if joined else ())
    ]
    taken = [(e.start, e.end) for e in edits]
    last_seen: dict[str, list[int]] = {}
    candidates = []
    for j, word in enumerate(words):
        seen = last_seen.setdefault(word, [])
        candidates += [(p, j - p) for p in seen if j - p <= lists.max_phrase]
        seen.append(j)
    done = -1
    for i, size in sorted(candidates):
        if i <= done or words[i : i + size] != words[i + size : i + 2 * size]:
            continue
        if any(a <= tokens[i][0] < b for a, b in taken):
            continue
        copy = text[tokens[i][0] : tokens[i + size - 1][1]]
        copies, k = 1, i + size
        while k + size <= len(words) and words[k : k + size] == words[i : i + size]:
            gap = text[tokens[k - 1][1] : tokens[k][0]]
            body = text[tokens[k][0] : tokens[k + size - 1][1]]
            if body.lower() != copy.lower() or not (
                gap.isspace() or (size > 1 and _PHRASE_GAP.fullmatch(gap))
            ):
                break
            copies, k = copies + 1, k + size
        if size == 1:
            word = words[i]
            ok = (copies >= 3 and word not in lists.speech and not word.isdigit()) or (
                copies == 2 and word in lists.never_double
            )
        else:
            ok = copies >= 3 or (copies == 2 and size >= lists.min_double_phrase)
            ok = ok and not all(w in lists.speech for w in words[i : i + size])
        if ok:
            rule = "repeated-word" if size == 1 else "repeated-phrase"
            edits.append(Edit(tokens[i][0], tokens[k - 1][1], copy, "repetition", rule))
            done = k - 1
    return edits


def _unit_edits(text: str, units: list[tuple[int, int]], rule: str, lists: _Lists) -> list[Edit]:
    """Consecutive identical units (sentences or lines) of enough words, kept once."""
    edits = []
    i = 0
    while i < len(units):
        key = " ".join(_WORD.findall(text[units[i][0] : units[i][1]].lower()))
        k = i + 1
        while (
            k < len(units) and key and " ".join(_WORD.findall(text[units[k][0] : units[k][1]].lower())) == key
        ):
            k += 1
        if k - i > 1 and len(key.split()) >= lists.min_sentence:
            edits.append(
                Edit(units[i][0], units[k - 1][1], text[units[i][0] : units[i][1]], "repetition", rule)
            )
        i = k
    return edits


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits collapsing repetition loops; emphasis that good English allows (`had had`, `no, no, no`) stays."""
    lists = _lists()
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
    edits = _unit_edits(text, lines, "repeated-paragraph", lists)
    if edits:
        return edits
    for start, end in lines:
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text, start, end)]
        found = _unit_edits(text, sentences, "repeated-sentence", lists)
        edits += found or _loop_edits(text, start, end, lists)
    return edits
