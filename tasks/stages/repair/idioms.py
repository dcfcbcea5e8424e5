"""Idioms and false friends carried over from the source language (`Sunday's shooting was not claimed`,
`the nebula of groups`, `the actual president`), repaired only in contexts that make the reading certain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Context, Edit

_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")
_DETERMINERS = frozenset(
    {"The", "This", "That", "These", "Those", "A", "An", "Its", "Their", "His", "Her", "Our"}
)
_SENTENCE_END = re.compile(r"(?:^|[.!?][\"”’)]*\s+|\n\s*)$")


@dataclass(frozen=True)
class Idiom:
    """One entry of data/idioms.toml."""

    id: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    replace: str
    langs: frozenset[str]
    map: dict[str, str]

    def render(self, match: re.Match[str]) -> str:
        """The replacement for one match."""

        def field(m: re.Match[str]) -> str:
            value = match.group(m.group(1)) or ""
            if m.group(2) == "decap" and value.split(" ", 1)[0] in _DETERMINERS:
                return value[0].lower() + value[1:]
            if m.group(2) == "map":
                return self.map.get(value.lower(), value)
            return value

        return _FIELD.sub(field, self.replace)


@cache
def _idioms() -> tuple[Idiom, ...]:
    return tuple(
        Idiom(
            id=entry["id"],
            keywords=tuple(entry["keywords"]),
            pattern=re.compile(entry["pattern"]),
            replace=entry["replace"],
            langs=frozenset(entry["langs"]),
            map=entry.get("map", {}),
        )
        for entry in load_toml("idioms.toml")["idiom"]
    )


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits replacing calqued idioms and false friends by what the source meant."""
    edits = []
    lower = text.lower()
    for idiom in _idioms():
        if (idiom.langs and ctx.source_lang not in idiom.langs) or not any(
            k in lower for k in idiom.keywords
        ):
            continue
        for match in idiom.pattern.finditer(text):
            after = idiom.render(match)
            at_start = _SENTENCE_END.search(text, max(0, match.start() - 4), match.start()) is not None
            if after and at_start and match.group()[:1].isupper():
                after = after[0].upper() + after[1:]
            edits.append(Edit(match.start(), match.end(), after, "idiom", f"idiom:{idiom.id}"))
    return edits
