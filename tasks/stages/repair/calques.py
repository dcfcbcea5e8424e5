"""Entity calques: names of agencies, organisations, ministries and courts translated word by word,
replaced by their established English names (table in data/entities.tsv)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.stages.repair.datafiles import load_toml, load_tsv
from tasks.stages.repair.edits import Context, Edit
from tasks.stages.repair.institutions import evidence
from tasks.stages.repair.variants import FUNCTION, expand, from_source

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# What may separate the words of one name: spaces, a hyphen, a comma in a list of fields.
_GAP = re.compile(r"['’]?[ \u00a0]+|[ \u00a0]*[-‐–][ \u00a0]*|,[ \u00a0]+")
_ARTICLE_BEFORE = re.compile(r"(?:^|(?<=[\s(\"“‘]))([Tt]he)[ \u00a0]+$")
_ACRONYM_AFTER = re.compile(
    r"[ \u00a0]*\([ \u00a0]*([^\W\d_][\w.-]{0,11})[ \u00a0]*\)|[ \u00a0]+([A-Z][\w-]{1,7})\b"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?][\"”’)]*\s+|\n\s*)$")
# A calque followed by `of X` / `for X` is the start of a longer name the table does not know.
_NAME_GOES_ON = re.compile(r"[ \u00a0]+(?:of|for|on)[ \u00a0]+(?:the[ \u00a0]+)?[A-Z]")


@dataclass(frozen=True)
class Entity:
    """One row of the table: an institution and how it must be written in English."""

    id: str
    type: str
    langs: frozenset[str]
    evidence: str  # `any`: repaired whatever the source; `source`: only from one of `langs`
    article: bool  # the English name takes `the`
    english: str
    acronyms: frozenset[str]
    natives: tuple[str, ...] = ()  # as the source-language original writes it (evidence)


@dataclass(frozen=True)
class Variant:
    """A calqued form of an entity's name, as normalised words."""

    words: tuple[str, ...]
    entity: Entity
    needs_source: bool


class _Normaliser:
    def __init__(self) -> None:
        data = load_toml("glossary.toml")
        self.spelling: dict[str, str] = data["spelling"]
        self.joined_prefixes = frozenset(data["joined_prefixes"])

    def tokens(self, text: str) -> list[tuple[int, int, str]]:
        """Words of `text` as (start, end, normal form); `the` is kept here and skipped by the matcher."""
        out: list[tuple[int, int, str]] = []
        for match in _TOKEN.finditer(text):
            word = match.group().lower().replace("’", "'")
            word = self.spelling.get(word, word)
            if out and out[-1][2] in self.joined_prefixes and text[out[-1][1] : match.start()] == "-":
                # `co-operation` and `cooperation`, `anti-doping` and `antidoping` are one word
                prefix = out.pop()
                word = self.spelling.get(prefix[2] + word, prefix[2] + word)
                out.append((prefix[0], match.end(), word))
                continue
            out.append((match.start(), match.end(), word))
        return out

    def words(self, name: str) -> tuple[str, ...]:
        """The normal form of a name, without `the`."""
        return tuple(t[2] for t in self.tokens(name) if t[2] != "the")


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip() and part.strip() != "-"]


@cache
def _index() -> tuple[dict[str, list[Variant]], _Normaliser]:
    """Variants by their first word, longest first, without any established English name among them."""
    glossary = load_toml("glossary.toml")
    norm = _Normaliser()
    rows = load_tsv("entities.tsv")
    protected: set[tuple[str, ...]] = set()
    # One calque may stand for several institutions (`State Assembly`: Estonia's, Slovenia's): all are kept
    # and the evidence chooses.
    found: dict[tuple[str, ...], dict[str, Variant]] = {}
    for row in rows:
        entity = Entity(
            id=row["id"],
            type=row["type"],
            langs=frozenset(_split(row["langs"].replace(",", ";"))),
            evidence=row["evidence"],
            article=row["the"] == "the",
            english=row["english"],
            acronyms=frozenset(a.lower() for a in _split(row["acronyms"])),
            natives=tuple(s.partition(":")[2].strip() for s in _split(row["sources"]) if ":" in s)
            + tuple(_split(row.get("natives"))),
        )
        protected.add(norm.words(entity.english))
        protected.update(norm.words(name) for name in _split(row["accepted"]))
        forms: list[tuple[str, bool]] = []
        for source in _split(row["sources"]):
            lang, _, name = source.partition(":")
            forms += [(form, False) for form in from_source(lang.strip(), name.strip(), glossary)]
        for pattern in _split(row["calques"]):
            needs = pattern.startswith("?")
            forms += [(form, needs) for form in expand(pattern.lstrip("?"))]
        for form, needs in forms:
            words = norm.words(form)
            if len(words) >= 2 and entity.id not in found.setdefault(words, {}):
                found[words][entity.id] = Variant(words, entity, needs or entity.evidence == "source")
    index: dict[str, list[Variant]] = {}
    for words, by_entity in found.items():
        if not any(_contains(name, words) for name in protected):
            index.setdefault(words[0], []).extend(by_entity.values())
    for variants in index.values():
        variants.sort(key=lambda v: len(v.words), reverse=True)
    return index, norm


def _contains(name: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether `words` occur in `name` (so replacing them would damage an established name)."""
    n = len(words)
    return any(name[i : i + n] == words for i in range(len(name) - n + 1))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _match(text: str, tokens: list[tuple[int, int, str]], i: int, variant: Variant) -> int | None:
    """Index after the last token of `variant` matched from token i, skipping `the`, or None."""
    k = i
    for n, word in enumerate(variant.words):
        if n:
            while (
                k < len(tokens)
                and tokens[k][2] == "the"
                and _GAP.fullmatch(text, tokens[k - 1][1], tokens[k][0])
            ):
                k += 1
            if k >= len(tokens) or not _GAP.fullmatch(text, tokens[k - 1][1], tokens[k][0]):
                return None
        if k >= len(tokens) or tokens[k][2] != word:
            return None
        k += 1
    return k


def _choose(
    text: str, tokens: list[tuple[int, int, str]], i: int, variants: list[Variant], ctx: Context
) -> tuple[Variant, int, str] | None:
    """The longest calque matched from token i, with the institution its evidence names: the original's
    own name first, then the source language; several institutions left equally likely are none."""
    matches: list[tuple[Variant, int, str]] = []
    for variant in variants:
        if matches and len(variant.words) < len(matches[0][0].words):
            break
        why = evidence(variant.entity.natives, ctx.original)
        if variant.needs_source and ctx.source_lang not in variant.entity.langs and not why:
            continue
        after = _match(text, tokens, i, variant)
        if after is None:
            continue
        # A name is capitalised throughout: `the Russian news agency TASS` is a description.
        named = all(_capitalised(text[t[0]]) for t in tokens[i:after] if t[2] not in FUNCTION)
        if named and not _NAME_GOES_ON.match(text, tokens[after - 1][1]):
            matches.append((variant, after, why))
    confirmed = [m for m in matches if m[2]]
    by_source = [m for m in matches if ctx.source_lang in m[0].entity.langs]
    chosen = confirmed or by_source or matches
    return chosen[0] if len({m[0].entity.id for m in chosen}) == 1 else None


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits replacing calqued institution names by their English names (with their acronym once)."""
    index, norm = _index()
    tokens = norm.tokens(text)
    edits: list[Edit] = []
    i = 0
    while i < len(tokens):
        variants = index.get(tokens[i][2])
        hit = (
            _choose(text, tokens, i, variants, ctx) if variants and _capitalised(text[tokens[i][0]]) else None
        )
        if hit is None:
            i += 1
            continue
        variant, after, why = hit
        entity = variant.entity
        start, end = tokens[i][0], tokens[after - 1][1]
        article = _ARTICLE_BEFORE.search(text, max(0, start - 8), start)
        if article and not entity.article:
            start = article.start(1)  # `told the France Media Agency` -> `told Agence France-Presse`
        acronym = _ACRONYM_AFTER.match(text, end)
        if acronym and (acronym.group(1) or acronym.group(2) or "").lower() in entity.acronyms:
            end = acronym.end()
        english = entity.english
        if _SENTENCE_START.search(text, max(0, start - 6), start) and english[:1].islower():
            english = english[0].upper() + english[1:]  # `State broadcaster TRT said`
        reason = f"{why}, confirming {text[tokens[i][0] : tokens[after - 1][1]]!r}" if why else ""
        edits.append(Edit(start, end, english, "entity_calque", f"{entity.type}:{entity.id}", reason))
        i = after
    return edits
