"""Translation throughput on a real-size opus-mt MarianMT (random weights): naive, batched, briefing, rerun.

Run: .venv/bin/python benchmarks/translate.py [--quick] [--workdir DIR]

Each path runs in its own process, so each peak RSS is its own; model loading is timed apart from
translation. Random weights never emit end-of-sentence, so every path decodes ceil(1.2 × source
tokens) tokens per batch's longest sentence (the stage's `max_new_tokens_ratio` and
`min_new_tokens_ratio`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The real opus-mt-xx-en size.
REAL = {"vocab_size": 59514, "d_model": 512, "layers": 6, "heads": 8, "ffn": 2048}
RATIO = 1.2
BEAMS = 4
REFERENCE_BATCH = 16
MIN_TOKENS, MAX_TOKENS = 8, 60


def decoding() -> Any:
    """The length rule every path follows."""
    from tasks.stages.translate.backends import Decoding

    return Decoding(beams=BEAMS, max_ratio=RATIO, max_min=0, min_ratio=RATIO)


# ---------------------------------------------------------------------------------------- corpus


def _sentence(rng: random.Random, words: list[str], weights: list[float], count: int) -> str:
    picked = rng.choices(words, weights, k=count)
    out = []
    for i, word in enumerate(picked):
        out.append(word + ("," if i < count - 2 and rng.random() < 0.08 else ""))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def make_pool(size: int = 4000, seed: int = 7) -> tuple[list[str], list[str]]:
    """Sentences and headlines of French-like text: words drawn by their real frequency, lengths as in news."""
    from wordfreq import top_n_list, word_frequency

    words = [w for w in top_n_list("fr", 20000) if w.isalpha() and (len(w) > 2 or w in ("de", "la", "le"))]
    weights = [word_frequency(w, "fr") for w in words]
    rng = random.Random(seed)

    def length(mean: float, low: int, high: int) -> int:
        return max(low, min(high, round(rng.lognormvariate(math.log(mean), 0.45))))

    sentences = [_sentence(rng, words, weights, length(21, 5, 45)) for _ in range(size)]
    titles = [_sentence(rng, words, weights, length(9, 6, 14))[:-1] for _ in range(size // 10)]
    return sentences, titles


def prepare(workdir: Path, articles: int, per_article: int) -> list[dict]:
    """The model (its tokenizer trained on the whole pool) built once into `workdir`, and the corpus."""
    from transformers import AutoTokenizer

    from tests.support.model_factory import build_marian

    model = workdir / "opus-mt-fr-en-random"
    pool, titles = make_pool()
    if not (model / "config.json").exists():
        started = time.perf_counter()
        build_marian(model, pool + titles, spm_vocab=8000, **REAL)
        print(f"built model in {time.perf_counter() - started:.0f} s", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(model)

    def fits(text: str) -> bool:
        return MIN_TOKENS <= len(tokenizer(text)["input_ids"]) <= MAX_TOKENS

    body = (s for s in pool if fits(s))
    heads = (t for t in titles if fits(t))
    rng = random.Random(3)
    corpus = []
    for a in range(articles):
        sentences = [next(body) for _ in range(per_article)]
        cut = sorted(rng.sample(range(1, per_article), k=min(per_article - 1, rng.randint(2, 4))))
        paragraphs = [" ".join(sentences[i:j]) for i, j in zip([0, *cut], [*cut, per_article], strict=True)]
        corpus.append(
            {"id": f"a{a:03d}", "title": next(heads), "body": "\n\n".join(paragraphs), "sentences": sentences}
        )
    (workdir / "corpus.json").write_text(json.dumps(corpus, ensure_ascii=False))
    return corpus


def units(corpus: list[dict]) -> list[str]:
    """Every sentence to translate: each headline and each body sentence."""
    return [line for a in corpus for line in (a["title"], *a["sentences"])]


# ---------------------------------------------------------------------------------------- paths


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reference(model_dir: Path, sentences: list[str], batch_size: int) -> dict:
    """transformers `generate`, fp32, beam 4, in length-sorted batches (batch 1: the naive script)."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
    load = time.perf_counter() - started
    rule = decoding()
    order = sorted(sentences, key=len) if batch_size > 1 else sentences
    started = time.perf_counter()
    for i in range(0, len(order), batch_size):
        inputs = tokenizer(order[i : i + batch_size], return_tensors="pt", padding=True)
        most, least = rule.steps(int(inputs["attention_mask"].sum(dim=1).max()))
        with torch.inference_mode():
            model.generate(**inputs, num_beams=BEAMS, max_new_tokens=most, min_new_tokens=least)
    return {"seconds": time.perf_counter() - started, "load": load}


def _config(workdir: Path, model_dir: Path) -> Any:
    from tasks.config import load_config

    return load_config(
        overrides={
            "out": str(workdir / "out"),
            "translate": {
                "models": {"fr": str(model_dir)},
                "num_beams": BEAMS,
                "max_new_tokens_ratio": RATIO,
                "max_new_tokens_min": 0,
                "min_new_tokens_ratio": RATIO,
            },
        }
    )


def _articles(corpus: list[dict]) -> list[Any]:
    from tasks.article import Article, Detection

    return [
        Article(
            id=a["id"],
            source=a["id"],
            format="txt",
            title=a["title"],
            body=a["body"],
            detection=Detection("fr", 0.99, True),
        )
        for a in corpus
    ]


def _briefing(workdir: Path, model_dir: Path, corpus: list[dict], rerun_only: bool) -> dict:
    """The stage as configured by default (CTranslate2 int8, memory on), then again with the memory warm."""
    from tasks.models.loading import ModelCache
    from tasks.stages.translate import translate_articles
    from tasks.stages.translate.backends import Engine, load_engine
    from tasks.storage.memory import model_fingerprint
    from tasks.storage.store import Store

    config = _config(workdir, model_dir)
    articles = _articles(corpus)
    cache = ModelCache(config.models.cache_size)
    result: dict = {}
    if rerun_only:  # a new process, as an Airflow retry: nothing loaded, only the store is warm
        started = time.perf_counter()
        translate_articles(articles, config, cache)
        result["seconds"] = time.perf_counter() - started
        result["models_loaded"] = len(cache.loaded())
        return result
    started = time.perf_counter()
    load_engine(str(model_dir), config.translate, cache)
    model_fingerprint(model_dir, Store(config.store_url))
    result["load"] = time.perf_counter() - started
    calls: list[int] = []
    original = Engine.translate

    def counted(self, texts, options, token_budget):
        calls.append(len(texts))
        return original(self, texts, options, token_budget)

    Engine.translate = counted  # type: ignore[method-assign]
    started = time.perf_counter()
    out = translate_articles(articles, config, cache)
    result["seconds"] = time.perf_counter() - started
    result["first_pass"], result["retried"] = calls[0], sum(calls[1:])
    result["flagged"] = sum(f.kind == "check-translation" for a in out for f in a.flags)
    aligned = sum(len(a.translation.sentences) for a in out)
    expected = sum(len(a["sentences"]) for a in corpus)
    if aligned != expected:
        raise SystemExit(f"the stage split {aligned} sentences, the corpus has {expected}")
    result["rss_mib"] = peak_rss_mib()
    started = time.perf_counter()
    again = translate_articles(articles, config, cache)
    result["rerun_seconds"] = time.perf_counter() - started
    result["rerun_same"] = again == out
    return result


def _memory(workdir: Path, corpus: list[dict], model_dirs: list[Path], summariser: Path) -> dict:
    """Peak RSS with three language pairs and the summariser loaded in one process."""
    from tasks.article import Article, Detection
    from tasks.config import load_config
    from tasks.models.loading import ModelCache
    from tasks.stages.translate import translate_articles

    langs = ["fr", "de", "es"]
    config = load_config(
        overrides={
            "out": str(workdir / "out-memory"),
            "translate": {"models": dict(zip(langs, map(str, model_dirs), strict=True)), "memory": False},
            "models": {"cache_size": 4},
        }
    )
    cache = ModelCache(4)
    articles = [
        Article(
            id=lang,
            source=lang,
            format="txt",
            title=a["title"],
            body=a["body"],
            detection=Detection(lang, 1, True),
        )
        for lang, a in zip(langs, corpus, strict=False)
    ]
    translate_articles(articles, config, cache)
    summary = config.summarise
    loaded = cache.get(str(summariser), backend=summary.backend, quantization=summary.quantization)
    text = corpus[0]["body"]
    if summary.backend == "ctranslate2":
        tokens = loaded.tokenizer.convert_ids_to_tokens(loaded.tokenizer(text)["input_ids"])
        loaded.model.translate_batch([tokens], beam_size=summary.num_beams, max_decoding_length=64)
    else:
        import torch

        with torch.inference_mode():
            loaded.model.generate(**loaded.tokenizer([text], return_tensors="pt"), max_new_tokens=64)
    return {"rss_mib": peak_rss_mib(), "loaded": cache.loaded(), "summariser_backend": summary.backend}


def worker(args: argparse.Namespace) -> None:
    """One path in this process; prints its result as one JSON line."""
    workdir = Path(args.workdir)
    corpus = json.loads((workdir / "corpus.json").read_text())
    model_dir = workdir / "opus-mt-fr-en-random"
    if args.worker == "naive":
        result = _reference(model_dir, units(corpus), 1)
    elif args.worker == "batched":
        result = _reference(model_dir, units(corpus), REFERENCE_BATCH)
    elif args.worker in ("briefing", "retry"):
        result = _briefing(workdir, model_dir, corpus, rerun_only=args.worker == "retry")
    elif args.worker == "convert":
        from tasks.models.loading import ct2_dir

        started = time.perf_counter()
        ct2_dir(model_dir, _config(workdir, model_dir).translate.quantization)
        result = {"seconds": time.perf_counter() - started}
    elif args.worker == "convert-others":
        from tasks.models.loading import ct2_dir

        config = _config(workdir, model_dir)
        for lang in ("de", "es"):
            ct2_dir(workdir / f"opus-mt-{lang}-en-random", config.translate.quantization)
        if config.summarise.backend == "ctranslate2":
            ct2_dir(workdir / "distilbart-random", config.summarise.quantization)
        result = {}
    elif args.worker == "memory":
        dirs = [model_dir, workdir / "opus-mt-de-en-random", workdir / "opus-mt-es-en-random"]
        result = _memory(workdir, corpus, dirs, workdir / "distilbart-random")
    else:
        raise SystemExit(f"unknown path {args.worker}")
    result.setdefault("rss_mib", peak_rss_mib())
    print(json.dumps(result))


def run_worker(workdir: Path, name: str) -> dict:
    """Run one path in a child process."""
    command = [sys.executable, __file__, "--worker", name, "--workdir", str(workdir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------- figures


def matmul_gflops(size: int = 2048, seconds: float = 3.0) -> float:
    """Measured float32 matrix-multiply throughput of this machine (torch, all cores)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        a @ b
        count += 1
    return 2 * size**3 * count / (time.perf_counter() - started) / 1e9


def useful_gflop(token_counts: list[int]) -> float:
    """Matrix-multiply work of translating the sentences (each decodes its own 1.2 × length, 4 beams)."""
    d, ffn, layers, vocab = REAL["d_model"], REAL["ffn"], REAL["layers"], REAL["vocab_size"]
    encoder = layers * (4 * d * d + 2 * d * ffn) + layers * 2 * d * d  # + cross-attention keys and values
    decoder = layers * (4 * d * d + 2 * d * d + 2 * d * ffn) + d * vocab  # per beam and step
    rule = decoding()
    macs = sum(n * encoder + BEAMS * rule.steps(n)[0] * decoder for n in token_counts)
    return 2 * macs / 1e9


def main() -> None:
    """Build, run every path in its own process, print the table and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A small corpus, under two minutes.")
    parser.add_argument("--workdir", help="Keep the corpus and models here (default: a temporary folder).")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="briefing-translate-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    articles, per_article = (3, 4) if args.quick else (40, 10)
    corpus = prepare(workdir, articles, per_article)
    shutil.rmtree(workdir / "out", ignore_errors=True)  # a cold translation memory

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(workdir / "opus-mt-fr-en-random")
    sentences = units(corpus)
    counts = [len(tokenizer(s)["input_ids"]) for s in sentences]
    outside = sum(not MIN_TOKENS <= n <= MAX_TOKENS for n in counts)
    print(
        f"corpus: {len(corpus)} articles, {len(sentences)} sentences (headlines included), "
        f"{sum(counts)} source tokens, {min(counts)}-{max(counts)} per sentence "
        f"(mean {sum(counts) / len(counts):.1f}, {outside} outside {MIN_TOKENS}-{MAX_TOKENS})",
        flush=True,
    )
    conversion = run_worker(workdir, "convert")
    print(f"CTranslate2 conversion: {conversion['seconds']:.1f} s, peak RSS {conversion['rss_mib']:.0f} MiB")

    results = {}
    for name in ("naive", "batched", "briefing", "retry"):
        results[name] = run_worker(workdir, name)
        print(f"{name}: {json.dumps(results[name])}", flush=True)
    gflops = matmul_gflops()
    work = useful_gflop(counts)
    decoded = sum(decoding().steps(n)[0] for n in counts)

    def row(label: str, seconds: float, rss: float | None, computed: float | None) -> tuple[str, float]:
        rate = len(sentences) / seconds
        rss_text = f"{rss:7.0f}" if rss is not None else "   same"
        reached = (
            f"{computed / seconds:7.1f} | {computed / seconds / gflops:6.1%}"
            if computed
            else "      - |      -"
        )
        print(
            f"| {label:<34} | {rate:9.2f} | {sum(counts) / seconds:9.0f} | {decoded / seconds:9.0f} "
            f"| {rss_text} | {reached} |"
        )
        return label, rate

    print()
    print(
        "| path                               | sent/s    | src tok/s | out tok/s | RSS MiB | GFLOP/s | of fp32 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    brief = results["briefing"]
    retry_factor = (brief["first_pass"] + brief["retried"]) / brief["first_pass"]  # decoded twice
    rates = dict(
        [
            row(
                "1 naive (transformers, batch 1)",
                results["naive"]["seconds"],
                results["naive"]["rss_mib"],
                work,
            ),
            row(
                f"2 batched reference (batch {REFERENCE_BATCH})",
                results["batched"]["seconds"],
                results["batched"]["rss_mib"],
                work,
            ),
            row("3 briefing (default config)", brief["seconds"], brief["rss_mib"], work * retry_factor),
            row("4 briefing, rerun (memory warm)", brief["rerun_seconds"], None, None),
            row(
                "4b rerun in a new process (retry)",
                results["retry"]["seconds"],
                results["retry"]["rss_mib"],
                None,
            ),
        ]
    )
    naive, batched, briefing, rerun = (rates[k] for k in list(rates)[:4])
    print()
    print(
        f"float32 matmul: {gflops:.0f} GFLOP/s measured; one pass over the corpus is {work:.0f} GFLOP of "
        "matrix products (the briefing row counts its retries too)"
    )
    print(
        f"briefing: model load {brief['load']:.1f} s (not timed); first pass {brief['first_pass']} distinct "
        f"sentences, {brief['retried']} retried with anti-repetition decoding, {brief['flagged']} flagged; "
        f"rerun output identical: {brief['rerun_same']}; new-process rerun loaded "
        f"{results['retry']['models_loaded']} models"
    )
    print(
        f"reference loads: naive {results['naive']['load']:.1f} s, batched {results['batched']['load']:.1f} s"
    )
    if not args.quick:
        for lang, seed in (("de", 1), ("es", 2)):
            from tests.support.model_factory import build_bart, build_marian

            target = workdir / f"opus-mt-{lang}-en-random"
            if not target.exists():
                build_marian(target, sentences, spm_vocab=8000, seed=seed, **REAL)
        if not (workdir / "distilbart-random").exists():
            build_bart(
                workdir / "distilbart-random",
                sentences,
                bpe_vocab=8000,
                vocab_size=50264,
                d_model=1024,
                encoder_layers=12,
                decoder_layers=6,
                heads=16,
                ffn=4096,
            )
        run_worker(workdir, "convert-others")
        memory = run_worker(workdir, "memory")
        print(
            f"peak RSS with three language pairs and the summariser ({memory['summariser_backend']}) loaded: "
            f"{memory['rss_mib']:.0f} MiB"
        )
    print(
        f"ratios: 3/1 = {briefing / naive:.1f}, 3/2 = {briefing / batched:.1f}, 4/3 = {rerun / briefing:.0f}"
    )
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"translate naive={naive:.2f} batched={batched:.2f} briefing={briefing:.2f} rerun={rerun:.0f} "
        f"(sentences/s) speedup_vs_naive={briefing / naive:.1f} speedup_vs_batched={briefing / batched:.1f}"
    )


if __name__ == "__main__":
    main()
