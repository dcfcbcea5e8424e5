"""The story archive: one shard per day, replaced on rerun, read over a window of earlier days only."""

from __future__ import annotations

import gzip
import uuid

import pytest

from tasks.article import Rising, Track
from tasks.storage.archive import (
    ArchivedStory,
    ArchiveError,
    archived_dates,
    read_day,
    read_window,
    shard_key,
    window_dates,
    write_day,
)
from tasks.storage.store import Store


def story(story_id: str, date: str, **extra) -> ArchivedStory:
    return ArchivedStory(
        id=story_id,
        date=date,
        headline=f"Headline {story_id} — Zürich",
        size=3,
        article_ids=("a", "b", "c"),
        languages=("de", "en"),
        sources=("NZZ", "Reuters"),
        anchors={"zrh": "Zürich", "#2.5": "2.5"},
        track=Track(id="t1", first_seen="2026-11-20", day=2, previous="p", dates=("2026-11-20",)),
        **extra,
    )


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path) -> Store:
    return Store(
        str(tmp_path / "store") if request.param == "local" else f"memory://archive-{uuid.uuid4().hex}"
    )


def test_a_day_round_trips_with_its_track_and_rising(store):
    rising = Rising(kind="surge", articles=6, baseline=1.5, ratio=4.0, reason="rising")
    stories = [story("s1", "2026-11-24", rising=rising), story("s2", "2026-11-24")]
    key = write_day(store, "2026-11-24", stories)
    assert key == "archive/stories/2026-11-24.jsonl.gz"
    assert read_day(store, "2026-11-24") == stories
    lines = gzip.decompress(store.read_bytes(key)).decode().splitlines()
    assert len(lines) == 2 and "Zürich" in lines[0]  # one compact line per story, text as written


def test_a_rerun_replaces_the_day_and_writes_the_same_bytes(store):
    write_day(store, "2026-11-24", [story("s1", "2026-11-24"), story("s2", "2026-11-24")])
    first = store.read_bytes(shard_key("2026-11-24"))
    write_day(store, "2026-11-24", [story("s1", "2026-11-24")])
    assert [s.id for s in read_day(store, "2026-11-24")] == ["s1"]
    write_day(store, "2026-11-24", [story("s1", "2026-11-24"), story("s2", "2026-11-24")])
    assert store.read_bytes(shard_key("2026-11-24")) == first
    assert store.keys("archive/stories") == ["archive/stories/2026-11-24.jsonl.gz"]  # no temporary left


def test_the_window_is_the_days_before_never_the_day_or_later(store):
    for date in ("2026-11-20", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"):
        write_day(store, date, [story(f"s-{date}", date)])
    window, problems = read_window(store, "2026-11-24", 3)
    assert problems == []
    assert [[s.date for s in day] for day in window] == [[], ["2026-11-22"], ["2026-11-23"]]
    assert window_dates("2026-03-01", 2) == ["2026-02-27", "2026-02-28"]
    assert archived_dates(store) == ["2026-11-20", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]


def test_an_unreadable_shard_is_reported_and_counts_as_an_empty_day(store):
    write_day(store, "2026-11-22", [story("good", "2026-11-22")])
    store.write_bytes(shard_key("2026-11-23"), b"not gzip at all")
    with pytest.raises(ArchiveError, match=r"2026-11-23\.jsonl\.gz: unreadable archive shard"):
        read_day(store, "2026-11-23")
    window, problems = read_window(store, "2026-11-24", 2)
    assert [[s.id for s in day] for day in window] == [["good"], []]
    assert len(problems) == 1 and "2026-11-23.jsonl.gz" in problems[0]


def test_a_shard_of_another_format_is_an_error_not_a_crash(store):
    store.write_bytes(shard_key("2026-11-23"), gzip.compress(b'{"id": 1}\n'))
    with pytest.raises(ArchiveError):
        read_day(store, "2026-11-23")


def test_dates_are_checked_so_keys_stay_in_the_archive(store):
    with pytest.raises(ValueError):
        shard_key("../../etc/passwd")
    with pytest.raises(ValueError, match="must carry that date"):
        write_day(store, "2026-11-24", [story("s1", "2026-11-23")])
