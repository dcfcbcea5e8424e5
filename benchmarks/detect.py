"""Language identification: accuracy per language and kind on the labelled set, and headlines per second.

Run: .venv/bin/python benchmarks/detect.py [--compare] [--loading]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.stages.detect import detect_language, detect_spans
from tasks.stages.detect.detectors import combine, detector_answers
from tasks.stages.detect.language import DEFAULTS, MAX_CHARS, best_language
from tasks.stages.detect.scripts import candidate_languages, dominant_script

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "detect"
LANGUAGES = tuple(sorted(DEFAULTS.languages))
THRESHOLD = DEFAULTS.min_confidence
# Candidate combinations: weights of each detector's log-probabilities (a product of experts).
COMBINATIONS = {
    "langdetect": {"langdetect": 1.0},
    "fastText lite": {"fasttext": 1.0},
    "lingua": {"lingua": 1.0},
    "lingua + langdetect^0.5": {"lingua": 1.0, "langdetect": 0.5},
    "lingua + fastText": {"lingua": 1.0, "fasttext": 1.0},
    "lingua + fastText^0.5": {"lingua": 1.0, "fasttext": 0.5},
    "lingua + fastText^0.5 + langdetect^0.25 (chosen)": {"lingua": 1.0, "fasttext": 0.5, "langdetect": 0.25},
    "lingua + fastText^0.5 + langdetect^0.5": {"lingua": 1.0, "fasttext": 0.5, "langdetect": 0.5},
}


def load_tsv(name: str) -> list[tuple[str, str]]:
    """`(lang, text)` rows of a labelled file."""
    rows = (line.split("\t", 1) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line)
    return [(lang, text) for lang, text in rows]


def snippets(paragraphs: list[tuple[str, str]], per_paragraph: int = 8) -> list[tuple[str, str]]:
    """Random 3-to-8-word windows of the paragraphs: more short text than the headlines alone give."""
    rng = random.Random(1)
    out = []
    for lang, text in paragraphs:
        words = text.split()
        if len(words) < 8:  # Chinese has no spaces between words
            continue
        for _ in range(per_paragraph):
            size = rng.randint(3, 8)
            start = rng.randint(0, len(words) - size)
            out.append((lang, " ".join(words[start : start + size]).strip(".,;:")))
    return out


def evaluate(kinds: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, list[int]]]:
    """`[correct, total]` per kind and language; an `und` answer counts as wrong."""
    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for kind, rows in kinds.items():
        for lang, text in rows:
            cell = scores[kind][lang]
            cell[0] += detect_language(text).lang == lang
            cell[1] += 1
    return scores


def mixed_scores() -> tuple[int, int]:
    """Segments of the mixed paragraphs whose language the span at their middle gets right."""
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


def throughput(headlines: list[str], seconds: float = 3.0) -> float:
    """Headlines per second, models loaded, one process."""
    for text in headlines:
        detect_language(text)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in headlines:
            detect_language(text)
        done += len(headlines)
    return done / (time.perf_counter() - start)


def compare(kinds: dict[str, list[tuple[str, str]]]) -> None:
    """Accuracy of each candidate combination at the configured threshold (`und` counts as wrong)."""
    answers = {
        kind: [(lang, text, detector_answers(text[:MAX_CHARS], LANGUAGES)) for lang, text in rows]
        for kind, rows in kinds.items()
    }
    print(f"| combination | {' | '.join(kinds)} | wrong and reliable |")
    print(f"| --- | {' | '.join('---' for _ in kinds)} | --- |")
    for name, weights in COMBINATIONS.items():
        cells, confident_wrong = [], 0
        for rows in answers.values():
            right = 0
            for lang, text, found in rows:
                candidates = candidate_languages(dominant_script(text), LANGUAGES)
                guess, probability = best_language(
                    combine(found, candidates, weights)
                    if len(candidates) > 1
                    else dict.fromkeys(candidates, 1.0)
                )
                reliable = probability >= THRESHOLD
                right += reliable and guess == lang
                confident_wrong += reliable and guess != lang
            cells.append(f"{right / len(rows):.1%}")
        print(f"| {name} | {' | '.join(cells)} | {confident_wrong} |")


_LOAD_PROBE = """
import sys, time
from lingua import IsoCode639_1, LanguageDetectorBuilder
codes = [getattr(IsoCode639_1, c.upper()) for c in sys.argv[2].split(",")]
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


def loading() -> None:
    """lingua's model loading: preloaded, lazy and low-accuracy mode, each in a fresh process."""
    print("| lingua mode | build s | first call s | headlines/s | max RSS MB |")
    print("| --- | --- | --- | --- | --- |")
    for mode in ("preloaded", "lazy", "low accuracy"):
        subprocess.run([sys.executable, "-c", _LOAD_PROBE, mode, ",".join(LANGUAGES)], check=True)


def main() -> None:
    """Print the figures tables (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also compare detector combinations")
    parser.add_argument("--loading", action="store_true", help="also time lingua's loading modes")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    paragraphs, headlines = load_tsv("paragraphs.tsv"), load_tsv("headlines.tsv")
    kinds = {"paragraphs": paragraphs, "headlines": headlines, "snippets": snippets(paragraphs)}
    start = time.perf_counter()
    scores = evaluate(kinds)
    elapsed = time.perf_counter() - start
    print(f"| lang | {' | '.join(kinds)} |")
    print(f"| --- | {' | '.join('---' for _ in kinds)} |")
    for lang in LANGUAGES:
        cells = [f"{scores[k][lang][0]}/{scores[k][lang][1]}" if scores[k][lang][1] else "-" for k in kinds]
        print(f"| {lang} | {' | '.join(cells)} |")
    totals = [[sum(c[i] for c in scores[k].values()) for i in (0, 1)] for k in kinds]
    print(f"| **all** | {' | '.join(f'**{r / n:.1%}** ({r}/{n})' for r, n in totals)} |")
    right, total = mixed_scores()
    print(f"\nMixed-language paragraphs: {right}/{total} segments in a span of their language.")
    texts = sum(len(rows) for rows in kinds.values())
    print(f"Whole labelled set: {texts} texts in {elapsed:.1f} s (first-call model loading included).")
    rate = throughput([text for _, text in headlines])
    print(f"Throughput: {rate:.0f} headlines/s on one core, models loaded.")
    if args.compare:
        print()
        compare(kinds)
    if args.loading:
        print()
        loading()


if __name__ == "__main__":
    main()
