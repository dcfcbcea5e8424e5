"""Edits on an evolving text, with every change traced back to offsets in the original input."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

# What may frame a name without being part of it: `the`, an acronym in brackets, punctuation.
_FRAME = re.compile(r"\b[Tt]he\b|\([^()]{1,15}\)")


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the text: the language it was translated from, the headline, and
    the source-language original it was translated from (evidence for names)."""

    source_lang: str | None = None
    headline: str | None = None
    original: str | None = None

    @property
    def foreign(self) -> bool:
        """True when the text is known to be a translation from another language."""
        return bool(self.source_lang) and self.source_lang not in ("en", "und")


class Edit(NamedTuple):
    """Replace `text[start:end]` (offsets into the current text, end > start) by `after`."""

    start: int
    end: int
    after: str
    kind: str
    rule: str
    reason: str = ""  # why, beyond the rule's name (evidence from the original); recorded when set


class Document:
    """The text being repaired, the changes made so far and a map from current to original offsets."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text = text
        # Original span of each current character; None while the text is still the input.
        self._starts: list[int] | None = None
        self._ends: list[int] | None = None
        self.changes: list[dict[str, Any]] = []
        self.flags: list[dict[str, Any]] = []
        self.protected: list[tuple[int, int]] = []
        # Names that must come out as written: an edit over one must keep it (original span, text).
        self.kept: list[tuple[int, int, str]] = []

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original input that produced `text[start:end]`."""
        if self._starts is None or self._ends is None:
            return start, end
        if start >= end:
            point = self._starts[start] if start < len(self._starts) else len(self.original)
            return point, point
        return self._starts[start], self._ends[end - 1]

    def protect(self, start: int, end: int) -> None:
        """No later edit may touch `text[start:end]` (stored in original offsets, so edits elsewhere are fine)."""
        self.protected.append(self.origin(start, end))

    def keep(self, start: int, end: int) -> None:
        """`text[start:end]` must survive every edit: one over it is applied only if it keeps the text
        (`Organization of the United Nations` -> `United Nations` keeps the name it contains)."""
        a, b = self.origin(start, end)
        self.kept.append((a, b, self.text[start:end].casefold()))

    def _rewrites(self, a: int, b: int, after: str, kept: tuple[int, int, str]) -> bool:
        """Whether an edit of original[a:b] would rewrite the kept name rather than a longer name
        that contains it (`Organisation of the United Nations for Food and Agriculture`)."""
        p, q, name = kept
        if not (a < q and p < b) or name in after.casefold():
            return False
        outside = self.original[a:p] + " " + self.original[q:b]
        return not re.search(r"[^\W\d_]", _FRAME.sub(" ", outside))

    def flag(self, kind: str, rule: str, start: int, end: int, message: str) -> None:
        """Record a flag on `text[start:end]`, in original offsets."""
        a, b = self.origin(start, end)
        self.flags.append({"kind": kind, "rule": rule, "start": a, "end": b, "message": message})

    def _map_replacement(self, before: str, edit: Edit, new_starts: list[int], new_ends: list[int]) -> None:
        """Map the characters of `edit.after`: what it shares with the text it replaces keeps its own
        origin (so `theFrance` -> `the France` leaves `France` traceable, and a word re-decoded around an
        unchanged stretch keeps that stretch's offsets); the rest maps to the original span of what it
        replaced, an insertion to the point between its neighbours."""
        assert self._starts is not None and self._ends is not None
        starts, ends, base = self._starts, self._ends, edit.start
        matcher = difflib.SequenceMatcher(None, before, edit.after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                new_starts += starts[base + i1 : base + i2]
                new_ends += ends[base + i1 : base + i2]
                continue
            if i2 > i1:
                a, b = starts[base + i1], ends[base + i2 - 1]
            else:
                a = b = ends[base + i1 - 1] if i1 else starts[base]
            new_starts += [a] * (j2 - j1)
            new_ends += [b] * (j2 - j1)

    def apply(self, edits: list[Edit], guarded: bool = True) -> int:
        """Apply non-overlapping edits (overlaps, and when `guarded` edits of protected or kept text, are
        skipped); returns how many."""
        if not edits:
            return 0
        text = self.text
        if self._starts is None:
            self._starts = list(range(len(text)))
            self._ends = list(range(1, len(text) + 1))
        starts, ends = self._starts, self._ends
        assert ends is not None
        pieces: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = applied = 0
        for edit in sorted(edits):
            if edit.start < pos or edit.end <= edit.start or text[edit.start : edit.end] == edit.after:
                continue
            a, b = starts[edit.start], ends[edit.end - 1]
            if guarded and any(a < q and p < b for p, q in self.protected):
                continue
            if guarded and any(self._rewrites(a, b, edit.after, kept) for kept in self.kept):
                continue
            pieces += (text[pos : edit.start], edit.after)
            new_starts += starts[pos : edit.start]
            new_ends += ends[pos : edit.start]
            self._map_replacement(text[edit.start : edit.end], edit, new_starts, new_ends)
            pos = edit.end
            applied += 1
            change = {
                "kind": edit.kind,
                "rule": edit.rule,
                "before": self.original[a:b],
                "after": edit.after,
                "start": a,
                "end": b,
            }
            if edit.reason:
                change["reason"] = edit.reason
            self.changes.append(change)
        if applied:
            pieces.append(text[pos:])
            self.text = "".join(pieces)
            self._starts = new_starts + starts[pos:]
            self._ends = new_ends + ends[pos:]
        return applied
