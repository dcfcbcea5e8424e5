"""Tracks over three consecutive days of multilingual events: continuing, new, returning and rising stories."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tasks.article import Article, Detection, Story, Track, stable_id
from tasks.config import StoriesConfig
from tasks.stages.tracks import (
    Evidence,
    archive_entries,
    candidates,
    link_tracks,
    story_evidence,
)
from tasks.storage.archive import ArchivedStory, read_day, read_window, write_day
from tasks.storage.store import Store

DATA = Path(__file__).resolve().parents[2] / "data" / "tracks" / "days.json"
DATES = {1: "2026-11-23", 2: "2026-11-24", 3: "2026-11-25"}


def corpus() -> tuple[dict[str, Article], dict[int, dict[str, tuple[str, ...]]]]:
    """The articles, and for each day the article ids of each event (the stories grouping would make)."""
    articles: dict[str, Article] = {}
    days: dict[int, dict[str, tuple[str, ...]]] = {1: {}, 2: {}, 3: {}}
    for n, record in enumerate(json.loads(DATA.read_text(encoding="utf-8"))):
        article_id = f"d{record['day']}-{record['event']}-{n}"
        articles[article_id] = Article(
            id=article_id,
            source=f"{article_id}.json",
            format="json",
            title=record["title"],
            body=record["body"],
            outlet=record["outlet"],
            published=f"{DATES[record['day']]}T09:00:00Z",
            detection=Detection(record["lang"], 1.0, True),
        )
        event = days[record["day"]].setdefault(record["event"], ())
        days[record["day"]][record["event"]] = (*event, article_id)
    return articles, days


def day_stories(articles: dict[str, Article], events: dict[str, tuple[str, ...]]) -> list[Story]:
    return [
        Story(id=stable_id(*ids), article_ids=ids, headline=articles[ids[0]].title, rank_score=len(ids))
        for ids in events.values()
    ]


def run_day(store: Store, day: int, config: StoriesConfig) -> dict[str, Story]:
    """One day through the tracker as a run does it: read the window, link, replace the day's shard."""
    articles, days = corpus()
    date = DATES[day]
    window, problems = read_window(store, date, config.track_days)
    assert problems == []
    linked = link_tracks(day_stories(articles, days[day]), window, config, date, articles=articles)
    write_day(store, date, archive_entries(linked, articles, date, config))
    event_of = {i: e for e, ids in days[day].items() for i in ids}
    return {event_of[s.article_ids[0]]: s for s in linked}


@pytest.fixture
def three_days(tmp_path) -> tuple[Store, StoriesConfig, list[dict[str, Story]]]:
    store = Store(str(tmp_path / "store"))
    config = StoriesConfig()
    return store, config, [run_day(store, day, config) for day in (1, 2, 3)]


def test_the_same_event_keeps_its_track_and_counts_its_days(three_days):
    _, _, (day1, day2, day3) = three_days
    strike = [day1["strike"].track, day2["strike"].track, day3["strike"].track]
    assert len({t.id for t in strike}) == 1
    assert [t.day for t in strike] == [1, 2, 3]
    assert {t.first_seen for t in strike} == {DATES[1]}
    assert [t.status for t in strike] == ["new", "developing", "developing"]
    assert strike[1].previous == day1["strike"].id and strike[2].previous == day2["strike"].id
    assert strike[2].dates == (DATES[1], DATES[2])
    assert strike[1].link_score >= StoriesConfig().track_threshold


def test_what_is_new_today_is_against_the_track_s_previous_day(three_days):
    _, _, (_, day2, day3) = three_days
    track = day2["strike"].track
    assert set(track.new_sources) == {"BBC", "Le Monde"}
    assert track.new_languages == ("fr",)
    assert "72" in track.new_anchors and "300" in track.new_anchors
    assert "Rotterdam" not in track.new_anchors  # yesterday's name, not news
    assert set(day3["strike"].track.new_languages) == {"es", "de"}
    # In all three of day 3's articles: news. In one of them only (a weekday, a German noun): not.
    assert "6" in day3["strike"].track.new_anchors
    assert not {"Mittwoch", "Wednesday", "Lohn"} & set(day3["strike"].track.new_anchors)


def test_a_new_event_starts_a_track(three_days):
    _, _, (day1, day2, day3) = three_days
    election = day2["election"].track
    assert election.status == "new" and election.day == 1 and election.first_seen == DATES[2]
    assert election.previous is None
    assert day3["election"].track.id == election.id and day3["election"].track.day == 2
    rates = day3["rates"].track
    assert rates.status == "new" and rates.id not in {s.track.id for s in (*day1.values(), *day2.values())}
    ids = [s.track.id for s in day3.values()]
    assert len(ids) == len(set(ids))  # one story per track a day


def test_an_event_that_pauses_a_day_rejoins_its_track(three_days):
    _, _, (day1, day2, day3) = three_days
    assert "quake" not in day2
    quake = day3["quake"].track
    assert quake.id == day1["quake"].track.id
    assert quake.day == 2 and quake.dates == (DATES[1],)
    assert quake.previous == day1["quake"].id and quake.previous_date == DATES[1]
    assert quake.status == "developing"  # last reported two days ago: shown in full


def test_a_story_whose_coverage_jumps_is_rising_and_ranked_up(three_days):
    _, config, (_, day2, day3) = three_days
    fire = day3["fire"]
    assert fire.track.id == day2["fire"].track.id and fire.track.day == 3
    assert fire.rising is not None and fire.rising.kind == "surge"
    assert fire.rising.articles == 6 and fire.rising.baseline == 1.0 and fire.rising.ratio == 6.0
    assert fire.rank_score == 6 + config.weight_rising
    assert "rising: 6 articles today against 1.0 a day" in fire.reason
    assert day3["strike"].rising is None and day3["quake"].rising is None


def test_a_rerun_of_day_two_gives_the_same_tracks(three_days):
    store, config, (_, day2, _) = three_days
    shard = store.read_bytes("archive/stories/2026-11-24.jsonl.gz")
    again = run_day(store, 2, config)
    assert {e: s.track for e, s in again.items()} == {e: s.track for e, s in day2.items()}
    assert store.read_bytes("archive/stories/2026-11-24.jsonl.gz") == shard
    # Day 3's shard exists, but day 2 never links to it (nor to itself).
    assert all(s.track.previous_date in (None, DATES[1]) for s in again.values())
    assert again["election"].track.status == "new"


def test_a_day_never_links_to_itself_or_later_days(tmp_path):
    articles, days = corpus()
    config = StoriesConfig()
    day2 = day_stories(articles, days[2])
    # Offer the tracker day 2 itself and day 3 as "archive": it must ignore both.
    own = archive_entries(
        link_tracks(day2, [], config, DATES[2], articles=articles), articles, DATES[2], config
    )
    later_stories = link_tracks(day_stories(articles, days[3]), [], config, DATES[3], articles=articles)
    later = archive_entries(later_stories, articles, DATES[3], config)
    linked = link_tracks(day2, [own, later], config, DATES[2], articles=articles)
    assert all(s.track.status == "new" and s.track.previous is None for s in linked)


def test_only_days_inside_the_window_link(tmp_path):
    articles, days = corpus()
    config = StoriesConfig(track_days=1)
    day1 = link_tracks(day_stories(articles, days[1]), [], config, DATES[1], articles=articles)
    archived = archive_entries(day1, articles, DATES[1], config)
    linked = link_tracks(day_stories(articles, days[3]), [archived], config, DATES[3], articles=articles)
    assert all(s.track.status == "new" for s in linked)  # day 1 is two days back: outside a 1-day window


def _evidence(anchors: list[str], size: int = 1, sources=("A",), languages=("en",)) -> Evidence:
    return Evidence(anchors={a: a for a in anchors}, languages=languages, sources=sources, size=size)


def _archived(story_id: str, date: str, anchors: list[str], track_day: int = 1, **extra) -> ArchivedStory:
    track = Track(id=f"t-{story_id}", first_seen=date, day=track_day)
    return ArchivedStory(
        id=story_id,
        date=date,
        headline=story_id,
        size=extra.get("size", 1),
        languages=extra.get("languages", ("en",)),
        sources=extra.get("sources", ("A",)),
        anchors={a: a for a in anchors},
        track=track,
    )


def test_nothing_new_since_yesterday_is_unchanged():
    config = StoriesConfig()
    anchors = ["rtrdm", "fnv", "nkstm", "#2500", "#48"]
    yesterday = [_archived("old", "2026-11-23", anchors)]
    story = Story(id="s", article_ids=("a",), headline="h")
    [same] = link_tracks([story], [yesterday], config, "2026-11-24", evidence=[_evidence(anchors)])
    assert same.track.status == "unchanged" and same.track.id == "t-old"
    [more] = link_tracks([story], [yesterday], config, "2026-11-24", evidence=[_evidence([*anchors, "#72"])])
    assert more.track.status == "developing" and more.track.new_anchors == ("#72",)


def test_a_new_story_larger_than_most_of_today_s_is_rising():
    config = StoriesConfig(rising_percentile=90)
    stories = [Story(id=f"s{n}", article_ids=(f"a{n}",), headline=f"h{n}") for n in range(20)]
    evidence = [_evidence([f"x{n}", f"y{n}"], size=1 + n % 2) for n in range(19)] + [
        _evidence(["big"], size=7)
    ]
    linked = {s.id: s for s in link_tracks(stories, [], config, "2026-11-24", evidence=evidence)}
    assert linked["s19"].rising.kind == "large-new" and linked["s19"].rising.articles == 7
    assert "more than the 90th percentile" in linked["s19"].reason
    assert [s for s in linked.values() if s.rising] == [linked["s19"]]
    assert link_tracks(stories, [], config, "2026-11-24", evidence=evidence)[0].id == "s19"


def test_common_anchors_do_not_link_and_candidates_come_from_the_index():
    config = StoriesConfig(track_anchor_max_stories=3)
    # "#2026" is in every archived story: too common to link by; "quake" is in one.
    archived = [_archived(f"a{n}", "2026-11-23", ["#2026", f"only{n}"]) for n in range(10)]
    archived.append(_archived("hit", "2026-11-23", ["#2026", "quake", "izmr", "#5.8"]))
    scores = candidates(
        [_evidence(["#2026", "quake", "izmr", "#5.8"]), _evidence(["#2026"])], archived, config
    )
    assert set(scores[0]) == {10}
    assert scores[1] == {}


def test_a_linked_track_is_taken_once_the_best_story_wins():
    config = StoriesConfig()
    yesterday = [_archived("old", "2026-11-23", ["rtrdm", "fnv", "nkstm", "#2500", "#48"])]
    stories = [
        Story(id="weak", article_ids=("a",), headline="a"),
        Story(id="strong", article_ids=("b",), headline="b"),
    ]
    evidence = [
        _evidence(["rtrdm", "fnv", "other", "more", "#9"]),
        _evidence(["rtrdm", "fnv", "nkstm", "#2500"]),
    ]
    linked = {s.id: s for s in link_tracks(stories, [yesterday], config, "2026-11-24", evidence=evidence)}
    assert linked["strong"].track.id == "t-old"
    assert linked["weak"].track.id != "t-old" and linked["weak"].track.status == "new"


def test_story_evidence_ranks_anchors_by_members_and_counts_copies():
    articles, days = corpus()
    story = Story(
        id="s", article_ids=days[1]["strike"], headline="h", duplicates={"copy": days[1]["strike"][0]}
    )
    evidence = story_evidence(story, articles)
    assert evidence.size == 4
    # Ranked by the members that carry them; names shown as written.
    counts = [evidence.counts[k] for k in evidence.anchors]
    assert counts == sorted(counts, reverse=True) and counts[0] == 3
    widespread = {evidence.anchors[k] for k in evidence.anchors if evidence.counts[k] == 3}
    assert {"2500", "48", "Rotterdam"} <= widespread
    assert set(evidence.languages) == {"en", "de", "nl"}


def test_archive_round_trips_and_is_replaced(tmp_path):
    store = Store(f"memory://tracks-{dt.datetime.now().timestamp()}")
    articles, days = corpus()
    config = StoriesConfig()
    linked = link_tracks(day_stories(articles, days[1]), [], config, DATES[1], articles=articles)
    entries = archive_entries(linked, articles, DATES[1], config)
    write_day(store, DATES[1], entries)
    assert read_day(store, DATES[1]) == entries
    write_day(store, DATES[1], entries[:1])
    assert read_day(store, DATES[1]) == entries[:1]


def test_anchors_read_before_are_not_read_again():
    articles, days = corpus()
    story = Story(id="s", article_ids=days[1]["strike"], headline="h")
    known = {i: {"only": "Only"} for i in days[1]["strike"]}
    assert story_evidence(story, articles, known=known).anchors == {"only": "Only"}
    partly = {days[1]["strike"][0]: {"only": "Only"}}
    evidence = story_evidence(story, articles, known=partly)
    assert evidence.counts["only"] == 1 and "Rotterdam" in evidence.anchors.values()
