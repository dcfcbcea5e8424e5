"""False friends of French, Spanish, Italian, Portuguese and German (`actually` for *actuellement*),
flagged with the likely intended word and never rewritten, only when the source language is known."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Context, Document

_NAMES = {
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "de": "German",
    "ro": "Romanian",
}


@dataclass(frozen=True)
class FalseFriend:
    """One entry of data/false_friends.toml."""

    id: str
    langs: frozenset[str]
    pattern: re.Pattern[str]
    word: str
    intended: str


@cache
def _entries() -> tuple[FalseFriend, ...]:
    return tuple(
        FalseFriend(
            id=e["id"],
            langs=frozenset(e["langs"]),
            pattern=re.compile(e["pattern"]),
            word=e["word"],
            intended=e["intended"],
        )
        for e in load_toml("false_friends.toml")["false_friend"]
    )


def flag(doc: Document, ctx: Context) -> None:
    """Flag each likely false friend in `doc` (in text translated from a language that has it)."""
    if not ctx.source_lang:
        return
    lower = doc.text.lower()
    for entry in _entries():
        if ctx.source_lang not in entry.langs or entry.word[:5] not in lower:
            continue
        for match in entry.pattern.finditer(doc.text):
            a, b = doc.origin(match.start(), match.end())
            if any(p < b and a < q for p, q in doc.protected):
                continue
            doc.flag(
                "false_friend",
                f"false-friend:{entry.id}",
                match.start(),
                match.end(),
                f"{entry.word!r} in text translated from {_NAMES.get(ctx.source_lang, ctx.source_lang)}"
                f" probably means {entry.intended!r}",
            )
