"""Numbers and units by source locale: `7,1 %` -> `7.1%`, `12 000` -> `12,000`, `4.300 jobs` -> `4,300 jobs`."""

from __future__ import annotations

import re
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Context, Edit

_NUMBER = re.compile(
    r"(?<![\w.,/:+\-])"
    r"(?P<int>\d{1,3}(?P<sep>[.\u00a0\u202f\u2009 ])\d{3}(?:(?P=sep)\d{3})*|\d+)"
    r"(?:,(?P<frac>\d+))?"
    r"(?P<space>[ \u00a0\u202f]?)(?P<sign>%|€|£|\$)?"
    r"(?![\w%€£$]|[.,]\d)"
)
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\.?\s*$")
_DIGIT = re.compile(r"\d")
# French-style clock times (`14h30`); English writes 14:30.
_CLOCK = re.compile(r"(?<![\w.,:])([01]?\d|2[0-3])h([0-5]\d)(?!\w)")
_NUMBER_BEFORE = re.compile(r"\d\s$")
_WORD_AFTER = re.compile(r"\s*([^\s\d,.;:!?()]+(?: cent)?)")


class _Locales:
    def __init__(self) -> None:
        data = load_toml("numbers.toml")
        self.decimal_comma = set(data["decimal_comma"])
        self.thousands_dot = set(data["thousands_dot"])
        self.thousands_space = set(data["thousands_space"])
        self.units = set(data["units"])
        self.not_after = set(data["not_after"])


@cache
def _locales() -> _Locales:
    return _Locales()


def _followed_by_unit(text: str, end: int, locales: _Locales) -> bool:
    match = _WORD_AFTER.match(text, end, end + 24)
    return bool(match) and (match.group(1) in locales.units or match.group(1).lower() in locales.units)


def _rewrite(match: re.Match[str], text: str, ctx: Context, locales: _Locales) -> tuple[str, str] | None:
    """The English form of one number and the rule that gives it, or None to leave it."""
    integer, sep, frac, sign = (
        match.group("int"),
        match.group("sep"),
        match.group("frac"),
        match.group("sign"),
    )
    source = ctx.source_lang if ctx.foreign else None
    rule = ""
    if frac is not None and len(frac) == 3 and not sep:
        return None  # 2,500: English thousands already
    if frac is not None:
        certain = (
            bool(sep) or integer == "0" or sign is not None or _followed_by_unit(text, match.end(), locales)
        )
        if not certain and source not in locales.decimal_comma:
            return None
        rule = "decimal-comma"
    if sep:
        before = _WORD_BEFORE.search(text, max(0, match.start() - 24), match.start())
        if before and before.group(1).lower() in locales.not_after:
            return None
    if sep == ".":
        if not frac and source not in locales.thousands_dot:
            return None
        rule = rule or "thousands-dot"
    elif sep == " ":
        if _NUMBER_BEFORE.search(text, max(0, match.start() - 8), match.start()):
            return None  # a run of spaced numbers: a phone number or a list, not one number
        if source not in locales.thousands_space and source not in locales.decimal_comma:
            return None
        rule = rule or "thousands-space"
    elif sep:
        rule = rule or "thousands-space"  # no-break and thin spaces are never anything else
    number = (integer.replace(sep, ",") if sep else integer) + (f".{frac}" if frac is not None else "")
    if sign == "%":
        if not rule and not (match.group("space") and source):
            return None
        rule = rule or "percent-space"
        return number + "%", rule
    if sign:
        return sign + number, rule or "currency-symbol"
    return (number, rule) if rule else None


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits rewriting numbers in a source locale's format; correct English numbers never match."""
    if not _DIGIT.search(text):
        return []
    locales = _locales()
    edits = []
    for match in _NUMBER.finditer(text):
        if match.group("sep") is None and match.group("frac") is None and match.group("sign") is None:
            continue
        rewritten = _rewrite(match, text, ctx, locales)
        if rewritten is None:
            continue
        after, rule = rewritten
        if ctx.foreign:
            rule = f"{rule}:{ctx.source_lang}"
        end = (
            match.end()
            if match.group("sign")
            else match.end("frac")
            if match.group("frac")
            else match.end("int")
        )
        edits.append(Edit(match.start(), end, after, "number_format", rule))
    for match in _CLOCK.finditer(text):
        rule = f"clock-time:{ctx.source_lang}" if ctx.foreign else "clock-time"
        edits.append(
            Edit(match.start(), match.end(), f"{match.group(1)}:{match.group(2)}", "number_format", rule)
        )
    return edits
