"""Typography: French spacing before `: ; ? !`, guillemets and German quotes, spaces before commas and
full stops, detached apostrophes and spaces inside brackets."""

from __future__ import annotations

import re

from tasks.stages.repair.edits import Context, Edit

_SPACES = "[ \u00a0\u202f\u2009]+"
_RULES = (
    (
        "french-spacing",
        re.compile(
            r"(?<=[^\W\d_]|[)\]»”\"'’])"
            + _SPACES
            + r"(?P<keep>[:;?!])(?=\s|$|[\"”»’)])(?!\s*[()DPp](?:\s|$))"
        ),
    ),
    ("space-before-comma", re.compile(r"(?<=[^\W_]|[)\]\"”’%])" + _SPACES + r"(?P<keep>,)(?=\s|$|[\"”’)])")),
    (
        "space-before-period",
        re.compile(r"(?<=[^\W\d_]|[)\]\"”’])" + _SPACES + r"(?P<keep>\.)(?=\s|$|[\"”’)])"),
    ),
    (
        "detached-apostrophe",
        re.compile(r"(?<=[^\W\d_]) +(?P<keep>(?:n['’]t|['’](?:s|t|re|ve|ll|d|m)))(?=[\s.,;:!?)]|$)"),
    ),
    ("bracket-spacing", re.compile(r"(?P<keep>\()" + _SPACES + r"(?=[\w“\"‘])")),
    ("bracket-spacing", re.compile(r"(?<=[\w.%”\"’])" + _SPACES + r"(?P<keep>\))")),
)
_GUILLEMET = re.compile(r"(?P<pre>[ \u00a0\u202f]*)(?P<mark>[«»‹›])(?P<post>[ \u00a0\u202f]*)")
_LOW_QUOTES = re.compile(r"„(?P<inner>[^„“”\n]*)(?P<close>[“”])")


def _quotes(text: str) -> tuple[str, str, str, str]:
    """Open and close marks, double and single, in the style the text already uses (curly or straight)."""
    if any(mark in text for mark in "“”‘’"):
        return "“", "”", "‘", "’"
    return '"', '"', "'", "'"


def _guillemet_edits(text: str) -> list[Edit]:
    open_double, close_double, open_single, close_single = _quotes(text)
    marks = list(_GUILLEMET.finditer(text))
    # German texts open with » and close with «; French ones the other way round.
    german = marks[0].group("mark") in "»›"
    edits = []
    for match in marks:
        mark = match.group("mark")
        opening = (mark in "«‹") != german
        if mark in "«»":
            after = open_double if opening else close_double
        else:
            after = open_single if opening else close_single
        # The space inside the quotation goes; the one outside stays.
        start, end = (match.start("mark"), match.end()) if opening else (match.start(), match.end("mark"))
        edits.append(Edit(start, end, after, "typography", "guillemets"))
    return edits


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits fixing source-language typography; English typography (and code, times, emoticons) stays."""
    edits = []
    for rule, pattern in _RULES:
        for match in pattern.finditer(text):
            edits.append(Edit(match.start(), match.end(), match.group("keep"), "typography", rule))
    if "«" in text or "»" in text or "‹" in text or "›" in text:
        edits += _guillemet_edits(text)
    if "„" in text:
        open_double, close_double, _, _ = _quotes(text.replace("“", ""))
        for match in _LOW_QUOTES.finditer(text):
            edits.append(Edit(match.start(), match.start() + 1, open_double, "typography", "low-quotes"))
            edits.append(Edit(match.start("close"), match.end(), close_double, "typography", "low-quotes"))
    return edits
