"""The story archive: one compact gzip JSON-lines shard per day of the stories a run made, behind the Store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import Any

from tasks.article import Rising, Track, _from_dict
from tasks.storage.shards import decode, encode
from tasks.storage.store import Store

PREFIX = "archive/stories"


class ArchiveError(ValueError):
    """A shard of the archive that cannot be read (corrupt, truncated or not the archive's format)."""


@dataclass(frozen=True)
class ArchivedStory:
    """What later days need of one story: its anchors, members, languages, sources, headline, size and track."""

    id: str
    date: str
    headline: str
    size: int  # articles, republished copies included
    article_ids: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # Anchor key (name key or `#number`) -> how it is shown, most widespread among the members first.
    anchors: dict[str, str] = field(default_factory=dict)
    track: Track | None = None
    rising: Rising | None = None

    def to_dict(self) -> dict[str, Any]:
        """The shard line of this story."""
        # Shallow, not `asdict`: the anchors dict and tuples need no deep copy to become JSON.
        line = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        line["track"] = dataclasses.asdict(self.track) if self.track else None
        line["rising"] = dataclasses.asdict(self.rising) if self.rising else None
        return line

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchivedStory:
        """Rebuild from a shard line."""
        return _from_dict(cls, data)


def shard_key(date: str) -> str:
    """The store key of a day's shard (the date is checked, so no key ever leaves the archive folder)."""
    return f"{PREFIX}/{dt.date.fromisoformat(date).isoformat()}.jsonl.gz"


def write_day(store: Store, date: str, stories: list[ArchivedStory]) -> str:
    """Replace the day's shard with `stories` atomically; returns its key."""
    if any(s.date != date for s in stories):
        raise ValueError(f"every archived story of {date} must carry that date")
    key = shard_key(date)
    # The run's shard encoding: a rerun with the same stories writes the same bytes.
    store.write_bytes(key, encode(s.to_dict() for s in stories))
    return key


def read_day(store: Store, date: str) -> list[ArchivedStory]:
    """The stories archived for `date` (empty when the day has no shard); ArchiveError when it is unreadable."""
    key = shard_key(date)
    if not store.exists(key):
        return []
    try:
        stories = [ArchivedStory.from_dict(row) for row in decode(store.read_bytes(key))]
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise ArchiveError(f"{store.url.rstrip('/')}/{key}: unreadable archive shard ({exc})") from exc
    return [s for s in stories if s.date == date]


def window_dates(date: str, days: int) -> list[str]:
    """The `days` dates before `date`, oldest first (never `date` itself or a later one)."""
    day = dt.date.fromisoformat(date)
    return [(day - dt.timedelta(days=n)).isoformat() for n in range(days, 0, -1)]


def read_window(store: Store, date: str, days: int) -> tuple[list[list[ArchivedStory]], list[str]]:
    """The archived stories of the `days` days before `date`, oldest day first, and the shards that were unreadable.

    An unreadable shard counts as an empty day and is reported, so one bad file never stops a run.
    """
    window: list[list[ArchivedStory]] = []
    problems: list[str] = []
    for day in window_dates(date, days):
        try:
            window.append(read_day(store, day))
        except ArchiveError as exc:
            window.append([])
            problems.append(str(exc))
    return window, problems


def archived_dates(store: Store) -> list[str]:
    """Every date with a shard, oldest first."""
    dates = []
    for key in store.keys(PREFIX):
        name = key.rsplit("/", 1)[-1].removesuffix(".jsonl.gz")
        try:
            dates.append(dt.date.fromisoformat(name).isoformat())
        except ValueError:
            continue
    return sorted(dates)
