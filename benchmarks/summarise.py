"""Summarisation: naive transformers `generate` (input cut at 1024 tokens) against the project's path
(CTranslate2 int8, chunks of every story batched, map-reduce over the whole text), on a randomly initialised
model of DistilBART-CNN-12-6's size and articles of a news-like length distribution.

Run: .venv/bin/python benchmarks/summarise.py [--articles 20] [--summary-tokens 142] [--workdir DIR]

Each path runs in its own process, so each peak RSS is that path's alone. Random weights never choose to stop,
so both paths decode a fixed number of tokens per summary (min = max); the other decoding settings are the
summariser's (beam 4, length penalty 2.0, no repeated 3-grams).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# DistilBART-CNN-12-6: d_model 1024, 12 encoder and 6 decoder layers, 16 heads, FFN 4096, 50,264 tokens.
SIZE = {"d_model": 1024, "encoder_layers": 12, "decoder_layers": 6, "heads": 16, "ffn": 4096}
VOCAB = 50264
WINDOW = 1024
# A byte-level BPE of this size, trained on the seed sentences, gives about 1.35 tokens per word, close to
# the real BART tokenizer on news (about 1.3).
BPE_VOCAB = 2000


def english_sentences() -> list[str]:
    """Sentences of the English seed articles: the material the benchmark articles are drawn from."""
    from tasks.stages.ingest import ingest
    from tasks.text import sentences_of

    sentences = []
    for article in ingest([ROOT / "seeds"]).articles:
        if re.search(r"\b(the|and|of)\b", article.body) and not re.search(
            r"[^\x00-\u024f’“”–—]", article.body
        ):
            sentences.extend(s for s in sentences_of(article.body) if len(s.split()) >= 6)
    return sentences


def lengths(count: int) -> list[int]:
    """Word counts at evenly spaced quantiles of a log-normal (median 700, sigma 0.8) within 300 to 5,000."""
    # One in ten is over 2,000 words; the longest is set to 5,000.
    from statistics import NormalDist

    out = []
    for i in range(count):
        z = NormalDist().inv_cdf((i + 0.5) / count)
        out.append(min(5000, max(300, round(700 * math.exp(0.8 * z)))))
    out[-1] = 5000
    return out


def articles(count: int) -> list[str]:
    """`count` deterministic articles: seed sentences drawn at random until each reaches its length."""
    pool = english_sentences()
    rng = random.Random(0)
    texts = []
    for words in lengths(count):
        paragraphs, total = [], 0
        while total < words:
            paragraph = [rng.choice(pool) for _ in range(rng.randint(2, 4))]
            paragraphs.append(" ".join(paragraph))
            total += sum(len(s.split()) for s in paragraph)
        texts.append("\n\n".join(paragraphs))
    return texts


def setup(workdir: Path, count: int) -> None:
    """Write the articles, build the random model and convert it for CTranslate2 (once; reused after)."""
    from tasks.models.loading import ct2_dir
    from tests.support.model_factory import build_bart

    texts = articles(count)
    (workdir / "articles.json").write_text(json.dumps(texts))
    model = workdir / "distilbart-size-random"
    if not (model / "model.safetensors").is_file():
        build_bart(
            model, english_sentences(), bpe_vocab=BPE_VOCAB, vocab_size=VOCAB, max_positions=WINDOW, **SIZE
        )
    ct2_dir(model, "int8")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process (all its threads): the work done, whatever else shares the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def naive(workdir: Path, tokens: int, threads: int) -> dict:
    """transformers `generate` per article, input cut at the window."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from tasks.config import SummariseConfig

    torch.set_num_threads(threads)
    cfg = SummariseConfig()
    texts = json.loads((workdir / "articles.json").read_text())
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(workdir / "distilbart-size-random")
    model = AutoModelForSeq2SeqLM.from_pretrained(workdir / "distilbart-size-random").eval()
    loaded, cpu = time.perf_counter(), cpu_seconds()
    read = 0
    for text in texts:
        inputs = tokenizer(text, truncation=True, max_length=WINDOW, return_tensors="pt")
        read += int(inputs["input_ids"].shape[1]) - tokenizer.num_special_tokens_to_add()
        with torch.inference_mode():
            model.generate(
                **inputs,
                num_beams=cfg.num_beams,
                min_new_tokens=tokens,
                max_new_tokens=tokens,
                length_penalty=cfg.length_penalty,
                no_repeat_ngram_size=cfg.no_repeat_ngram_size,
                early_stopping=True,
            )
    done = time.perf_counter()
    return {
        "load_s": loaded - start,
        "run_s": done - loaded,
        "cpu_s": cpu_seconds() - cpu,
        "tokens_read": read,
        "peak_rss_mib": peak_rss_mib(),
    }


def project(workdir: Path, tokens: int, threads: int, batch: int) -> dict:
    """The pipeline's summarise stage: CTranslate2 int8, stories in batches, chunks of a batch generated together."""
    from tasks.article import Article, Detection, Story
    from tasks.config import load_config
    from tasks.models.loading import ModelCache
    from tasks.stages.summarise import load_backend, summarise_stories

    texts = json.loads((workdir / "articles.json").read_text())
    config = load_config(
        overrides={
            "summarise": {
                "model": str(workdir / "distilbart-size-random"),
                "backend": "ctranslate2",
                "quantization": "int8",
                "threads": threads,
                "min_new_tokens": tokens,
                "max_new_tokens": tokens,
            }
        }
    )
    articles = {
        f"a{i}": Article(f"a{i}", f"a{i}.txt", "txt", f"Article {i}", t, detection=Detection("en", 1.0, True))
        for i, t in enumerate(texts)
    }
    stories = [Story(id=f"s{i}", article_ids=(a,), headline=a) for i, a in enumerate(articles)]
    cache = ModelCache()
    start = time.perf_counter()
    load_backend(config, cache)
    loaded, cpu = time.perf_counter(), cpu_seconds()
    summaries = []
    for i in range(0, len(stories), batch):
        summaries += [s.summary for s in summarise_stories(stories[i : i + batch], articles, config, cache)]
    done = time.perf_counter()
    return {
        "load_s": loaded - start,
        "run_s": done - loaded,
        "cpu_s": cpu_seconds() - cpu,
        "tokens_read": sum(s.input_tokens for s in summaries),
        "chunks": sum(s.chunks for s in summaries),
        "methods": {m: sum(s.method == m for s in summaries) for m in sorted({s.method for s in summaries})},
        "peak_rss_mib": peak_rss_mib(),
    }


def child(path: str, args: argparse.Namespace) -> dict:
    """Run one path in a fresh interpreter and return what it reports."""
    command = [sys.executable, __file__, "--child", path, "--workdir", str(args.workdir)]
    command += ["--summary-tokens", str(args.summary_tokens), "--threads", str(args.threads)]
    command += ["--batch", str(args.batch)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    """Set up once, run both paths, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--summary-tokens", type=int, default=142, help="Fixed summary length (both paths).")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--batch", type=int, default=8, help="Stories per summarise batch (ingest.batch_size)."
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "briefing-benchmark-summarise"
    )
    parser.add_argument("--child", choices=["setup", "naive", "project"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "setup":
        setup(args.workdir, args.articles)
        print("{}")
        return
    if args.child:
        report = (
            naive(args.workdir, args.summary_tokens, args.threads)
            if args.child == "naive"
            else project(args.workdir, args.summary_tokens, args.threads, args.batch)
        )
        print(json.dumps(report))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "setup",
            "--workdir",
            str(args.workdir),
            "--articles",
            str(args.articles),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    texts = json.loads((args.workdir / "articles.json").read_text())
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.workdir / "distilbart-size-random")
    counts = [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    words = [len(t.split()) for t in texts]
    print(
        f"{len(texts)} articles: {min(words)} to {max(words)} words, median {statistics.median(words):.0f}, "
        f"{sum(w > 2000 for w in words)} over 2,000; {sum(counts):,} tokens ({sum(counts) / sum(words):.2f} "
        f"per word), {sum(c > WINDOW - 2 for c in counts)} longer than the window"
    )
    print(
        f"model: random weights, {SIZE}, vocab {VOCAB}; decoding: beam 4, length penalty 2.0, no repeated "
        f"3-grams, {args.summary_tokens} tokens per summary; {args.threads} threads"
    )
    results = {"naive": child("naive", args), "project": child("project", args)}
    print()
    print("| path | run s | CPU s | articles/s | input tokens read | share read | peak RSS MiB | load s |")
    print("|---|---|---|---|---|---|---|---|")
    labels = {
        "naive": "naive: transformers fp32, generate per article, cut at 1024",
        "project": "project: CTranslate2 int8, batched chunks, map-reduce",
    }
    for name, r in results.items():
        print(
            f"| {labels[name]} | {r['run_s']:.1f} | {r['cpu_s']:.1f} | {len(texts) / r['run_s']:.3f} | "
            f"{r['tokens_read']:,} | "
            f"{r['tokens_read'] / sum(counts):.0%} | {r['peak_rss_mib']:.0f} | {r['load_s']:.1f} |"
        )
    p = results["project"]
    print()
    print(f"project: {p['chunks']} first-round chunks, methods {p['methods']}")
    n = results["naive"]
    print(
        f"project / naive: wall time {p['run_s'] / n['run_s']:.2f}, CPU time {p['cpu_s'] / n['cpu_s']:.2f}; "
        f"project peak RSS under 1.5 GiB: {p['peak_rss_mib'] < 1536}"
    )


if __name__ == "__main__":
    main()
