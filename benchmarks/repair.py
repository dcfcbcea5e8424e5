"""Benchmark of the repair stage: recall per category and changes on clean text (labelled data in
tests/data/repair/), and throughput in sentences per second on one core.

Run: .venv/bin/python benchmarks/repair.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.stages.repair import repair

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "repair"
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def load(name: str) -> list[dict]:
    """The records of one labelled JSONL file."""
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def repaired(case: dict) -> bool:
    """Whether a labelled case comes out as expected (an untranslated one: unchanged, its span flagged)."""
    result = repair(case["text"], case["source_lang"])
    if case["category"] != "untranslated":
        return result.text == case["expected"]
    start = case["text"].index(case["flag"]["text"])
    end = start + len(case["flag"]["text"])
    return result.text == case["text"] and any(
        f["kind"] == "untranslated" and f["start"] <= start and f["end"] >= end for f in result.flags
    )


def general(case: dict) -> bool:
    """Whether a generalisation case comes out as expected (text, and its flag when it names one)."""
    result = repair(case["text"], case["source_lang"], original=case.get("original"))
    if result.text != case.get("expected", case["text"]):
        return False
    if "flag" not in case:
        return True
    start = case["text"].index(case["flag"]["text"])
    end = start + len(case["flag"]["text"])
    return any(f["start"] <= start and f["end"] >= end and f["kind"] != "error" for f in result.flags)


def sentences(texts: list[str]) -> int:
    """How many sentences the texts hold."""
    return sum(len([m for m in _SENTENCE.findall(t) if m.strip()]) for t in texts)


def throughput(texts: list[str], repeat: int) -> float:
    """Sentences per second of `repair` over the texts (models and tables loaded beforehand)."""
    for text in texts:
        repair(text)
    started = time.process_time()
    for _ in range(repeat):
        for text in texts:
            repair(text)
    return sentences(texts) * repeat / (time.process_time() - started)


def main() -> None:
    """Print the figures documented in docs/repair.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the texts for the timing")
    args = parser.parse_args()
    cases, clean = load("cases.jsonl"), load("clean.jsonl")
    totals, hits = Counter(), Counter()
    for case in cases:
        totals[case["category"]] += 1
        hits[case["category"]] += repaired(case)
    print(f"{'category':<16}{'repaired':>10}{'cases':>8}{'recall':>9}")
    for category in sorted(totals):
        print(
            f"{category:<16}{hits[category]:>10}{totals[category]:>8}{hits[category] / totals[category]:>9.1%}"
        )
    print(f"\n{'set':<11}{'category':<16}{'repaired':>10}{'cases':>8}")
    for name in ("table", "held-back"):
        cases_of_set = [c for c in load("generalisation.jsonl") if c["set"] == name]
        by_category: Counter = Counter()
        good: Counter = Counter()
        for case in cases_of_set:
            by_category[case["category"]] += 1
            good[case["category"]] += general(case)
        for category in sorted(by_category):
            print(f"{name:<11}{category:<16}{good[category]:>10}{by_category[category]:>8}")
        total, hit = sum(by_category.values()), sum(good.values())
        print(f"{name:<11}{'all':<16}{hit:>10}{total:>8}  ({hit / total:.1%})")
    changed = sum(1 for c in clean if (r := repair(c["text"], c["source_lang"])).changes or r.flags)
    print(f"clean sentences changed or flagged: {changed} of {len(clean)}")
    clean_texts = [c["text"] for c in clean]
    all_texts = clean_texts + [c["text"] for c in cases]
    print(f"throughput, clean sentences: {throughput(clean_texts, args.repeat):,.0f} sentences/s (one core)")
    print(f"throughput, all labelled texts: {throughput(all_texts, args.repeat):,.0f} sentences/s (one core)")


if __name__ == "__main__":
    main()
