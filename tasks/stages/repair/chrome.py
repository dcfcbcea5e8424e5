"""Boilerplate and chrome: navigation, `Previous article`, cookie and newsletter banners, share prompts,
a headline repeated at the top of the body."""

from __future__ import annotations

import re
from functools import cache

from tasks.stages.repair.datafiles import load_toml
from tasks.stages.repair.edits import Context, Edit

_LINE = re.compile(r"[^\n]+")
_SENTENCE_START = r"(?:^|(?<=[.!?] )|(?<=[.!?][\"”’)] ))"
# Where one sentence of a line ends and the next begins, also without a space (`Facebook.We use`); a
# capital must start a word (`U.S. talks` is one sentence).
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?P<gap>[ \u00a0]*)(?=[A-Z][a-z])")
# A headline glued behind unrecognised chrome is cut only if that chrome is this short.
_MAX_PREFIX_WORDS = 5
# A linked headline under a `Next article` label: no more words than this, and no full stop.
_MAX_LINK_WORDS = 15


def _alternation(entries: list[dict[str, str]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex with a named group per entry, and the rule of each group."""
    rules = {f"r{i}": entry["rule"] for i, entry in enumerate(entries)}
    pattern = "|".join(f"(?P<r{i}>{entry['pattern']})" for i, entry in enumerate(entries))
    return re.compile(pattern), rules


@cache
def _patterns() -> dict[str, tuple[re.Pattern[str], dict[str, str]]]:
    data = load_toml("chrome.toml")
    line, line_rules = _alternation(data["line"])
    sentence, sentence_rules = _alternation(data["sentence"])
    prefix, prefix_rules = _alternation(data["prefix"])
    label, label_rules = _alternation(data["label"])
    whole_sentence = sentence
    sentence = re.compile(_SENTENCE_START + f"(?:{sentence.pattern})", re.MULTILINE)
    edges = data["edges"]
    names = sorted(edges["sections"], key=len, reverse=True)
    upper = "|".join(_words(n.upper()) for n in names)
    title = "|".join(_words(n.title()) for n in names)
    sep = r"[ \u00a0]*[»>›|/•·:]?[ \u00a0]*"
    # `Home WORLD ` / `WORLD ASIA ` before the capitalised start of the article; in title case the words
    # may be a name (`Home Health Care Inc`), so only a whole line of them goes (`section_line`).
    lead = (
        rf"(?:(?:Home|HOME)(?:{sep}(?:{upper})(?![\w-])){{1,4}}|(?:{upper})(?:{sep}(?:{upper})(?![\w-])){{0,3}})"
        rf"{sep}(?<=[ \u00a0])(?=[A-Z][a-z]|[0-9\"“‘'])"
    )
    return {
        "lead": (re.compile(lead), {}),
        "section_line": (re.compile(rf"(?:{upper}|{title})(?:{sep}(?:{upper}|{title}))*"), {}),
        "trailing_line": (
            re.compile(
                rf"(?i:{_choice(edges['trailing_words'])})"
                rf"|(?i:{_choice(edges['trailing_labels'])})(?:[ \u00a0]*:[ \u00a0]*|[ \u00a0]+)"
                r"[A-Z][\w-]*(?:[ \u00a0]*[|•·,]?[ \u00a0]*[A-Z][\w-]*){0,6}"
            ),
            {},
        ),
        "trailing_inline": (re.compile(r"[ \u00a0]+(?:" + edges["trailing_inline"] + r")$"), {}),
        "line": (line, line_rules),
        "sentence": (sentence, sentence_rules),
        "whole_sentence": (whole_sentence, sentence_rules),
        "prefix": (prefix, prefix_rules),
        "label": (label, label_rules),
    }


def _choice(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _words(name: str) -> str:
    return r"[ \u00a0]+".join(re.escape(w) for w in name.split())


def normalise(text: str) -> str:
    """Words only, case-folded: what two copies of a headline share."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of the line `text[start:end]`, without the space between them."""
    spans = []
    for match in _SENTENCE_END.finditer(text, start, end):
        spans.append((start, match.start("gap")))
        start = match.end()
    return [*spans, (start, end)]


def _chrome_rule(
    text: str, start: int, end: int, patterns: dict[str, tuple[re.Pattern[str], dict[str, str]]]
) -> str:
    """The rule of the chrome that `text[start:end]` is entirely, or '' if it is (or holds) real text."""
    for name in ("line", "whole_sentence"):
        regex, rules = patterns[name]
        match = regex.fullmatch(text, start, end)
        if match and match.lastgroup:
            return rules[match.lastgroup]
    return ""


def _sentence_removals(text: str, sentences: list[tuple[int, int]], rules: list[str]) -> list[Edit]:
    """Edits removing the chrome sentences of a line (`rules[i]` non-empty) and keeping the others."""
    edits = []
    last_real = max(i for i, rule in enumerate(rules) if not rule)
    for i, rule in enumerate(rules):
        if not rule:
            continue
        if i < last_real:  # the sentence and the space after it
            start, end = sentences[i][0], sentences[i + 1][0]
        else:  # after the last real sentence: the space before it goes instead
            start, end = sentences[i - 1][1], sentences[i][1]
        edits.append(Edit(start, end, "", "boilerplate", rule))
    return edits


def _line_removals(text: str, lines: list[tuple[int, int]], doomed: dict[int, str]) -> list[Edit]:
    """Edits removing the doomed lines with the blank space that separated them from the text kept."""
    edits = []
    last_kept = max((i for i in range(len(lines)) if i not in doomed), default=-1)
    for i, rule in sorted(doomed.items()):
        if i < last_kept:  # the line and the space after it, up to the next line
            start, end = lines[i][0], lines[i + 1][0]
        else:  # after the last kept line: the space before it goes instead
            start, end = (lines[i - 1][1] if i > 0 else 0), lines[i][1]
            if last_kept < 0 and i == len(lines) - 1:
                end = len(text)
        edits.append(Edit(start, end, "", "boilerplate", rule))
    return edits


def _prefix_length(line: str, headline: str) -> int:
    """Characters before the copy of `headline` that ends `line`."""
    for match in re.finditer(r"\s+", line):
        if normalise(line[match.end() :]) == headline:
            return match.end()
    return 0


def _headline(
    text: str, lines: list[tuple[int, int]], kept: list[int], ctx: Context
) -> tuple[dict[int, str], int]:
    """A headline repeated at the top of the body is kept once: the lines to drop, and how many characters
    of unrecognised chrome to cut before the first copy."""
    if not kept:
        return {}, 0
    start, end = lines[kept[0]]
    first = normalise(text[start:end])
    if ctx.headline is not None and first and first == normalise(ctx.headline):
        return {kept[0]: "duplicate-headline"}, 0
    if len(kept) < 2:
        return {}, 0
    second = normalise(text[lines[kept[1]][0] : lines[kept[1]][1]])
    if len(second.split()) < 2:
        return {}, 0
    if first == second:
        return {kept[1]: "duplicate-headline"}, 0
    extra = len(first.split()) - len(second.split())
    if first.endswith(" " + second) and extra <= _MAX_PREFIX_WORDS:
        cut = _prefix_length(text[start:end], second)
        if cut:
            return {kept[1]: "duplicate-headline"}, cut
    return {}, 0


def _looks_like_link(line: str) -> bool:
    """A headline as a link shows it: short, without a full stop at the end."""
    return len(line.split()) <= _MAX_LINK_WORDS and line[-1] not in ".!?:;,"


def _edges(
    text: str,
    lines: list[tuple[int, int]],
    content: list[tuple[int, int]],
    doomed: dict[int, str],
    edits: dict[int, list[Edit]],
    patterns: dict[str, tuple[re.Pattern[str], dict[str, str]]],
) -> None:
    """Chrome at the start and the end of a body: section labels before the article (`Home WORLD`, a line
    `WORLD`), button and label lines after it (`Share`, `Facebook`), a `Related Topics …` tail."""
    kept = [i for i in range(len(lines)) if i not in doomed]
    section_line, lead = patterns["section_line"][0], patterns["lead"][0]
    while len(kept) > 1 and section_line.fullmatch(text, *content[kept[0]]):
        doomed[kept.pop(0)] = "chrome:section"
    if kept:
        first = kept[0]
        start, end = content[first]
        match = lead.match(text, start, end)
        if match and len(text[match.end() : end].split()) >= 3:
            edits.setdefault(first, []).append(Edit(start, match.end(), "", "boilerplate", "chrome:section"))
            content[first] = (match.end(), end)
    trailing = patterns["trailing_line"][0]
    while len(kept) > 1 and trailing.fullmatch(text, *content[kept[-1]]):
        doomed[kept.pop()] = "chrome:share"
    if kept:
        last = kept[-1]
        start, end = content[last]
        match = patterns["trailing_inline"][0].search(text, start, end)
        if match and re.search(r"[.!?][\"”’)]*$", text[start : match.start()]):
            edits.setdefault(last, []).append(Edit(match.start(), end, "", "boilerplate", "chrome:footer"))


def find(text: str, ctx: Context) -> list[Edit]:
    """Edits removing chrome lines, chrome sentences, chrome prefixes and a repeated headline."""
    patterns = _patterns()
    line_re, line_rules = patterns["line"]
    prefix_re, prefix_rules = patterns["prefix"]
    sentence_re, sentence_rules = patterns["sentence"]
    label_re, _ = patterns["label"]
    lines = [_strip(text, m.start(), m.end()) for m in _LINE.finditer(text)]
    lines = [(s, e) for s, e in lines if e > s]
    content = list(lines)  # each line without a chrome prefix
    doomed: dict[int, str] = {}
    edits: dict[int, list[Edit]] = {}
    for i, (start, end) in enumerate(lines):
        if i - 1 in doomed and label_re.fullmatch(text, *lines[i - 1]) and _looks_like_link(text[start:end]):
            doomed[i] = doomed[i - 1]
            continue
        match = line_re.fullmatch(text, start, end)
        if match and match.lastgroup:
            # A pattern's open tail (`Share on …`, `We use cookies …`) can run on into article text glued
            # to the chrome: the line goes only if each of its sentences is chrome, else only those do.
            sentences = _sentences(text, start, end)
            rules = [_chrome_rule(text, s, e, patterns) for s, e in sentences]
            if all(rules):
                doomed[i] = line_rules[match.lastgroup]
            else:
                edits[i] = _sentence_removals(text, sentences, rules)
            continue
        inner = edits.setdefault(i, [])
        match = prefix_re.match(text, start, end)
        if match and match.lastgroup and match.end() < end:
            inner.append(Edit(start, match.end(), "", "boilerplate", prefix_rules[match.lastgroup]))
            content[i] = (match.end(), end)
        sentences = _sentences(text, content[i][0], end)
        for match in sentence_re.finditer(text, content[i][0], end):
            if not match.lastgroup or match.end() == match.start():
                continue
            # A pattern that may run to the end of the line (`Read more: …`) stops at its sentence's end.
            sentence_end = max(e for s, e in sentences if s <= match.start())
            cut_start, cut_end = match.start(), min(match.end(), max(sentence_end, match.start() + 1))
            if cut_start == content[i][0] and cut_end >= end:
                doomed[i] = sentence_rules[match.lastgroup]
                break
            while cut_end < end and text[cut_end] == " ":
                cut_end += 1
            if cut_end == end:  # last sentence of the line: take the space before it instead
                while cut_start > start and text[cut_start - 1] == " ":
                    cut_start -= 1
            inner.append(Edit(cut_start, cut_end, "", "boilerplate", sentence_rules[match.lastgroup]))
    _edges(text, lines, content, doomed, edits, patterns)
    kept = [i for i in range(len(lines)) if i not in doomed]
    head_doomed, cut = _headline(text, content, kept, ctx)
    doomed.update(head_doomed)
    if cut:
        first = content[kept[0]][0]
        edits[kept[0]].append(Edit(first, first + cut, "", "boilerplate", "chrome:prefix"))
    found = [edit for i, line_edits in edits.items() if i not in doomed for edit in line_edits]
    return found + _line_removals(text, lines, doomed)
