"""Tracks: D days x N synthetic articles a day through the tracker (anchors, linking, archive), time and memory.

Run: .venv/bin/python benchmarks/tracks.py [--days 7] [--articles 10000] [--seed 1] [--store DIR]
     [--anchor-max-stories 50]

Each day is a set of stories (events reported by 1 to 40 articles in 8 languages, sharing invented names and
numbers); about 60 % of a day's events continue the next day with new numbers and sources, a few surge, the
rest stop, and new events start. Every article also carries anchors common to all (weekdays, the year, an
agency), which the tracker must ignore. Per day it prints the seconds of `track_day` (anchors of every
article, the linking, the archive write), the Python heap peak of that call (tracemalloc), the process RSS,
how many stories continued a track, how many of those continued their own event's track, and how many
continuing events were missed (started a new track).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.article import Article, Detection, Story, stable_id  # noqa: E402
from tasks.config import StoriesConfig  # noqa: E402
from tasks.stages import tracks  # noqa: E402
from tasks.storage.store import Store  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl")
FILLER = {
    "en": "officials said on the day that the situation was being watched closely by the local authorities",
    "de": "die behörden teilten mit dass die lage von den örtlichen stellen genau beobachtet werde",
    "fr": "les autorités ont indiqué que la situation était suivie de près par les services locaux",
    "es": "las autoridades dijeron que la situación estaba siendo vigilada de cerca por los servicios",
    "it": "le autorità hanno detto che la situazione era seguita da vicino dai servizi locali",
    "nl": "de autoriteiten zeiden dat de situatie nauwlettend werd gevolgd door de lokale diensten",
    "pt": "as autoridades disseram que a situação estava a ser acompanhada de perto pelos serviços",
    "pl": "władze poinformowały że sytuacja jest uważnie obserwowana przez lokalne służby",
}
SYLLABLES = ("ka", "lo", "mi", "ra", "tu", "ve", "zen", "dor", "bal", "rin", "sat")
SYLLABLES += ("mor", "pel", "gan", "fis", "tob", "lur", "quen", "vad", "nik", "sor", "hel")
COMMON = ("Monday", "Reuters", "Europe")


def invented_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


class Event:
    """One event: its names and numbers, which grow a little each day it runs."""

    def __init__(self, rng: random.Random, serial: int) -> None:
        self.id = f"e{serial}"
        self.names = [invented_name(rng) for _ in range(rng.randint(3, 6))]
        self.numbers = [str(rng.randint(10, 99999)) for _ in range(rng.randint(2, 4))]
        self.size = max(1, min(40, int(rng.expovariate(1 / 5))))

    def next_day(self, rng: random.Random) -> None:
        self.numbers.append(str(rng.randint(10, 99999)))
        if rng.random() < 0.5:
            self.names.append(invented_name(rng))
        if rng.random() < 0.03:
            self.size = min(200, self.size * 5)  # a surge
        else:
            self.size = max(1, int(self.size * rng.uniform(0.5, 1.5)))


def article_text(rng: random.Random, event: Event, lang: str) -> tuple[str, str]:
    words = FILLER[lang].split()
    names = rng.sample(event.names, k=min(len(event.names), rng.randint(3, 5)))
    numbers = rng.sample(event.numbers, k=min(len(event.numbers), 2))
    parts = []
    for n, name in enumerate(names):
        parts.append(" ".join(words[n : n + 6]) + f" {name} " + " ".join(words[n + 6 : n + 10]))
    body = (
        f"On {COMMON[0]} {parts[0]} with {numbers[0]} people. "
        + ". ".join(f"The {p}" if lang == "en" else f"Le {p}" for p in parts[1:])
        + f", {COMMON[1]} said in {COMMON[2]}, citing {numbers[-1]} and 2026."
    )
    return f"{names[0]} {numbers[0]} {' '.join(words[:5])}", body


def make_day(
    rng: random.Random, events: list[Event], day: int, target: int, serial: list[int]
) -> tuple[list[Event], list[Story], dict[str, Article], dict[str, str]]:
    """The day's events (continuing and new) up to about `target` articles, as stories with their articles."""
    kept = []
    for event in events:
        if rng.random() < 0.6:
            event.next_day(rng)
            kept.append(event)
    total = sum(e.size for e in kept)
    while total < target:
        serial[0] += 1
        event = Event(rng, serial[0])
        kept.append(event)
        total += event.size
    stories, articles, event_of = [], {}, {}
    for event in kept:
        ids = []
        for n in range(event.size):
            lang = rng.choice(LANGUAGES)
            title, body = article_text(rng, event, lang)
            article_id = stable_id(str(day), event.id, str(n))
            articles[article_id] = Article(
                id=article_id,
                source=f"{article_id}.txt",
                format="txt",
                title=title,
                body=body,
                outlet=f"outlet{rng.randint(1, 300)}",
                detection=Detection(lang, 1.0, True),
            )
            ids.append(article_id)
        story = Story(id=stable_id(*ids), article_ids=tuple(ids), headline=articles[ids[0]].title)
        stories.append(story)
        event_of[story.id] = event.id
    return kept, stories, articles, event_of


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", default="", help="Archive store (default: a temporary folder).")
    parser.add_argument("--anchor-max-stories", type=int, default=StoriesConfig().track_anchor_max_stories)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    config = StoriesConfig(track_anchor_max_stories=args.anchor_max_stories)
    store = Store(args.store or tempfile.mkdtemp(prefix="tracks-bench-"))
    start = dt.date(2026, 11, 1)
    events: list[Event] = []
    serial = [0]
    track_of_event: dict[str, str] = {}
    print(
        f"{'day':>3} {'articles':>8} {'stories':>7} {'archived':>8} {'seconds':>7} {'heap MiB':>8} "
        f"{'RSS MiB':>7} {'linked':>6} {'right':>6} {'missed':>6} {'rising':>6}"
    )
    seconds = []
    for day in range(args.days):
        date = (start + dt.timedelta(days=day)).isoformat()
        events, stories, articles, event_of = make_day(rng, events, day, args.articles, serial)
        archived = sum(len(d) for d in tracks.read_window(store, date, config.track_days)[0])
        tracemalloc.start()
        began = time.perf_counter()
        linked, _ = tracks.track_day(stories, articles, store, date, config)
        elapsed = time.perf_counter() - began
        heap = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        # tracemalloc slows Python allocations: time a second, untraced pass over the same day (the same
        # archive window; the rerun replaces the day's shard with identical bytes).
        began = time.perf_counter()
        linked, _ = tracks.track_day(stories, articles, store, date, config)
        elapsed = time.perf_counter() - began
        seconds.append(elapsed)
        continued = [s for s in linked if s.track.status != "new"]
        right = sum(track_of_event.get(event_of[s.id]) == s.track.id for s in continued)
        missed = sum(s.track.status == "new" and event_of[s.id] in track_of_event for s in linked)
        for story in linked:
            track_of_event.setdefault(event_of[story.id], story.track.id)
        rising = sum(s.rising is not None for s in linked)
        print(
            f"{day + 1:>3} {len(articles):>8} {len(stories):>7} {archived:>8} {elapsed:>7.2f} {heap:>8.1f} "
            f"{rss_mib():>7.0f} {len(continued):>6} {right:>6} {missed:>6} {rising:>6}"
        )
    print(f"median seconds per day: {statistics.median(seconds):.2f}; peak RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
