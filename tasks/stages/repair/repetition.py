"""Repetition loops of neural MT: repeated words (`of of of`), phrases and sentences, collapsed to one.

Text written in English keeps its deliberate repetition (`really really really`, a refrain): there only
doubled function words and runs longer than people write collapse, and never inside quotation marks."""

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
_PHRASE_GAP = re.compile(r"(?:[ \u00a0]*(?:[,;…/]|[-–—]|\.{3}))?\s+")
_AND_LOOP = re.compile(r"\b(\w+(?:\s+\w+){1,5})(?:\s+and\s+\1\b){2,}", re.IGNORECASE)
# What may separate the copies of one word in a loop of translated text (`repelled, repelled, repelled`).
# A hyphen between copies needs spaces: `Baden-Baden`, `tick-tock-tick` are words.
_WORD_GAP = re.compile(r"\s+|[ \u00a0]*(?:[,;…/—]|\.{3})[ \u00a0]*|[ \u00a0]+[-–][ \u00a0]+")
# Quoted passages: what someone said is kept as said, repetition and all.
_QUOTED = re.compile(
    r'"[^"\n]{1,600}"|“[^”\n]{1,600}”|«[^»\n]{1,600}»|„[^“”\n]{1,600}[“”]|‘[^’\n]{1,600}’(?!\w)'
)


class _Lists:
    def __init__(self) -> None:
        data = load_toml("repetition.toml")
        self.never_double = set(data["never_double"])
        self.speech = set(data["speech"])
        self.max_phrase = int(data["max_phrase_words"])
        self.min_double_phrase = int(data["min_double_phrase_words"])
        self.min_sentence = int(data["min_sentence_words"])
        self.english_min_word_copies = int(data["english_min_word_copies"])
        self.english_min_phrase_copies = int(data["english_min_phrase_copies"])
        self.min_separated_copies = int(data["min_separated_word_copies"])


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


def _quoted(text: str) -> list[tuple[int, int]]:
    """Spans of quoted speech in `text`."""
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)] if any(q in text for q in '"“«„‘') else []


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in spans)


def _word_loop(word: str, copies: int, separated: bool, english: bool, foreign: bool, lists: _Lists) -> bool:
    """Whether `copies` back-to-back copies of one word are a loop (not emphasis, speech or a name)."""
    if word in lists.never_double and not separated:
        return copies >= 2  # `of of` is never written on purpose
    if word in lists.speech or word.isdigit():
        return False
    if english:
        return copies >= lists.english_min_word_copies
    if separated:  # `Education, education, education` is a slogan; a translation loop runs on
        return copies >= lists.min_separated_copies + (0 if foreign else 1)
    return copies >= 3


def _phrase_loop(words: list[str], copies: int, english: bool, lists: _Lists) -> bool:
    """Whether `copies` back-to-back copies of a phrase are a loop."""
    if all(w in lists.speech for w in words):
        return False
    if english:
        return copies >= lists.english_min_phrase_copies
    return copies >= 3 or (copies == 2 and len(words) >= lists.min_double_phrase)


def _loop_edits(text: str, start: int, end: int, lists: _Lists, ctx: Context) -> list[Edit]:
    """Back-to-back copies of a word or phrase within text[start:end]."""
    english = ctx.source_lang == "en"
    joined = text.count(" and ", start, end) >= 2  # `the fighting and the fighting and the fighting`
    if not joined and not _may_loop(_WORD.findall(text[start:end].lower()), lists.max_phrase):
        return []
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text, start, end)]
    words = [t[2] for t in tokens]
    edits = [
        Edit(m.start(), m.end(), m.group(1), "repetition", "repeated-phrase")
        for m in (_AND_LOOP.finditer(text, start, end) if joined else ())
    ]
    quoted = _quoted(text)
    edits = [e for e in edits if not english and not _inside(quoted, e.start, e.end)]
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
        copies, k, separated = 1, i + size, False
        while k + size <= len(words) and words[k : k + size] == words[i : i + size]:
            gap = text[tokens[k - 1][1] : tokens[k][0]]
            body = text[tokens[k][0] : tokens[k + size - 1][1]]
            if body.lower() != copy.lower() or not (
                gap.isspace()
                or (size > 1 and _PHRASE_GAP.fullmatch(gap))
                or (size == 1 and _WORD_GAP.fullmatch(gap))
            ):
                break
            separated = separated or not gap.isspace()
            copies, k = copies + 1, k + size
        if size == 1:
            ok = _word_loop(words[i], copies, separated, english, ctx.foreign, lists)
        else:
            ok = _phrase_loop(words[i : i + size], copies, english, lists)
        if ok and (words[i] not in lists.never_double or size > 1 or separated):
            ok = not _inside(quoted, tokens[i][0], tokens[k - 1][1])
        if ok:
            rule = "repeated-word" if size == 1 else "repeated-phrase"
            edits.append(Edit(tokens[i][0], tokens[k - 1][1], copy, "repetition", rule))
            done = k - 1
    return edits


def _unit_edits(
    text: str, units: list[tuple[int, int]], rule: str, lists: _Lists, english: bool
) -> list[Edit]:
    """Consecutive identical units (sentences or lines) of enough words, kept once; quoted units (a line
    said twice) stay, and text written in English needs more copies than a translation."""
    edits = []
    quoted = _quoted(text)
    least = lists.english_min_phrase_copies if english else 2
    i = 0
    while i < len(units):
        key = " ".join(_WORD.findall(text[units[i][0] : units[i][1]].lower()))
        k = i + 1
        while (
            k < len(units) and key and " ".join(_WORD.findall(text[units[k][0] : units[k][1]].lower())) == key
        ):
            k += 1
        quote = any(q in text[units[i][0] : units[i][1]] for q in '"“”«»„') or _inside(
            quoted, units[i][0], units[k - 1][1]
        )
        if k - i >= least and len(key.split()) >= lists.min_sentence and not quote:
            edits.append(
                Edit(units[i][0], units[k - 1][1], text[units[i][0] : units[i][1]], "repetition", rule)
            )
        i = k
    return edits


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits collapsing repetition loops; emphasis that good English allows (`had had`, `no, no, no`) stays."""
    lists = _lists()
    english = ctx.source_lang == "en"  # written in English: only what no writer means collapses
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
    edits = _unit_edits(text, lines, "repeated-paragraph", lists, english)
    if edits:
        return edits
    for start, end in lines:
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text, start, end)]
        found = _unit_edits(text, sentences, "repeated-sentence", lists, english)
        edits += found or _loop_edits(text, start, end, lists, ctx)
    return edits
