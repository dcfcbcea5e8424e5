"""Story grouping at news volume: build_stories on synthetic multilingual days of 1,000 to 50,000 articles.

Each size runs in its own process (peak RSS is that size's alone). A day has events reported in 1 to 10
languages (Latin, Cyrillic, Greek and Arabic scripts), sharing names and numbers written each language's way,
names and numbers common to many events (a year, famous people), filler from each language's common words, and
about 10% republished copies with site chrome. Prints wall and CPU time, peak RSS, stories found, B-cubed F1
against the generated events, and the growth exponent between the two largest sizes.

Run: .venv/bin/python benchmarks/stories.py [--sizes 1000 10000 50000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.article import Article, Detection

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk", "el", "ar")
_CYRILLIC = dict(zip("abvgdezijklmnoprstufhcy", "абвгдезийклмнопрстуфхцы", strict=True))
_GREEK = dict(zip("abgdezhiklmnoprstyfx", "αβγδεζηικλμνοπρστυφχ", strict=True))
_ARABIC = dict(zip("btjhdrzsfqklmnhwy", "بتجحدرزسفقكلمنهوي", strict=True))
_SCALE_WORDS = {"en": "million", "de": "Millionen", "fr": "millions", "es": "millones", "it": "milioni",
                "pt": "milhões", "nl": "miljoen", "pl": "milionów", "ru": "млн", "uk": "млн", "el": "εκατ.",
                "ar": "مليون"}  # fmt: skip


def render_name(name: str, lang: str) -> str:
    """A Latin name as the language's script writes it (letter by letter; Arabic drops vowels)."""
    if lang in ("ru", "uk"):
        return "".join(_CYRILLIC.get(c, c) for c in name.lower()).capitalize()
    if lang == "el":
        return "".join(_GREEK.get(c, c) for c in name.lower()).capitalize()
    if lang == "ar":
        return "".join(_ARABIC.get(c, "") for c in name.lower() if c not in "aeiou")
    return name


def render_number(value: float, lang: str) -> str:
    """A number in the language's notation: 2,500 / 2.500 / 2 500, or `2.5 million` with a scale word."""
    if value >= 1_000_000:
        short = f"{value / 1_000_000:g}"
        return (short if lang == "en" else short.replace(".", ",")) + " " + _SCALE_WORDS[lang]
    text = f"{int(value):,}"
    return (
        text
        if lang == "en"
        else text.replace(",", {"fr": " ", "ru": " ", "uk": " ", "pl": " "}.get(lang, "."))
    )


def syllable_name(rng: random.Random) -> str:
    """A pronounceable made-up name (`Kadorin`)."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4))).capitalize()


def corpus(n: int, seed: int = 7) -> tuple[list[Article], dict[str, str]]:
    """`n` articles of one synthetic day and the event of each."""
    from wordfreq import top_n_list

    rng = random.Random(seed)
    filler = {lang: [w for w in top_n_list(lang, 3000) if w.isalpha()][50:] for lang in LANGUAGES}
    famous = [syllable_name(rng) for _ in range(60)]
    articles: list[Article] = []
    events: dict[str, str] = {}
    event = 0
    while len(articles) < n:
        event += 1
        names = [syllable_name(rng) for _ in range(rng.randint(2, 4))] + rng.sample(famous, 1)
        numbers = [rng.choice([rng.randint(100, 99_999), rng.randint(2, 40) * 100_000]) for _ in range(3)]
        numbers.append(rng.choice([2026, 2025, 10, 12, 3]))
        hour = rng.uniform(0, 24)
        for lang in rng.sample(LANGUAGES, rng.choice([1, 1, 2, 3, 4, 6, 8, 10])):
            words = rng.sample(filler[lang], 160)
            anchors = [render_name(x, lang) for x in names] + [render_number(v, lang) for v in numbers]
            for anchor in anchors:
                words.insert(rng.randrange(1, len(words)), anchor)
            sentences = [" ".join(words[i : i + 16]).capitalize() + "." for i in range(0, len(words), 16)]
            article_id = f"e{event}-{lang}"
            articles.append(
                Article(
                    id=article_id,
                    source=f"{article_id}.txt",
                    format="txt",
                    title=" ".join(words[:8]).capitalize(),
                    body=" ".join(sentences),
                    published=f"2026-11-18T{int(hour + rng.uniform(0, 3)) % 24:02d}:{rng.randint(0, 59):02d}:00Z",
                    detection=Detection(lang, 1.0, True),
                )
            )
            events[article_id] = f"e{event}"
            if rng.random() < 0.11:  # a republished copy with chrome around it
                copy = articles[-1]
                chrome = " ".join(rng.sample(filler[lang], 20))
                articles.append(
                    Article(
                        id=f"{article_id}-copy",
                        source=f"{article_id}-copy.html",
                        format="html",
                        title=copy.title,
                        body=f"{copy.body}\n\n{chrome}",
                        published=copy.published,
                        detection=copy.detection,
                    )
                )
                events[f"{article_id}-copy"] = f"e{event}"
    return articles[:n], {a.id: events[a.id] for a in articles[:n]}


def bcubed_f1(groups: list[list[str]], events: dict[str, str]) -> float:
    """B-cubed F1 of the stories against the generated events."""
    story = {a: k for k, group in enumerate(groups) for a in group}
    sizes: dict[int, int] = {}
    per_event: dict[str, int] = {}
    both: dict[tuple[int, str], int] = {}
    for article, k in story.items():
        sizes[k] = sizes.get(k, 0) + 1
        per_event[events[article]] = per_event.get(events[article], 0) + 1
        both[(k, events[article])] = both.get((k, events[article]), 0) + 1
    precision = sum(both[(k, events[a])] / sizes[k] for a, k in story.items()) / len(story)
    recall = sum(both[(k, events[a])] / per_event[events[a]] for a, k in story.items()) / len(story)
    return 2 * precision * recall / (precision + recall)


def measure(n: int) -> dict:
    """Build the corpus, then time build_stories on it (this process's figures)."""
    from tasks.stages.stories import build_stories

    articles, events = corpus(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    stories = build_stories(articles)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    groups = [list(s.article_ids) + list(s.duplicates) for s in stories]
    return {
        "articles": n,
        "events": len(set(events.values())),
        "stories": len(stories),
        "copies": sum(len(s.duplicates) for s in stories),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "corpus_rss_mib": round(before / 1024),
        "bcubed_f1": round(bcubed_f1(groups, events), 3),
    }


def main() -> None:
    """Run each size in a fresh process and print a table with the growth exponent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    rows = []
    print(
        "| articles | events | stories | copies | wall s | CPU s | peak RSS MiB | corpus RSS MiB | B-cubed F1 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"| {row['articles']:,} | {row['events']:,} | {row['stories']:,} | {row['copies']:,} | "
            f"{row['wall_s']} | {row['cpu_s']} | {row['peak_rss_mib']} | {row['corpus_rss_mib']} | "
            f"{row['bcubed_f1']} |",
            flush=True,
        )
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        exponent = math.log(b["wall_s"] / a["wall_s"]) / math.log(b["articles"] / a["articles"])
        cpu = math.log(b["cpu_s"] / a["cpu_s"]) / math.log(b["articles"] / a["articles"])
        print(f"growth exponent {a['articles']:,} -> {b['articles']:,}: wall {exponent:.2f}, CPU {cpu:.2f}")


if __name__ == "__main__":
    main()
