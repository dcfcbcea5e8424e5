"""The repair of one text: every rule in turn on the evolving text, each change traced to the input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tasks.stages.repair import (
    calques,
    chrome,
    encoding,
    false_friends,
    fused,
    idioms,
    institutions,
    numbers,
    repetition,
    typography,
    untranslated,
)
from tasks.stages.repair.edits import Context, Document, Edit

Rule = Callable[[str, Context], list[Edit]]
# Encoding first (later rules must see the real characters), chrome before anything reads sentences,
# fused tokens before calques (`theFrance Media Agency`), typography before repetition (`x , x`).
_BEFORE_FLAGS: tuple[Rule, ...] = (encoding.find, chrome.find)
_AFTER_FLAGS: tuple[Rule, ...] = (
    fused.find,
    institutions.find,
    calques.find,
    numbers.find,
    typography.find,
    repetition.find,
    idioms.find,
)
# A change can reveal another (a collapsed loop leaves `theFrance`): passes repeat until nothing changes.
_MAX_PASSES = 3


@dataclass(frozen=True)
class Repaired:
    """The repaired text, the changes made (offsets into the input) and what was flagged, not changed."""

    text: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)


def _error(rule: str, message: str) -> dict[str, Any]:
    return {"kind": "error", "rule": rule, "start": 0, "end": 0, "message": message}


def _run(doc: Document, rule: Rule, ctx: Context, guarded: bool = True) -> int:
    try:
        return doc.apply(rule(doc.text, ctx), guarded)
    except Exception as exc:  # a rule bug must cost one rule, not the article or the batch
        doc.flags.append(_error(rule.__module__.rsplit(".", 1)[-1], f"rule failed: {exc!r}"))
        return 0


def repair(
    text: str,
    source_lang: str | None = None,
    headline: str | None = None,
    *,
    original: str | None = None,
) -> Repaired:
    """Repair machine-translation artefacts in English `text` translated from `source_lang` (None: unknown;
    `en`: written in English).

    `headline`, when the text is an article body, lets a copy of it at the top of the body go;
    `original`, the source-language text it was translated from, confirms or corrects calqued names.
    """
    if not isinstance(text, str):
        return Repaired("", [], [_error("input", "text is not a string")])
    original = original if isinstance(original, str) and original.strip() else None
    ctx = Context(source_lang=source_lang or None, headline=headline, original=original)
    doc = Document(text)
    for passes in range(_MAX_PASSES):
        # Protection starts after these rules in the first pass; later passes must not treat them otherwise,
        # or a second repair of the output would apply what this one refused.
        changed = sum(_run(doc, rule, ctx, guarded=False) for rule in _BEFORE_FLAGS)
        if passes == 0:
            institutions.protect_accepted(doc)  # accepted English names: no later rule may touch them
            try:
                untranslated.flag(doc)
            except Exception as exc:  # language detection is another stage's code: never fatal here
                doc.flags.append(_error("untranslated", f"language detection failed: {exc!r}"))
        changed += sum(_run(doc, rule, ctx) for rule in _AFTER_FLAGS)
        if not changed:
            break
    try:
        false_friends.flag(doc, ctx)  # on the final text: flags never change it
    except Exception as exc:  # a flag is advice: its failure must not cost the repairs
        doc.flags.append(_error("false_friends", f"rule failed: {exc!r}"))
    return Repaired(doc.text, doc.changes, doc.flags)
