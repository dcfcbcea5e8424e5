"""Calqued variants of an institution's name, generated from its source-language name by rules:
word-by-word glosses (data/glossary.toml), adjectives moved before their noun as a translation would,
the head noun moved last, and `{a|b}` / `[optional]` patterns written by hand."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

# Languages whose adjectives and noun modifiers follow the noun (`Organisation internationale`).
HEAD_INITIAL = frozenset({"fr", "es", "it", "pt", "ar", "ca", "ro"})
FUNCTION = frozenset(
    {"of", "the", "for", "and", "on", "in", "to", "at", "with", "without", "by", "from", "a", "an"}
)
_SOURCE_TOKEN = re.compile(r"[^\W\d_]+['’]|[^\W_]+")
_LATIN = re.compile(r"^[\w'’.-]+$", re.ASCII)
_MAX_COMBINATIONS = 4000


def expand(pattern: str) -> list[str]:
    """Every string a hand pattern stands for: `{a|b}` is a choice (`{a|}` makes a optional), `[x]` optional."""
    pattern = re.sub(r"\[([^\[\]]*)\]", r"{\1|}", pattern)
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [" ".join(pattern.split())]
    out: list[str] = []
    for option in match.group(1).split("|"):
        out += expand(pattern[: match.start()] + option + pattern[match.end() :])
    return out


def _units(gloss: str) -> list[tuple[str, ...]]:
    """A gloss cut into units: each function word alone, other words together (`of the Press Agency`
    -> of | the | Press Agency); a leading `~` marks the whole gloss as an adjective."""
    adjective = gloss.startswith("~")
    units: list[tuple[str, ...]] = []
    current: list[str] = []
    for word in gloss.lstrip("~").split():
        if word.lower() in FUNCTION:
            if current:
                units.append(tuple(current))
                current = []
            units.append((word,))
        else:
            current.append("~" + word if adjective else word)
    if current:
        units.append(tuple(current))
    return units


def _is_adjective(unit: tuple[str, ...]) -> bool:
    return unit[0].startswith("~")


def _is_function(unit: tuple[str, ...]) -> bool:
    return unit[0].lower() in FUNCTION


def _front_adjectives(units: list[tuple[str, ...]], reverse: bool) -> list[tuple[str, ...]]:
    """Adjectives that follow a noun move before it, as English puts them (`Organisation internationale`)."""
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(units):
        if not _is_adjective(units[i]) or not out or _is_function(out[-1]) or _is_adjective(out[-1]):
            out.append(units[i])
            i += 1
            continue
        run = []
        while i < len(units) and _is_adjective(units[i]):
            run.append(units[i])
            i += 1
        out[len(out) - 1 : len(out) - 1] = run[::-1] if reverse else run
    return out


def _rotations(units: list[tuple[str, ...]]) -> list[list[tuple[str, ...]]]:
    """A head noun followed only by its modifiers moves last (`Agence France-Presse` -> `France Presse Agence`)."""
    if len(units) > 1 and not any(_is_function(u) for u in units) and not _is_adjective(units[0]):
        return [units[1:] + units[:1]]
    return []


def _lookup(tokens: list[str], i: int, words: dict[str, list[str]]) -> tuple[int, list[str] | None]:
    """Glosses of the longest run of up to three source tokens from i (`chemins de fer` is one entry)."""
    for size in (3, 2, 1):
        key = " ".join(tokens[i : i + size])
        if i + size <= len(tokens) and key in words:
            return size, words[key]
    return 1, None


def from_source(lang: str, name: str, glossary: dict[str, dict[str, list[str]]]) -> Iterator[str]:
    """English calques of `name` (a name in `lang`), word by word through the glossary."""
    words = glossary.get(lang, {})
    raw = _SOURCE_TOKEN.findall(name)
    tokens = [t.lower().replace("’", "'").replace("\u0307", "") for t in raw]
    options: list[list[list[tuple[str, ...]]]] = []
    i = 0
    while i < len(tokens):
        size, glosses = _lookup(tokens, i, words)
        if glosses is None:
            if not _LATIN.match(raw[i]):
                return  # a word in another script the glossary lacks: no usable calque
            glosses = [raw[i]]
        options.append([_units(g) for g in glosses])
        i += size
    for count, combination in enumerate(itertools.product(*options)):
        if count >= _MAX_COMBINATIONS:
            return
        units = [u for gloss in combination for u in gloss]
        orders = [units]
        if lang in HEAD_INITIAL:
            orders += [_front_adjectives(units, False), _front_adjectives(units, True)]
            orders += [r for order in orders for r in _rotations(order)]
        for order in orders:
            yield " ".join(w.lstrip("~") for unit in order for w in unit)
