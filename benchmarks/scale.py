"""A day of news at scale: a synthetic multilingual corpus of N articles through `briefing run`, without models.

    .venv/bin/python benchmarks/scale.py --sizes 1000 10000 50000        # the figures in docs/scaling.md
    .venv/bin/python benchmarks/scale.py --generate 10000 /tmp/corpus    # only write a corpus
    .venv/bin/python benchmarks/scale.py --sizes 50000 --airflow         # `airflow dags test daily_briefing`

The corpus: events reported in ten languages (Latin, Cyrillic and Arabic scripts) that share names and numbers,
single-article stories, about 10 % republished copies, as text files, JSON files and RSS feeds. Each size is
run as its own process; the script prints wall and CPU time, peak memory of the whole process tree, files
written, time per stage, and each stage's growth exponent between consecutive sizes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "ar"]
CYRILLIC = dict(zip("abcdefghijklmnopqrstuvwxyz", "абцдефгхийклмнопкрстуввкыз", strict=True))
ARABIC = dict(zip("abcdefghijklmnopqrstuvwxyz", "ابسدعفغهيجكلمنوبقرستوووكيز", strict=True))
SYLLABLES = (
    "ka",
    "ro",
    "vel",
    "ti",
    "ma",
    "sen",
    "dor",
    "li",
    "an",
    "bre",
    "cu",
    "fal",
    "go",
    "han",
    "ir",
    "jo",
    "lun",
    "mer",
    "nor",
    "pas",
    "qui",
    "ras",
    "sol",
    "tur",
    "ub",
    "vin",
    "wen",
)
STAGES = ["fetch", "ingest", "detect", "translate", "repair", "stories", "summarise", "render", "deliver"]


def _vocabulary(lang: str) -> list[str]:
    from wordfreq import top_n_list

    return [w for w in top_n_list(lang, 2500) if w.isalpha()][:1500]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _in_script(name: str, lang: str) -> str:
    table = CYRILLIC if lang == "ru" else ARABIC if lang == "ar" else None
    if table is None:
        return name
    text = "".join(table.get(c, c) for c in name.lower())
    return text.capitalize() if lang == "ru" else text


def _sentence(rng: random.Random, words: list[str], extra: list[str]) -> str:
    picked = [rng.choice(words) for _ in range(rng.randint(9, 18))]
    for token in extra:
        picked.insert(rng.randint(1, len(picked)), token)
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def _article(rng: random.Random, lang: str, words: list[str], names: list[str], numbers: list[str]) -> tuple:
    local = [_in_script(n, lang) for n in names]
    title = _sentence(rng, words, [local[0], numbers[0]])[:-1]
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            extra = [rng.choice(local)] if rng.random() < 0.5 else []
            if rng.random() < 0.3:
                extra.append(rng.choice(numbers))
            sentences.append(_sentence(rng, words, extra))
        paragraphs.append(" ".join(sentences))
    return title, "\n\n".join(paragraphs)


def generate(count: int, folder: Path, seed: int = 7) -> dict:
    """Write a corpus of about `count` articles into `folder`; returns what was written."""
    rng = random.Random(seed)
    vocab = {lang: _vocabulary(lang) for lang in LANGUAGES}
    folder.mkdir(parents=True, exist_ok=True)
    day = time.mktime((2026, 11, 24, 0, 0, 0, 0, 0, 0))
    articles: list[dict] = []
    while len(articles) < count:
        names = [_name(rng) for _ in range(rng.randint(2, 3))]
        numbers = [f"{rng.randint(2, 999)}", f"{rng.randint(1, 99)},{rng.randint(1, 9)} %"]
        reports = 1 if rng.random() < 0.3 else rng.randint(2, 8)
        for lang in rng.sample(LANGUAGES, min(reports, len(LANGUAGES))):
            title, body = _article(rng, lang, vocab[lang], names, numbers)
            published = day + rng.randint(0, 86_399)
            articles.append({"lang": lang, "title": title, "body": body, "published": published})
            if rng.random() < 0.1:  # a republished copy under another outlet
                articles.append({**articles[-1], "copy": True})
    articles = articles[:count]
    rng.shuffle(articles)
    files = {"txt": 0, "json": 0, "feed": 0}
    index = 0
    while index < len(articles):
        kind = rng.choices(["txt", "json", "feed"], weights=[60, 25, 15])[0]
        if kind == "txt":
            a = articles[index]
            (folder / f"a{index:06d}.txt").write_text(f"{a['title']}\n\n{a['body']}\n", encoding="utf-8")
            index += 1
        elif kind == "json":
            batch = articles[index : index + 50]
            records = [
                {
                    "title": a["title"],
                    "text": a["body"],
                    "url": f"https://news{i % 40}.example.org/{index + i}",
                    "outlet": f"Outlet {i % 40}",
                    "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(a["published"])),
                }
                for i, a in enumerate(batch)
            ]
            (folder / f"b{index:06d}.json").write_text(
                json.dumps(records, ensure_ascii=False), encoding="utf-8"
            )
            index += len(batch)
        else:
            batch = articles[index : index + 20]
            items = "".join(
                f"<item><title>{escape(a['title'])}</title><link>https://feed{index}.example.net/{i}</link>"
                f"<guid>https://feed{index}.example.net/{i}</guid>"
                f"<pubDate>{format_datetime(_utc(a['published']))}</pubDate>"
                f"<description>{escape(a['body'])}</description></item>"
                for i, a in enumerate(batch)
            )
            (folder / f"c{index:06d}.xml").write_text(
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Feed {index}</title><link>https://feed{index}.example.net/</link>{items}</channel></rss>",
                encoding="utf-8",
            )
            index += len(batch)
        files[kind] += 1
    return {"articles": len(articles), "files": files, "languages": LANGUAGES}


def _utc(seconds: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        parent = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
    except psutil.Error:
        return 0


def run_once(corpus: Path, out: Path, workers: int) -> dict:
    """`briefing run` over the corpus in a process of its own: wall, CPU, peak RSS of the tree, stage times."""
    import psutil

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "tasks.cli", "run", "--input", str(corpus), "--out", str(out),
        "--date", "2026-11-24", "--deliver", "none", "--workers", str(workers),
    ]  # fmt: skip
    start = time.perf_counter()
    log = (out.parent / f"{out.name}.log").open("w")  # a file, not a pipe: a long report never blocks the run
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    peak, cpu = 0, 0.0
    watched = psutil.Process(process.pid)
    times: dict[int, float] = {}
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        try:
            for child in [watched, *watched.children(recursive=True)]:
                t = child.cpu_times()
                times[child.pid] = t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
        time.sleep(0.25)
    wall = time.perf_counter() - start
    process.wait()
    log.close()
    if process.returncode != 0:
        text = (out.parent / f"{out.name}.log").read_text(errors="replace")
        raise SystemExit(f"briefing run failed ({process.returncode}):\n{text[-3000:]}")
    cpu = sum(times.values())
    store = out / ".store" / "runs" / "2026-11-24"
    written = sum(1 for p in store.rglob("*") if p.is_file()) + sum(
        1 for p in (out / "2026-11-24").rglob("*") if p.is_file()
    )
    stages: dict[str, float] = {}
    for stage in STAGES:
        for timing in (store / "timings" / stage).glob("*.json"):
            stages[stage] = stages.get(stage, 0.0) + json.loads(timing.read_text())["seconds"]
    plan = json.loads((store / "plan.json").read_text())
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_rss_gib": peak / 2**30,
        "files": written,
        "shards": plan["shards"],
        "stages": stages,
    }


def run_airflow(corpus: Path, out: Path) -> dict:
    """`airflow dags test daily_briefing` over the corpus, with its own Airflow home: wall time and outcome."""
    home = out / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    config = out / "briefing.toml"
    config.write_text(
        f'input = ["{corpus}"]\nout = "{out}"\n[ingest]\nallowed_roots = ["{corpus}"]\n'
        '[deliver]\ntransport = "none"\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "BRIEFING_CONFIG": str(config),
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run(
        [airflow, "dags", "test", "daily_briefing", "2026-11-24"], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    (out / "airflow.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    manifest = out / "2026-11-24" / "manifest.json"
    ok = done.returncode == 0 and manifest.exists()
    return {"wall": wall, "ok": ok, "log": str(out / "airflow.log")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep corpora here (reused when present).")
    parser.add_argument("--airflow", action="store_true", help="Run `airflow dags test` instead of the CLI.")
    parser.add_argument(
        "--generate", nargs=2, metavar=("N", "DIR"), help="Only write a corpus of N articles."
    )
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(generate(int(args.generate[0]), Path(args.generate[1]))))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="briefing-scale-"))
    results = {}
    for size in args.sizes:
        corpus = workdir / f"corpus-{size}"
        if not corpus.exists():
            generate(size, corpus)
        out = workdir / f"out-{size}"
        shutil.rmtree(out, ignore_errors=True)
        if args.airflow:
            result = run_airflow(corpus, out)
            print(
                f"N={size}: airflow dags test daily_briefing: wall {result['wall']:.1f}s, ok {result['ok']}"
            )
            continue
        result = run_once(corpus, out, args.workers)
        results[size] = result
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in result["stages"].items())
        print(
            f"N={size}: wall {result['wall']:.1f}s, cpu {result['cpu']:.1f}s, "
            f"peak RSS {result['peak_rss_gib']:.2f} GiB, {result['shards']} shards, "
            f"{result['files']} files written; {stages}",
            flush=True,
        )
    sizes = sorted(results) if not args.airflow else []
    for small, large in itertools.pairwise(sizes):
        ratio = math.log(large / small)
        parts = [f"wall {math.log(results[large]['wall'] / results[small]['wall']) / ratio:.2f}"]
        for stage, seconds in results[large]["stages"].items():
            before = results[small]["stages"].get(stage)
            if before and seconds > 0.05 and before > 0.0:
                parts.append(f"{stage} {math.log(seconds / before) / ratio:.2f}")
        print(f"growth exponent {small} -> {large}: " + ", ".join(parts))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
