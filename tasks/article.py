"""The records that flow through the pipeline: one Article per input item, one Story per event."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def stable_id(*parts: str, length: int = 16) -> str:
    """A short hex digest of the parts: the same inputs give the same id in every run."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class Flag:
    """Something a reader must see about an article or story (not translated, uncertain, ...)."""

    kind: str
    message: str
    stage: str


@dataclass(frozen=True)
class Detection:
    """Language of an article, decided by the detect stage."""

    lang: str
    confidence: float
    reliable: bool
    title_lang: str | None = None
    spans: tuple[tuple[int, int, str, float], ...] = ()


@dataclass(frozen=True)
class Repair:
    """What the repair stage changed (or flagged) in the English text of an article."""

    title: str
    body: str
    changes: tuple[dict[str, Any], ...] = ()
    flags: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Translation:
    """English text of a non-English article, with sentence alignment back to the source."""

    title: str
    body: str
    model: str | None
    backend: str | None
    sentences: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Article:
    """One news article. Ingest fills the first block; each later stage fills only its own field."""

    id: str
    source: str
    format: str
    title: str
    body: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    author: str | None = None
    lang_hint: str | None = None
    notes: tuple[str, ...] = ()
    # When an undated input arrived (its file's modification time); ranks it in place of `published`.
    received: str | None = None
    # Stage outputs: set by exactly one stage each.
    detection: Detection | None = None
    repair: Repair | None = None
    translation: Translation | None = None
    flags: tuple[Flag, ...] = ()

    @property
    def lang(self) -> str:
        """The detected language, or `und` before detection."""
        return self.detection.lang if self.detection else "und"

    @property
    def english_title(self) -> str:
        """The best English headline available: repaired, else translated, else original."""
        if self.repair is not None:
            return self.repair.title
        if self.translation is not None:
            return self.translation.title
        return self.title

    @property
    def english_body(self) -> str:
        """The best English body available: repaired, else translated, else original."""
        if self.repair is not None:
            return self.repair.body
        if self.translation is not None:
            return self.translation.body
        return self.body

    def with_flags(self, *flags: Flag) -> Article:
        """A copy with extra flags (flags accumulate; a stage never removes another's)."""
        return dataclasses.replace(self, flags=self.flags + tuple(flags))


@dataclass(frozen=True)
class Summary:
    """The summary of a story and how it was made."""

    text: str
    method: str  # single | chunked | extractive-fallback
    model: str | None = None
    chunks: int = 1
    input_tokens: int = 0
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Track:
    """Where a story sits in a track of days: the first day it was seen, its day count and what is new today."""

    id: str
    first_seen: str
    day: int = 1  # days on which the track appeared, today included
    previous: str | None = None  # the track's story on its latest earlier day
    previous_date: str | None = None
    link_score: float = 0.0
    dates: tuple[str, ...] = ()  # earlier dates of the track, oldest first
    status: str = "new"  # new | developing | unchanged (nothing new since yesterday's full report)
    new_sources: tuple[str, ...] = ()
    new_languages: tuple[str, ...] = ()
    new_anchors: tuple[str, ...] = ()  # names and numbers not in the track's previous day


@dataclass(frozen=True)
class Rising:
    """Why a story is rising: its article count today against the baseline it beat."""

    kind: str  # surge (a track above its recent average) | large-new (a new story larger than most today)
    articles: int
    baseline: float
    ratio: float
    reason: str = ""


@dataclass(frozen=True)
class Story:
    """Articles about one event, with the reason they were grouped."""

    id: str
    article_ids: tuple[str, ...]
    headline: str
    score: float = 1.0
    rank_score: float = 0.0
    summary: Summary | None = None
    duplicates: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    # Language-neutral keys of the story's names and numbers (`bkt` for Baghdad in any script, `#2500`),
    # most widespread among its members first: what links it to the same story on another day.
    anchors: tuple[str, ...] = ()
    track: Track | None = None
    rising: Rising | None = None


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a frozen dataclass (and its nested records) from `dataclasses.asdict` output."""
    nested = {
        "detection": Detection,
        "repair": Repair,
        "translation": Translation,
        "summary": Summary,
        "track": Track,
        "rising": Rising,
    }
    kwargs: dict[str, Any] = {}
    names = {f.name for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in names:
            continue
        if key in nested and value is not None:
            value = _from_dict(nested[key], value)
        elif key == "flags" and cls is not Repair:  # a Repair's flags are plain dicts (the JSONL format)
            value = tuple(Flag(**f) for f in value)
        elif key == "spans":
            value = tuple(tuple(s) for s in value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    return cls(**kwargs)


def to_dict(record: Any) -> dict[str, Any]:
    """An Article or Story as a plain dict (one line of a shard)."""
    return dataclasses.asdict(record)


def article_from_dict(data: dict[str, Any]) -> Article:
    """Rebuild an Article from `to_dict` output."""
    return _from_dict(Article, data)


def story_from_dict(data: dict[str, Any]) -> Story:
    """Rebuild a Story from `to_dict` output."""
    return _from_dict(Story, data)


def to_json(record: Any) -> str:
    """Serialise an Article or Story to JSON."""
    return json.dumps(to_dict(record), ensure_ascii=False, indent=1, sort_keys=True)


def article_from_json(text: str) -> Article:
    """Parse an Article written by `to_json`."""
    return _from_dict(Article, json.loads(text))


def story_from_json(text: str) -> Story:
    """Parse a Story written by `to_json`."""
    return _from_dict(Story, json.loads(text))
