"""Institutions by structure: the shapes machine translation gives a known institution's name
(`the France-Presse agency`, `agency of New China`, `Anatolia's news agency`), recognised from data about
each institution (its distinctive core in native, exonym and calqued forms, its English short names,
country forms) in data/entities.tsv and data/countries.toml, rather than from a list of calques.

Also the guard every rule obeys: an accepted English form (`German Press Agency`, `AFP news agency`)
is marked before any rule that could rewrite it runs, and survives them all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.stages.repair.datafiles import load_toml, load_tsv
from tasks.stages.repair.edits import Context, Document, Edit
from tasks.stages.repair.variants import expand

_SPACE = r"[ \u00a0]+"
# Words an English writer puts before an institution's name; with them the text keeps its `the`.
_MODIFIERS = (
    r"(?:(?:state|state-run|state-owned|state-controlled|government-run|official|semi-official|public|"
    r"private|national|independent|pro-government|[A-Z][a-z]+n|[A-Z][a-z]+ish|[A-Z][a-z]+ese|"
    r"[A-Z][a-z]+-based)" + _SPACE + ")*"
)
# The generic words a kind of institution is named with, as English writes them (lower or title case).
_HEADS = {
    "agency": r"(?:(?:[Nn]ews|NEWS|[Pp]ress|PRESS|[Ii]nformation|[Tt]elegraph(?:ic)?|[Tt]elegram)"
    + _SPACE
    + r")?"
    r"(?:[Aa]gency|AGENCY)",
    "media": r"(?:(?:[Pp]ublic|[Ss]tate)" + _SPACE + r")?(?:[Bb]roadcaster|[Tt]elevision|TV|[Cc]hannel|"
    r"[Nn]etwork|[Rr]adio)",
}
# A cheap test before the pattern: every head word contains one of these.
_HEAD_HINTS = ("gency", "GENCY", "roadcast", "elevision", "TV", "hannel", "etwork", "adio")
_ARTICLE = r"(?P<the>\b[Tt]he" + _SPACE + r")?"
_LOWER = frozenset({"of", "the", "and", "for", "s"})
_ACRONYM_AFTER = re.compile(r"[ \u00a0]*\([ \u00a0]*([^\W\d_][\w.-]{0,11})[ \u00a0]*\)")


@dataclass(frozen=True)
class Institution:
    """What the recogniser knows of one institution (a row of data/entities.tsv with `cores`)."""

    id: str
    type: str
    langs: frozenset[str]
    article: bool
    english: str
    natives: tuple[str, ...]  # as the source-language original writes the name (evidence)
    short: frozenset[str]  # cores English itself uses (`Xinhua`, `AFP`): accepted in every shape
    acronyms: frozenset[str]


@dataclass(frozen=True)
class Core:
    """A form of an institution's distinctive name and whether it alone is enough evidence."""

    institution: Institution
    form: str
    needs_source: bool


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip() and p.strip() != "-"]


def _norm(text: str) -> str:
    """A name compared loosely: case, hyphens, apostrophes and `the` do not count."""
    words = re.findall(r"[^\W_]+", text.casefold().replace("’", "'").replace("'s", ""))
    return " ".join(w for w in words if w != "the")


@cache
def _places() -> dict[str, tuple[str, ...]]:
    """Country code -> the forms a translation uses for the country (name, adjective, capital)."""
    data = load_toml("countries.toml")
    return {code: tuple(entry["forms"]) for code, entry in data.items()}


def _expand_core(pattern: str, country: str) -> list[str]:
    """A core pattern with `{place}` standing for each form of the institution's country."""
    forms = []
    for place in _places().get(country, ()) if "{place}" in pattern else ("",):
        forms += expand(pattern.replace("{place}", place))
    return [f for f in forms if f]


@cache
def _table() -> tuple[re.Pattern[str] | None, dict[str, list[Core]], re.Pattern[str] | None]:
    """The mention pattern, the cores by their normal form, and the pattern of accepted English forms."""
    cores: dict[str, list[Core]] = {}
    accepted: set[str] = set()
    by_kind: dict[str, set[str]] = {}
    for row in load_tsv("entities.tsv"):
        english = row["english"]
        accepted.add(re.sub(r"\s*\([^)]*\)$", "", english))
        accepted.update(_split(row["accepted"]))
        short = _split(row.get("short"))
        if not row.get("cores") or row.get("cores") == "-":
            continue
        institution = Institution(
            id=row["id"],
            type=row["type"],
            langs=frozenset(_split(row["langs"].replace(",", ";"))),
            article=row["the"] == "the",
            english=english,
            natives=tuple(s.partition(":")[2].strip() for s in _split(row["sources"]) if ":" in s)
            + tuple(_split(row.get("natives"))),
            short=frozenset(_norm(s) for s in short),
            acronyms=frozenset(a.lower() for a in _split(row["acronyms"])),
        )
        heads = _HEADS.get(row["type"])
        if heads is None:
            continue
        for pattern in _split(row["cores"]) + short:
            needs = pattern.startswith("?")
            for form in _expand_core(pattern.lstrip("?"), row.get("country") or ""):
                cores.setdefault(_norm(form), []).append(Core(institution, form, needs))
                by_kind.setdefault(row["type"], set()).add(form)
    if not cores:
        return None, {}, None
    shapes = []
    for kind, forms in by_kind.items():
        names = "|".join(
            r"[ \u00a0-]+".join(re.escape(w) for w in re.split(r"[ -]+", f))
            for f in sorted(forms, key=len, reverse=True)
        )
        core = rf"(?P<core_{kind}{{n}}>(?i:{names}))(?![\w-])"
        head = _HEADS[kind]
        shapes.append(
            rf"{core.format(n=1)}(?P<poss_{kind}>['’]s)?{_SPACE}{head}(?![\w-])"  # the X agency, X's agency
        )
        shapes.append(rf"{head}{_SPACE}(?:of{_SPACE}(?:the{_SPACE})?)?{core.format(n=2)}")  # agency (of) X
    mention = re.compile(_ARTICLE + rf"(?P<mods>{_MODIFIERS})" + "(?P<name>" + "|".join(shapes) + ")")
    names = sorted((a for a in accepted if len(a.split()) >= 2), key=len, reverse=True)
    guard = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(r"[ \u00a0-]+".join(re.escape(w) for w in re.split(r"[ -]+", n)) for n in names)
        + r")(?![\w-])",
        re.IGNORECASE,
    )
    return mention, cores, guard


def protect_accepted(doc: Document) -> None:
    """Accepted English names in the text survive every later rule (an edit may only keep them)."""
    _, _, guard = _table()
    if guard is None:
        return
    for match in guard.finditer(doc.text):
        if match.group()[:1].isupper():
            doc.keep(match.start(), match.end())


def evidence(institution_natives: tuple[str, ...], original: str | None) -> str:
    """The reason the original gives for a repair: the native name it contains, or ``""``."""
    if not original:
        return ""
    for native in institution_natives:
        if native and _native_pattern(native).search(original):
            return f"the original names it {native!r}"
    return ""


@cache
def _native_pattern(native: str) -> re.Pattern[str]:
    """A native name as a word of the original: an acronym in its own case, a longer name in any case and
    with an inflected ending (`Anadolu Ajansı'na`, `Stortinget`)."""
    if not _SPACED.fullmatch(native):  # CJK, Hangul, Arabic...: particles and prefixes attach to names
        return re.compile(re.escape(native))
    ending = "" if len(native) >= 6 else r"(?!\w)"
    flags = 0 if native.isupper() else re.IGNORECASE
    return re.compile(r"(?<!\w)" + re.escape(native) + ending, flags)


# Names in scripts that separate words with spaces and do not glue particles to them.
_SPACED = re.compile(r"[\u0000-\u024f\u0370-\u04ff\u1e00-\u1fff\u2000-\u206f]+")


def _named_after(text: str, end: int, institution: Institution) -> int:
    """Where the institution's own short name right after a mention ends (`… Telegram Bureau TT`), or 0."""
    following = re.match(r"[ \u00a0]+([^\W_][\w-]*)(?![\w-])", text[end : end + 40])
    if following and _norm(following.group(1)) in institution.short | institution.acronyms:
        return end + following.end()
    return 0


def _core(match: re.Match[str]) -> str | None:
    for name, value in match.groupdict().items():
        if name.startswith("core_") and value:
            return value
    return None


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits replacing an institution named in a translated shape by its established English name."""
    mention, cores, _ = _table()
    if mention is None or not any(w in text for w in _HEAD_HINTS):
        return []
    edits = []
    for match in mention.finditer(text):
        core = _core(match)
        if core is None or not all(w[:1].isupper() or w in _LOWER for w in re.findall(r"[^\W\d_]+", core)):
            continue  # a name is capitalised throughout: `the French media agency` is a description
        choices = [c for c in cores.get(_norm(core), []) if _norm(core) not in c.institution.short]
        if not choices:
            continue  # the name as English writes it (`the Xinhua news agency`): nothing to repair
        found = [(c, evidence(c.institution.natives, ctx.original)) for c in choices]
        confirmed = [(c, why) for c, why in found if why]
        if confirmed:
            found = confirmed
        elif any(c.needs_source for c in choices):
            found = [(c, why) for c, why in found if ctx.source_lang in c.institution.langs]
        if len({c.institution.id for c, _ in found}) != 1:
            continue  # unknown or ambiguous: a careful editor would not guess
        chosen, why = found[0]
        institution = chosen.institution
        start, end = match.start("name"), match.end("name")
        keep_article = institution.article or bool(match.group("mods"))
        if match.group("the") and not keep_article:
            start = match.start("the")
        end = _named_after(text, end, institution) or end  # the name said twice is said once
        acronym = _ACRONYM_AFTER.match(text, end)
        if acronym and (
            acronym.group(1).lower() in institution.acronyms or _norm(acronym.group(1)) in institution.short
        ):
            end = acronym.end()
        after = institution.english
        if (start == match.start("the") and text[start] == "T") or re.search(
            r"(?:^|[.!?][\"”’)]*\s+|\n\s*)$", text[max(0, start - 4) : start]
        ):
            after = after[0].upper() + after[1:]
        # The rule names the institution; the reason adds what the original says, when it is known.
        reason = f"{why}, confirming {core!r}" if why else ""
        edits.append(Edit(start, end, after, "entity_calque", f"{institution.type}:{institution.id}", reason))
    return edits
