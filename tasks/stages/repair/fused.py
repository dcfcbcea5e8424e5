"""Fused tokens: an article, preposition or conjunction glued to the next word (`theFrance`, `atthe`)."""

from __future__ import annotations

import re
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Context, Edit
from tasks.stages.repair.lexicon import english

# Tokens inside URLs, e-mail addresses, handles, hashtags and paths are never candidates.
_EDGE_BEFORE = r"(?<![\w@#/.&'’+\-])"
_EDGE_AFTER = r"(?![\w@]|[./:\-]\w)"
_CAMEL = re.compile(_EDGE_BEFORE + r"([A-Za-z][a-z]{0,11})([^\W\d_a-z][^\W\d_]*)" + _EDGE_AFTER)
_LOWER = re.compile(_EDGE_BEFORE + r"[a-z]{4,}" + _EDGE_AFTER)


class _Words:
    """The word lists of data/fused.toml, as sets."""

    def __init__(self) -> None:
        data = load_toml("fused.toml")
        self.kind = {w: "article" for w in data["articles"]}
        self.kind.update({w: "conjunction" for w in data["conjunctions"]})
        self.kind.update({w: "preposition" for w in data["prepositions"]})
        self.kind.update({w: "determiner" for w in data["determiners"]})
        self.by_length = sorted(self.kind, key=len, reverse=True)
        self.closing = set(data["closing"])
        self.closing_indefinite = set(data["closing_indefinite"])
        self.indefinite_after = set(data["indefinite_after"])
        self.content_prefixes = set(data["content_prefixes"])
        self.content_min_zipf = float(data["content_min_zipf"])
        self.content_min_length = int(data["content_min_length"])
        self.keep = {w.lower() for w in data["keep"]}
        self.camel_max_zipf = float(data["camel_max_zipf"])
        # Every two-word fusion of the closed class, looked up directly (most tokens are real words).
        self.closed_pairs: dict[str, list[str]] = {}
        for first in self.kind:
            for last in self.closing | self.closing_indefinite:
                parts = [first, last]
                if _closes(parts, self):
                    self.closed_pairs.setdefault(first + last, parts)


@cache
def _words() -> _Words:
    return _Words()


def function_words(token: str, words: _Words) -> list[str] | None:
    """`token` as a sequence of function words (`andthe` -> [and, the]), or None."""
    if not token:
        return []
    for word in words.by_length:
        if token.startswith(word):
            rest = function_words(token[len(word) :], words)
            if rest is not None:
                return [word, *rest]
    return None


def _closes(parts: list[str], words: _Words) -> bool:
    """Whether a run of function words ends the way glued ones do (`atthe`, `ofa`; not `ina`, `nora`)."""
    last, before = parts[-1], parts[-2]
    return last in words.closing or (last in words.closing_indefinite and before in words.indefinite_after)


def _closed_split(token: str, words: _Words) -> list[str] | None:
    """A lower-case token of two or more function words ending with an article or determiner."""
    parts = function_words(token, words)
    return parts if parts and len(parts) >= 2 and _closes(parts, words) else None


def _content_split(token: str, words: _Words, lexicon: dict[str, float]) -> list[str] | None:
    """An unknown lower-case token: function word(s) then one common English word (`ofmoscow`)."""
    for prefix in words.content_prefixes:
        rest = token[len(prefix) :]
        if not token.startswith(prefix) or len(rest) < words.content_min_length:
            continue
        if lexicon.get(rest, 0.0) >= words.content_min_zipf:
            return [prefix, rest]
        inner = _closed_split(rest, words) or _content_split(rest, words, lexicon)
        if inner:
            return [prefix, *inner]
    return None


def _split_lower(token: str, words: _Words, lexicon: dict[str, float]) -> list[str] | None:
    if token in words.keep:
        return None
    pair = words.closed_pairs.get(token)
    if pair:  # none is a word (`atthe` is in the web word list, but as a typo)
        return pair
    if token in lexicon:
        return None
    closed = _closed_split(token, words)
    if closed:
        return closed
    split = _content_split(token, words, lexicon)
    if split:
        return split
    # Any function word may open a longer fusion whose rest splits on its own (`inthemiddle`).
    for word in words.by_length:
        rest = token[len(word) :]
        if token.startswith(word):
            inner = _closed_split(rest, words) or _content_split(rest, words, lexicon)
            if inner:
                return [word, *inner]
    return None


def _split_camel(head: str, tail: str, words: _Words, lexicon: dict[str, float]) -> list[str] | None:
    """`theFrance`, `andtheUN`: lower-case function words, then a Capitalised word or an acronym."""
    if len(tail) < 2 or (head + tail).lower() in words.keep:
        return None
    acronym = tail.isupper() and len(tail) <= 6
    if head[0].isupper() and (acronym or len(head) < 2):
        return None  # `AFP`, `Ofcom`-like `OfCOM`: capitals all through are a name, not a fusion
    if not acronym and not (tail[0].isupper() and tail[1:].islower()):
        return None  # inner capitals further on: a brand or an identifier (`toLowerCase`)
    parts = function_words(head.lower(), words)
    if not parts:
        return None
    if head[0].isupper():  # `TheFrance` opening a sentence: keep its capital
        if words.kind[parts[0]] == "determiner":
            return None  # `ItsDangerous`, `HisWay`: brand names are made like this
        parts[0] = parts[0].capitalize()
    if not acronym and lexicon.get((head + tail).lower(), 0.0) >= words.camel_max_zipf:
        return None
    return [*parts, tail]


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits splitting glued tokens; real words and names with inner capitals stay as they are."""
    words, lexicon = _words(), english()
    edits = []
    for match in _CAMEL.finditer(text):
        parts = _split_camel(match.group(1), match.group(2), words, lexicon)
        if parts:
            rule = f"fused-{words.kind[parts[0].lower()]}"
            edits.append(Edit(match.start(), match.end(), " ".join(parts), "fused_token", rule))
    for match in _LOWER.finditer(text):
        parts = _split_lower(match.group(), words, lexicon)
        if parts:
            rule = f"fused-{words.kind[parts[0]]}"
            edits.append(Edit(match.start(), match.end(), " ".join(parts), "fused_token", rule))
    return edits
