"""Tracks: link today's stories to the stories of the previous days by shared names and numbers; mark rising ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from tasks.article import Article, Rising, Story, Track, stable_id
from tasks.config import StoriesConfig
from tasks.storage.archive import ArchivedStory, read_window, write_day
from tasks.storage.store import Store

# As in grouping: anchor weight added to the smaller side's mass, in typical anchors, so that a story with
# few anchors never links on one shared number.
PRIOR_ANCHORS = 2.0
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Evidence:
    """What a story is about and who covered it: its anchors (most widespread first), languages, sources, size."""

    anchors: dict[str, str]  # anchor key -> shown form
    languages: tuple[str, ...]
    sources: tuple[str, ...]
    size: int
    counts: dict[str, int] = dataclasses.field(default_factory=dict)  # anchor key -> members that carry it
    members: int = 1  # articles, republished copies not included


def article_anchors(article: Article) -> dict[str, str]:
    """Anchor key -> shown form of one article: the same evidence story grouping uses (names and numbers)."""
    # The one place that decides how tracks see an article: grouping's own spelled anchors when it offers
    # them (the linear, cross-script grouping does), else the same keys computed here.
    from tasks.stages import stories

    text = stories.evidence_text(article)
    grouping_anchors = getattr(stories, "article_anchors", None)
    if grouping_anchors is not None:
        found = dict(grouping_anchors(article))
    else:
        found = {stories.name_key(n): n for n in reversed(stories.names_in(text))}
        found.update({f"#{n}": n for n in reversed(stories.numbers_in(text))})
    # Names come folded (`karsıyaka`); show them as the article first wrote them (`Karşıyaka`).
    written: dict[str, str] = {}
    for word in _WORD.findall(text):
        if word[:1].isupper():
            written.setdefault(stories.fold(word), word)
    return {
        key: shown if key.startswith("#") else written.get(shown, shown[:1].upper() + shown[1:])
        for key, shown in found.items()
    }


def source_name(article: Article) -> str:
    """The outlet of an article, else its source file or feed name."""
    return (article.outlet or article.source.rsplit("/", 1)[-1]).strip()


def story_evidence(
    story: Story,
    articles: dict[str, Article],
    limit: int = 80,
    known: Mapping[str, dict[str, str]] | None = None,
) -> Evidence:
    """The evidence of a story from its members: anchors ranked by how many members carry them.

    `known` maps article ids to anchors already read (by grouping, say), so they are not read twice.
    """
    members = [articles[i] for i in story.article_ids if i in articles]
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for member in members:
        found = known[member.id] if known is not None and member.id in known else article_anchors(member)
        counts.update(found.keys())
        for key, text in found.items():
            shown.setdefault(key, text)
    ranked = sorted(counts, key=lambda k: (-counts[k], k))[:limit]
    return Evidence(
        anchors={k: shown[k] for k in ranked},
        languages=tuple(dict.fromkeys(m.lang for m in members)),
        sources=tuple(dict.fromkeys(source_name(m) for m in members)),
        size=len(story.article_ids) + len(story.duplicates),
        counts={k: counts[k] for k in ranked},
        members=len(members),
    )


def archive_entry(story: Story, evidence: Evidence, date: str) -> ArchivedStory:
    """The archive record of a story made on `date`."""
    return ArchivedStory(
        id=story.id,
        date=date,
        headline=story.headline,
        size=evidence.size,
        article_ids=story.article_ids,
        languages=evidence.languages,
        sources=evidence.sources,
        anchors=dict(evidence.anchors),
        track=story.track,
        rising=story.rising,
    )


def archive_entries(
    stories: list[Story],
    articles: dict[str, Article],
    date: str,
    config: StoriesConfig,
    *,
    evidence: list[Evidence] | None = None,
) -> list[ArchivedStory]:
    """The archive records of a day's linked stories (`evidence`, if given, in the stories' order)."""
    if evidence is None:
        evidence = [story_evidence(s, articles, config.track_anchors) for s in stories]
    return [archive_entry(s, e, date) for s, e in zip(stories, evidence, strict=True)]


def track_day(
    stories: list[Story],
    articles: dict[str, Article],
    archive: Store,
    date: str,
    config: StoriesConfig,
    *,
    write: bool = True,
    anchors: Mapping[str, dict[str, str]] | None = None,
) -> tuple[list[Story], list[str]]:
    """Link a day's stories to the archive's previous days, then replace the day's shard (when `write`).

    `anchors`: article id -> anchors already read, if the caller has them. Returns the linked stories
    (ranked) and the archive shards that could not be read.
    """
    window, problems = read_window(archive, date, config.track_days)
    evidence = {s.id: story_evidence(s, articles, config.track_anchors, anchors) for s in stories}
    linked = link_tracks(stories, window, config, date, evidence=[evidence[s.id] for s in stories])
    if write:
        entries = [archive_entry(s, evidence[s.id], date) for s in linked]
        write_day(archive, date, entries)
    return linked, problems


def _weights(today: list[Evidence], archived: list[ArchivedStory]) -> dict[str, float]:
    """IDF² of every anchor over the stories in view (today's and the window's), as grouping weighs anchors."""
    frequency: Counter[str] = Counter()
    for evidence in today:
        frequency.update(evidence.anchors.keys())
    for story in archived:
        frequency.update(story.anchors.keys())
    total = len(today) + len(archived)
    return {a: (math.log((1 + total) / (1 + n)) + 1) ** 2 for a, n in frequency.items()}


def candidates(
    today: list[Evidence], archived: list[ArchivedStory], config: StoriesConfig
) -> list[dict[int, float]]:
    """For each of today's stories, the archived stories (by index) it overlaps and the overlap score.

    Linear: an inverted index from anchor to archived stories, skipping anchors found in too many of them.
    """
    weights = _weights(today, archived)
    typical = sum(weights.values()) / len(weights) if weights else 1.0
    index: dict[str, list[int]] = defaultdict(list)
    for position, story in enumerate(archived):
        for anchor in story.anchors:
            index[anchor].append(position)
    mass = [sum(weights[a] for a in story.anchors) for story in archived]
    scores: list[dict[int, float]] = []
    for evidence in today:
        shared: dict[int, float] = defaultdict(float)
        for anchor in evidence.anchors:
            postings = index.get(anchor, ())
            if len(postings) > config.track_anchor_max_stories:
                continue
            for position in postings:
                shared[position] += weights[anchor]
        own = sum(weights[a] for a in evidence.anchors)
        scores.append(
            {
                p: w / (min(own, mass[p]) + PRIOR_ANCHORS * typical)
                for p, w in shared.items()
                if w / (min(own, mass[p]) + PRIOR_ANCHORS * typical) >= config.track_threshold
            }
        )
    return scores


def _percentile(values: list[int], percent: float) -> float:
    """Linear-interpolated percentile (as numpy's default) of a non-empty list."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * percent / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rising(size: int, history: list[int], today_threshold: float, config: StoriesConfig) -> Rising | None:
    if size < config.rising_min_articles:
        return None
    if history:
        average = sum(history) / len(history)
        if size >= config.rising_factor * average:
            return Rising(
                kind="surge",
                articles=size,
                baseline=round(average, 2),
                ratio=round(size / average, 2),
                reason=f"rising: {size} articles today against {average:.1f} a day on its "
                f"{len(history)} earlier day(s) (x{size / average:.1f})",
            )
        return None
    if size > today_threshold:
        ratio = size / today_threshold if today_threshold else float(size)
        return Rising(
            kind="large-new",
            articles=size,
            baseline=round(today_threshold, 2),
            ratio=round(ratio, 2),
            reason=f"rising: a new story with {size} articles, more than the "
            f"{config.rising_percentile:g}th percentile of today's stories ({today_threshold:.1f})",
        )
    return None


def _whats_new(evidence: Evidence, previous: ArchivedStory) -> dict[str, tuple[str, ...]]:
    """New sources, languages, and names or numbers since the track's previous day.

    In a story of several articles only names and numbers that two or more carry count: one article's
    passing mention (a weekday, a capitalised German noun) is not news.
    """
    return {
        "new_sources": tuple(s for s in evidence.sources if s not in set(previous.sources)),
        "new_languages": tuple(lang for lang in evidence.languages if lang not in set(previous.languages)),
        "new_anchors": tuple(
            shown
            for key, shown in evidence.anchors.items()
            if key not in previous.anchors and evidence.counts.get(key, 2) >= min(2, evidence.members)
        )[:8],
    }


def link_tracks(
    stories: list[Story],
    archive_days: list[list[ArchivedStory]],
    config: StoriesConfig,
    date: str,
    *,
    articles: dict[str, Article] | None = None,
    evidence: list[Evidence] | None = None,
) -> list[Story]:
    """Today's stories with `track` and `rising` set, rising ones ranked up; `archive_days` are earlier days only.

    Each story continues the best-overlapping track of the window (at most one story per track), else starts
    one. Give `articles` (the members) or the stories' precomputed `evidence`, in the stories' order.
    """
    if evidence is None:
        if articles is None:
            raise ValueError("link_tracks needs the member articles or the stories' evidence")
        evidence = [story_evidence(s, articles, config.track_anchors) for s in stories]
    today = dt.date.fromisoformat(date)
    earliest = (today - dt.timedelta(days=config.track_days)).isoformat()
    # Never link a day to itself or to a later day, whatever the caller passed.
    archived = [s for day in archive_days for s in day if earliest <= s.date < date and s.track is not None]
    latest: dict[str, ArchivedStory] = {}
    history: dict[str, list[int]] = defaultdict(list)
    for story in sorted(archived, key=lambda s: (s.date, s.id)):
        latest[story.track.id] = story
        history[story.track.id].append(story.size)

    pairs: dict[tuple[int, str], float] = {}
    for position, found in enumerate(candidates(evidence, archived, config)):
        for index, score in found.items():
            key = (position, archived[index].track.id)
            pairs[key] = max(pairs.get(key, 0.0), score)
    # Best pairs first, one story per track and one track per story; ties broken by ids so reruns agree.
    taken_stories: dict[int, tuple[str, float]] = {}
    taken_tracks: set[str] = set()
    for (position, track_id), score in sorted(
        pairs.items(), key=lambda kv: (-kv[1], stories[kv[0][0]].id, kv[0][1])
    ):
        if position in taken_stories or track_id in taken_tracks:
            continue
        taken_stories[position] = (track_id, score)
        taken_tracks.add(track_id)

    sizes = [e.size for e in evidence]
    large = _percentile(sizes, config.rising_percentile) if sizes else 0.0
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    linked = []
    for position, (story, found) in enumerate(zip(stories, evidence, strict=True)):
        if position in taken_stories:
            track_id, score = taken_stories[position]
            previous = latest[track_id]
            new = _whats_new(found, previous)
            rising = _rising(found.size, history[track_id], large, config)
            unchanged = previous.date == yesterday and not any(new.values()) and rising is None
            track = Track(
                id=track_id,
                first_seen=previous.track.first_seen,
                day=previous.track.day + 1,
                previous=previous.id,
                previous_date=previous.date,
                link_score=round(score, 4),
                dates=(*previous.track.dates, previous.date),
                status="unchanged" if unchanged else "developing",
                **new,
            )
        else:
            track = Track(id=stable_id("track", date, story.id), first_seen=date)
            rising = _rising(found.size, [], large, config)
        linked.append(_ranked(story, track, rising, config))
    return sorted(linked, key=lambda s: (-s.rank_score, s.headline, s.id))


def _ranked(story: Story, track: Track, rising: Rising | None, config: StoriesConfig) -> Story:
    if track.status == "new":
        why = "new track"
    else:
        why = f"track day {track.day} since {track.first_seen} (link {track.link_score:.2f})"
    score = story.rank_score
    if rising is not None:
        score = round(score + config.weight_rising, 4)
        why += f"; {rising.reason}, +{config.weight_rising:g}"
    reason = f"{story.reason}; {why}" if story.reason else why
    return dataclasses.replace(story, track=track, rising=rising, rank_score=score, reason=reason)


def live_tracks(archive_days: list[list[ArchivedStory]]) -> list[dict]:
    """The tracks seen in the given days, each with its latest story: most recently seen first, then largest."""
    latest: dict[str, ArchivedStory] = {}
    for story in sorted((s for day in archive_days for s in day if s.track), key=lambda s: (s.date, s.id)):
        latest[story.track.id] = story
    rows = [
        {
            "track": s.track.id,
            "first_seen": s.track.first_seen,
            "last_seen": s.date,
            "days": s.track.day,
            "articles": s.size,
            "languages": list(s.languages),
            "rising": s.rising.reason if s.rising else None,
            "story": s.id,
            "headline": s.headline,
        }
        for s in latest.values()
    ]
    return sorted(rows, key=lambda r: (r["last_seen"], r["articles"], r["track"]), reverse=True)
