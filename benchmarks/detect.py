"""Language identification: accuracy per language and kind on the labelled sets, and the detect stage's speed.

Run: .venv/bin/python benchmarks/detect.py [--compare] [--generated] [--loading] [--code DIR]
     .venv/bin/python benchmarks/detect.py --speed [--code DIR]   (DIR: another checkout, e.g. an earlier commit)
     .venv/bin/python benchmarks/detect.py --split
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "detect"
SEEDS = ROOT / "seeds"
# Scripts without spaces between words: a phrase there is a few characters, and windows need spaces.
UNSPACED = {"ja", "th", "zh"}
THRESHOLD = 0.7
# Candidate combinations: weights of each detector's log-probabilities (a product of experts).
COMBINATIONS = {
    "langdetect": {"langdetect": 1.0},
    "fastText lite": {"fasttext": 1.0},
    "lingua": {"lingua": 1.0},
    "words": {"words": 1.0},
    "lingua + fastText^0.5 + langdetect^0.25 (before)": {"lingua": 1.0, "fasttext": 0.5, "langdetect": 0.25},
    "lingua + words^0.5 + fastText^0.5 + langdetect^0.25": {
        "lingua": 1.0,
        "words": 0.5,
        "fasttext": 0.5,
        "langdetect": 0.25,
    },
    "lingua + words + fastText^0.5 + langdetect^0.25": {
        "lingua": 1.0,
        "words": 1.0,
        "fasttext": 0.5,
        "langdetect": 0.25,
    },
    "lingua + words^2 + fastText^0.5 + langdetect^0.25 (chosen)": {
        "lingua": 1.0,
        "words": 2.0,
        "fasttext": 0.5,
        "langdetect": 0.25,
    },
    "lingua + words^2 + fastText^0.5": {"lingua": 1.0, "words": 2.0, "fasttext": 0.5},
    "lingua + words^3 + fastText^0.5 + langdetect^0.25": {
        "lingua": 1.0,
        "words": 3.0,
        "fasttext": 0.5,
        "langdetect": 0.25,
    },
}


def load_tsv(name: str) -> list[tuple[str, str]]:
    """`(lang, text)` rows of a labelled file."""
    rows = (line.split("\t", 1) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line)
    return [(lang, text) for lang, text in rows]


def windows(rows: list[tuple[str, str]], size: int, per_text: int, seed: int) -> list[tuple[str, str]]:
    """Random lowercase windows of `size` words of longer texts (seeded): short text the data did not list."""
    rng = random.Random(seed)
    out = []
    for lang, text in rows:
        words = [w.strip('.,;:!?«»"()“”„') for w in text.lower().split()]
        words = [w for w in words if w and not w.isdigit()]
        if lang in UNSPACED or len(words) <= size:
            continue
        for _ in range(per_text):
            start = rng.randint(0, len(words) - size)
            out.append((lang, " ".join(words[start : start + size])))
    return out


def generated_phrases(languages: list[str], per_language: int = 40) -> list[tuple[str, str]]:
    """Two random words among a language's 300 most frequent (wordfreq): not independent of the word expert."""
    import wordfreq

    from tasks.stages.detect.detectors import _WORDLIST

    rng = random.Random(7)
    out = []
    for lang in languages:
        name = _WORDLIST.get(lang, lang)
        if lang in UNSPACED or name not in wordfreq.available_languages():
            continue
        top = [w for w in wordfreq.top_n_list(name, 300) if w.isalpha() and len(w) > 2]
        out.extend((lang, " ".join(rng.sample(top, 2))) for _ in range(per_language))
    return out


def kinds() -> dict[str, list[tuple[str, str]]]:
    """The labelled sets: hand-written (held out from any choice) and derived windows (used for choices)."""
    paragraphs, sentences = load_tsv("paragraphs.tsv"), load_tsv("sentences.tsv")
    phrases = load_tsv("phrases.tsv")
    two_words = [(lang, " ".join(text.split()[:2])) for lang, text in phrases if lang not in UNSPACED]
    return {
        "sentences": sentences,
        "paragraphs": paragraphs,
        "headlines": load_tsv("headlines.tsv"),
        "phrases": phrases,
        "two-word phrases": two_words,
        "2-word windows": windows(sentences + paragraphs, 2, 3, 1),
        "3-word windows": windows(sentences + paragraphs, 3, 3, 2),
    }


def evaluate(sets: dict[str, list[tuple[str, str]]]) -> tuple[dict, Counter]:
    """`[correct, total]` per kind and language (an `und` answer counts as wrong), and the confusions."""
    from tasks.stages.detect import detect_language

    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    confusions: Counter[tuple[str, str]] = Counter()
    for kind, rows in sets.items():
        for lang, text in rows:
            found = detect_language(text).lang
            cell = scores[kind][lang]
            cell[0] += found == lang
            cell[1] += 1
            if found != lang and kind in ("phrases", "two-word phrases", "sentences"):
                confusions[(lang, found)] += 1
            # The same counted with Croatian, Serbian and Bosnian as one language.
            scores[f"{kind} (hr = sr = bs)"][lang][0] += found == lang or {found, lang} <= {"hr", "sr", "bs"}
            scores[f"{kind} (hr = sr = bs)"][lang][1] += 1
    return scores, confusions


def mixed_scores() -> tuple[int, int]:
    """Segments of the mixed paragraphs whose language the span at their middle gets right."""
    from tasks.stages.detect import detect_spans

    right = total = 0
    for line in (DATA / "mixed.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = " ".join(segment for _, segment in record["segments"])
        spans = detect_spans(text)
        offset = 0
        for lang, segment in record["segments"]:
            middle = offset + len(segment) // 2
            found = next((s[2] for s in spans if s[0] <= middle < s[1]), "und")
            right += found == lang
            total += 1
            offset += len(segment) + 1
    return right, total


def compare(sets: dict[str, list[tuple[str, str]]], languages: tuple[str, ...]) -> None:
    """Accuracy of each candidate combination at the threshold, every detector on every text (no shortcut)."""
    from tasks.stages.detect.detectors import combine, detector_answers
    from tasks.stages.detect.language import MAX_CHARS, best_language
    from tasks.stages.detect.scripts import candidate_languages, dominant_script

    answers = {}
    for kind, rows in sets.items():
        answers[kind] = []
        for lang, text in rows:
            candidates = candidate_languages(dominant_script(text), languages)
            found = detector_answers(text[:MAX_CHARS], languages) if len(candidates) > 1 else None
            answers[kind].append((lang, candidates, found))
    print(f"| combination | {' | '.join(sets)} | wrong and reliable |")
    print(f"| --- | {' | '.join('---' for _ in sets)} | --- |")
    for name, weights in COMBINATIONS.items():
        cells, confident_wrong = [], 0
        for rows in answers.values():
            right = 0
            for lang, candidates, found in rows:
                probabilities = (
                    combine(found, candidates, weights) if found else dict.fromkeys(candidates, 1.0)
                )
                guess, probability = best_language(probabilities)
                reliable = probability >= THRESHOLD
                right += reliable and guess == lang
                confident_wrong += reliable and guess != lang
            cells.append(f"{right / len(rows):.1%}")
        print(f"| {name} | {' | '.join(cells)} | {confident_wrong} |")


def news_corpus() -> list[dict]:
    """News-like articles: the seeds, and bodies of 6 to 10 distinct paragraphs of the labelled set."""
    rng = random.Random(11)
    articles = []
    from tasks.stages.ingest import ingest

    for article in ingest(sorted(SEEDS.iterdir())).articles:
        articles.append({"title": article.title, "body": article.body, "lang_hint": article.lang_hint})
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lang, text in load_tsv("paragraphs.tsv"):
        by_lang[lang].append(text)
    headlines: dict[str, list[str]] = defaultdict(list)
    for lang, text in load_tsv("headlines.tsv"):
        headlines[lang].append(text)
    for lang, paragraphs in sorted(by_lang.items()):
        for _ in range(8):
            body = "\n\n".join(rng.sample(paragraphs, rng.randint(6, 10)))
            articles.append({"title": rng.choice(headlines[lang]), "body": body, "lang_hint": None})
    sentences: dict[str, list[str]] = defaultdict(list)
    for lang, text in load_tsv("sentences.tsv"):
        sentences[lang].append(text)
    for lang, rows in sorted(sentences.items()):
        if lang not in by_lang:
            body = " ".join(rows[1:4]) + "\n\n" + " ".join(rows[4:])
            articles.append({"title": rows[0], "body": body, "lang_hint": None})
    for line in (DATA / "mixed.jsonl").read_text(encoding="utf-8").splitlines():
        segments = json.loads(line)["segments"]
        articles.append({"title": "", "body": " ".join(text for _, text in segments), "lang_hint": None})
    return articles


def speed(repeats: int = 3, low: bool = False) -> None:
    """Articles per CPU second of the detect stage on one core, models loaded (median of `repeats` passes)."""
    from tasks.article import Article
    from tasks.config import DetectConfig
    from tasks.stages.detect import detect_articles

    # The earlier commit's config has no `lingua_accuracy`: set it only when asked.
    config = DetectConfig(lingua_accuracy="low") if low else DetectConfig()
    articles = [
        Article(id=str(i), source="bench", format="txt", **fields) for i, fields in enumerate(news_corpus())
    ]
    detect_articles(articles, config)  # models loaded, caches warm as in a long run
    times = []
    for _ in range(repeats):
        # Each pass sees fresh bodies (a changed character), as a real run does: nothing cached between passes.
        fresh = [Article(**{**a.__dict__, "body": a.body + f" {len(times)}"}) for a in articles]
        start = time.process_time()  # CPU time: the machine may be shared, wall time is noisy
        detect_articles(fresh, config)
        times.append(time.process_time() - start)
    seconds = statistics.median(times)
    chars = statistics.mean(len(a.body) for a in articles)
    print(
        f"{len(articles)} articles (mean body {chars:.0f} characters), {len(config.languages)} languages{', lingua low accuracy' if low else ''}: "
        f"{len(articles) / seconds:.0f} articles/s, {1000 * seconds / len(articles):.1f} ms per article "
        f"(median of {repeats}), peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


def splitting(repeats: int = 3) -> None:
    """Sentence splitting of the corpus bodies: pysbd (the earlier splitter) against sentencex (used now)."""
    import pysbd
    import sentencex

    from tasks.text import split_sentences

    bodies = [article["body"] for article in news_corpus()]
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    candidates = {
        "pysbd (en rules, char spans)": lambda text: segmenter.segment(text),
        "sentencex": lambda text: sentencex.get_sentence_boundaries("en", text),
        "split_sentences (sentencex + initials + cover), first call": lambda text: split_sentences(
            text, "en"
        ),
        "split_sentences, again (cached)": lambda text: split_sentences(text, "en"),
    }
    print("| splitter | ms per body | bodies/s |")
    print("| --- | --- | --- |")
    for name, split in candidates.items():
        times = []
        for round_ in range(repeats):
            # Fresh texts each round, except for the cached line, which repeats the first call's texts.
            texts = bodies if "cached" in name else [f"{body} {round_}{name}" for body in bodies]
            start = time.process_time()
            for text in texts:
                split(text)
            times.append(time.process_time() - start)
        seconds = statistics.median(times)
        print(f"| {name} | {1000 * seconds / len(bodies):.3f} | {len(bodies) / seconds:.0f} |")


_LOAD_PROBE = """
import sys, time
from lingua import IsoCode639_1, LanguageDetectorBuilder
codes = [getattr(IsoCode639_1, c.upper()) for c in sys.argv[2].split(",") if hasattr(IsoCode639_1, c.upper())]
start = time.perf_counter()
builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
if sys.argv[1] != "lazy":
    builder = builder.with_preloaded_language_models()
if sys.argv[1] == "low accuracy":
    builder = builder.with_low_accuracy_mode()
detector = builder.build()
built = time.perf_counter()
detector.compute_language_confidence_values("Government unveils plan to cut energy bills")
first = time.perf_counter()
for _ in range(2000):
    detector.compute_language_confidence_values("Il governo approva la manovra finanziaria")
rate = 2000 / (time.perf_counter() - first)
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
rss = int(peak.split()[1]) / 1024
print(f"| {sys.argv[1]} | {built - start:.2f} | {first - built:.2f} | {rate:.0f} | {rss:.0f} |")
"""


def loading(languages: tuple[str, ...]) -> None:
    """lingua's model loading: preloaded, lazy and low-accuracy mode, each in a fresh process."""
    print("| lingua mode | build s | first call s | headlines/s | max RSS MB |")
    print("| --- | --- | --- | --- | --- |")
    for mode in ("preloaded", "lazy", "low accuracy"):
        subprocess.run([sys.executable, "-c", _LOAD_PROBE, mode, ",".join(languages)], check=True)


def report(languages: tuple[str, ...]) -> None:
    """Accuracy per language and kind (Markdown), the confusions, the mixed paragraphs."""
    sets = kinds()
    start = time.perf_counter()
    scores, confusions = evaluate(sets)
    elapsed = time.perf_counter() - start
    print(f"| lang | {' | '.join(sets)} |")
    print(f"| --- | {' | '.join('---' for _ in sets)} |")
    for lang in languages:
        cells = [f"{scores[k][lang][0]}/{scores[k][lang][1]}" if scores[k][lang][1] else "-" for k in sets]
        print(f"| {lang} | {' | '.join(cells)} |")
    totals = [[sum(c[i] for c in scores[k].values()) for i in (0, 1)] for k in sets]
    print(f"| **all** | {' | '.join(f'**{r / n:.1%}** ({r}/{n})' for r, n in totals)} |")
    wrong = ", ".join(f"{lang}→{found} {n}" for (lang, found), n in confusions.most_common())
    print(f"\nWrong answers on sentences and phrases (label→answer count): {wrong}")
    grouped = []
    for kind in sets:
        cells = scores[f"{kind} (hr = sr = bs)"].values()
        right, total = sum(c[0] for c in cells), sum(c[1] for c in cells)
        grouped.append(f"{kind} {right / total:.1%}")
    print(f"Croatian, Serbian and Bosnian counted as one: {', '.join(grouped)}.")
    right, total = mixed_scores()
    print(f"Mixed-language paragraphs: {right}/{total} segments in a span of their language.")
    texts = sum(len(rows) for rows in sets.values())
    print(f"Whole labelled set: {texts} texts in {elapsed:.1f} s (first-call model loading included).")


def main() -> None:
    """Print the figures (Markdown tables)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also compare detector combinations")
    parser.add_argument("--generated", action="store_true", help="also score wordfreq-generated word pairs")
    parser.add_argument("--speed", action="store_true", help="only the detect stage's articles per second")
    parser.add_argument(
        "--split", action="store_true", help="only sentence splitting: pysbd against sentencex"
    )
    parser.add_argument("--low", action="store_true", help="with --speed: lingua's low-accuracy mode")
    parser.add_argument("--code", type=Path, help="the checkout whose `tasks` to measure (default: this one)")
    parser.add_argument("--loading", action="store_true", help="also time lingua's loading modes")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    if args.speed:
        speed(low=args.low)
        return
    if args.split:
        splitting()
        return
    from tasks.config import DetectConfig

    languages = tuple(sorted(DetectConfig().languages))
    report(languages)
    if args.generated:
        scores, _ = evaluate({"generated": generated_phrases(list(languages))})
        right, total = (sum(c[i] for c in scores["generated"].values()) for i in (0, 1))
        print(f"wordfreq-generated word pairs (not independent of the word expert): {right / total:.1%}")
    if args.compare:
        print()
        compare(kinds(), languages)
    if args.loading:
        print()
        loading(languages)


if __name__ == "__main__":
    main()
