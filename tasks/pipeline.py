"""The run: each stage reads its input records from the run store and writes its own; the CLI and DAGs call these."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.article import Article, Story, stable_id
from tasks.config import PROJECT_ROOT, Config
from tasks.storage.store import RunStore, Store

if TYPE_CHECKING:
    from tasks.delivery.transports import Transport

STAGES = ("ingest", "detect", "translate", "repair")


class RunParameterError(ValueError):
    """A run parameter (date, path, template, recipient) that is refused before any work is done."""


def parse_date(value: str | None) -> str:
    """An ISO date `YYYY-MM-DD` (today in UTC when None)."""
    if value is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise RunParameterError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def check_inputs(paths: list[str], allowed_roots: list[str]) -> list[str]:
    """The resolved input paths, each inside an allowed root (no `..` or symlink escapes)."""
    roots = [Path(r).resolve() for r in allowed_roots]
    resolved = []
    for raw in paths:
        path = (PROJECT_ROOT / raw).resolve()  # a relative path is relative to the project, as in the README
        if not any(path == root or path.is_relative_to(root) for root in roots):
            raise RunParameterError(f"input {raw!r} is outside the allowed roots")
        resolved.append(str(path))
    return resolved


@dataclass
class Run:
    """One run: its config, date, key, store and output folder."""

    config: Config
    date: str
    key: str

    @functools.cached_property
    def store(self) -> RunStore:
        """The records of this run."""
        return RunStore(Store(self.config.store_url), self.key)

    @functools.cached_property
    def outputs(self) -> Store:
        """Where the digest, manifest, report and config of every run are written (local or any fsspec URL)."""
        return Store(self.config.out)

    @property
    def out_dir(self) -> Path:
        """The local folder of this run's outputs (when `out` is a local path)."""
        return Path(self.config.out) / self.key

    def write_output(self, name: str, text: str) -> str:
        """Write one output file of this run atomically; returns its path or URL."""
        key = f"{self.key}/{name}"
        self.outputs.write_text(key, text)
        return self.outputs.local_path(key) or f"{self.config.out.rstrip('/')}/{key}"

    def read_output(self, name: str) -> str:
        """Read one output file of this run."""
        return self.outputs.read_text(f"{self.key}/{name}")


def open_run(config: Config, date: str | None = None, name: str | None = None) -> Run:
    """A run keyed by its date, or by date and a name for on-demand runs."""
    day = parse_date(date)
    key = day
    if name:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:80]
        key = f"{day}_{slug}" if slug else day
    run = Run(config=config, date=day, key=key)
    run.write_output("config.json", config.model_dump_json(indent=2))
    return run


def timed(stage: str) -> Callable:
    """Record how long each call of a stage took, in the run store (for the run report)."""

    def wrap(step: Callable) -> Callable:
        @functools.wraps(step)
        def timed_step(run: Run, *args, **kwargs):
            start = time.perf_counter()
            result = step(run, *args, **kwargs)
            key = stable_id(stage, json.dumps(args, sort_keys=True, default=str))
            run.store.put_json(
                f"timings/{stage}/{key}.json", {"seconds": round(time.perf_counter() - start, 3)}
            )
            return result

        return timed_step

    return wrap


def batches(ids: list[str], size: int) -> list[list[str]]:
    """Ids cut into batches of at most `size`."""
    return [ids[i : i + size] for i in range(0, len(ids), max(1, size))]


def list_sources(run: Run) -> list[dict]:
    """The configured HTTP sources (empty when no sources file is configured)."""
    from tasks.stages.fetch.sources import load_sources

    if not run.config.fetch.sources:
        return []
    return [{**s.model_dump(mode="json"), "id": s.id} for s in load_sources(run.config.fetch.sources)]


@timed("fetch")
def run_fetch(run: Run, source: dict) -> list[str]:
    """Fetch one source (new and updated items only) into the run store; returns its article ids."""
    from tasks.stages.fetch.http import fetch_source
    from tasks.stages.fetch.sources import Source
    from tasks.storage.seen import SeenStore

    src = Source.model_validate({k: v for k, v in source.items() if k != "id"})
    store = Store(run.config.store_url)
    result = SeenStore(store).apply(fetch_source(src, store, run.config.fetch, run.date), run.date)
    for article in result.articles:
        run.store.put_article("fetched", article)
    run.store.put_json(f"fetch/{src.id}.json", [asdict(r) for r in result.report])
    return [a.id for a in result.articles]


@timed("ingest")
def run_ingest(run: Run) -> list[list[str]]:
    """Read the input files and merge the fetched sources into the store; returns batches of article ids."""
    from tasks.stages.ingest import InputReport, ingest, merge, require_articles

    result = ingest(
        run.config.input,
        max_bytes=run.config.ingest.max_bytes,
        exclude=[run.config.out, run.config.store_url],
        default_date=run.date,
    )
    for source in list_sources(run):
        key = f"fetch/{source['id']}.json"
        if not run.store.store.exists(run.store.key(key)):
            result.report.append(
                InputReport(source=source["id"], status="rejected", reason="source was not fetched")
            )
            continue
        lines = [InputReport(**line) for line in run.store.get_json(key)]
        ids = [line.article_id for line in lines if line.status == "included" and line.article_id]
        result = merge(result, [run.store.get_article("fetched", i) for i in ids], lines)
    for article in result.articles:
        if not run.store.has_article("ingest", article.id):  # same id, same content: nothing to redo
            run.store.put_article("ingest", article)
    run.store.put_json("ingest.json", [asdict(r) for r in result.report])
    require_articles(result, [*run.config.input, *(s["id"] for s in list_sources(run))])
    return batches([a.id for a in result.articles], run.config.ingest.batch_size)


def _article_stage(
    run: Run, stage: str, ids: list[str], work: Callable[[list[Article]], list[Article]], force: bool
) -> list[str]:
    previous = STAGES[STAGES.index(stage) - 1]
    todo = [i for i in ids if force or not run.store.has_article(stage, i)]
    if todo:
        for article in work(run.store.articles(previous, todo)):
            run.store.put_article(stage, article)
    return ids


@timed("detect")
def run_detect(run: Run, ids: list[str], force: bool = False) -> list[str]:
    """Detect the language of a batch."""
    from tasks.stages.detect import detect_articles

    return _article_stage(run, "detect", ids, lambda a: detect_articles(a, run.config.detect), force)


@timed("translate")
def run_translate(run: Run, ids: list[str], force: bool = False) -> list[str]:
    """Translate a batch (models loaded once for the batch)."""
    from tasks.stages.translate import translate_articles

    return _article_stage(run, "translate", ids, lambda a: translate_articles(a, run.config), force)


@timed("repair")
def run_repair(run: Run, ids: list[str], force: bool = False) -> list[str]:
    """Repair the English text of a batch."""
    from tasks.stages.repair import repair_articles

    return _article_stage(run, "repair", ids, lambda a: repair_articles(a, run.config.repair), force)


def final_articles(run: Run) -> dict[str, Article]:
    """Every article as the last article stage left it."""
    return {a.id: a for a in run.store.iter_stage(STAGES[-1])}


@timed("stories")
def run_stories(run: Run) -> list[list[str]]:
    """Group the articles into stories; returns batches of story ids."""
    from tasks.stages.stories import build_stories

    stories = build_stories(list(final_articles(run).values()), run.config.stories)
    for story in stories:
        run.store.put_story("stories", story)
    run.store.put_json("stories.json", [s.id for s in stories])
    return batches([s.id for s in stories], run.config.ingest.batch_size)


@timed("summarise")
def run_summarise(run: Run, story_ids: list[str], force: bool = False) -> list[str]:
    """Summarise a batch of stories."""
    from tasks.stages.summarise import summarise_stories

    todo = [i for i in story_ids if force or not run.store.has_story("summaries", i)]
    if todo:
        articles = final_articles(run)
        stories = [run.store.get_story("stories", i) for i in todo]
        for story in summarise_stories(stories, articles, run.config):
            run.store.put_story("summaries", story)
    return story_ids


def manifest(run: Run, articles: dict[str, Article], stories: list[Story]) -> dict:
    """Every input with its status and reason, and what each stage did to each included article."""
    story_of = {a: s.id for s in stories for a in s.article_ids}
    duplicate_of = {dup: original for s in stories for dup, original in s.duplicates.items()}
    entries = []
    for line in run.store.get_json("ingest.json"):
        entry = dict(line)
        article = articles.get(line["article_id"] or "")
        if line["status"] == "included" and article is None:
            entry.update(status="rejected", reason="lost between stages")  # never silent
        elif line["status"] == "included" and article.id in duplicate_of:
            original = duplicate_of[article.id]
            entry.update(status="duplicate", duplicate_of=original, reason=f"republished copy of {original}")
        elif line["status"] == "included" and article.id not in story_of:
            entry.update(status="rejected", reason="in no story")  # never silent
        entry["story"] = story_of.get(line["article_id"] or "")
        if article is not None:
            entry.update(
                title=article.title,
                lang=article.lang,
                confidence=article.detection.confidence if article.detection else None,
                translated_by=article.translation.model if article.translation else None,
                repairs=list(article.repair.changes) if article.repair else [],
                repair_flags=list(article.repair.flags) if article.repair else [],
                flags=[asdict(f) for f in article.flags],
            )
        entries.append(entry)
    story_lines = [
        {
            "id": s.id,
            "headline": s.headline,
            "articles": list(s.article_ids),
            "score": s.score,
            "reason": s.reason,
            "summary_method": s.summary.method if s.summary else None,
            "summary_model": s.summary.model if s.summary else None,
            "summary_chunks": s.summary.chunks if s.summary else 0,
        }
        for s in stories
    ]
    return {"run": run.key, "date": run.date, "inputs": entries, "stories": story_lines}


@timed("render")
def run_render(run: Run, template: str = "digest") -> dict[str, str]:
    """Write digest.html, digest.txt and manifest.json; returns their paths."""
    from tasks.degraded import degradation
    from tasks.stages.render import digest_context, render_digest

    articles = final_articles(run)
    story_ids = run.store.get_json("stories.json")
    stories = [run.store.get_story("summaries", i) for i in story_ids]
    report = manifest(run, articles, stories)
    report["degraded"] = degradation(articles, stories).as_dict()
    rejected = sum(1 for e in report["inputs"] if e["status"] == "rejected")
    context = digest_context(stories, articles, run.date, rejected, run.config.render.title)
    parts = render_digest(context, template, run.config.render.templates)
    run.store.put_json("digest.json", parts)
    paths = {name: run.write_output(name, content) for name, content in parts.items()}
    paths["manifest.json"] = run.write_output(
        "manifest.json", json.dumps(report, ensure_ascii=False, indent=1)
    )
    paths["report.txt"] = write_report(run)
    return paths


def write_report(run: Run) -> str:
    """Write the human-readable run report beside the manifest; returns its path."""
    from tasks.report import run_report

    timings: dict[str, float] = {}
    for stage in (
        "fetch",
        "ingest",
        "detect",
        "translate",
        "repair",
        "stories",
        "summarise",
        "render",
        "deliver",
    ):
        for key in run.store.store.keys(run.store.key("timings", stage)):
            timings[stage] = timings.get(stage, 0.0) + run.store.store.read_json(key)["seconds"]
    manifest_doc = json.loads(run.read_output("manifest.json"))
    return run.write_output("report.txt", run_report(manifest_doc, timings, run.outputs.url, run.key))


@timed("deliver")
def run_deliver(
    run: Run, transport: str | Transport | None = None, recipients: list[str] | None = None
) -> list[dict]:
    """Email the rendered digest to every recipient exactly once; the outcomes also go into the manifest."""
    from tasks.degraded import subject_line
    from tasks.delivery.deliver import deliver, make_transport
    from tasks.storage.ledger import ledger_for

    cfg = run.config.deliver
    if transport is None or isinstance(transport, str):
        if not cfg.outbox_dir and run.outputs.local_path("outbox") is None:
            raise RunParameterError("`out` is not a local folder: set deliver.outbox_dir, or deliver by SMTP")
        outbox = cfg.outbox_dir or str(Path(run.config.out) / "outbox")
        transport = make_transport(transport or cfg.transport, outbox, cfg.smtp_timeout)
    if transport is None:
        return []
    parts = run.store.get_json("digest.json")
    results = deliver(
        parts,
        recipients if recipients is not None else cfg.recipients,
        cfg.sender,
        subject_line(cfg.subject.format(date=run.date), run),
        run.date,
        run.key,
        transport,
        ledger_for(Store(run.config.store_url)),
        unsubscribe_url=cfg.unsubscribe_url,
        pending_policy=cfg.pending_policy,
        retries=cfg.retries,
        backoff=cfg.retry_backoff,
    )
    outcome = [asdict(r) for r in results]
    run.write_output("deliveries.json", json.dumps(outcome, indent=1))
    if run.outputs.exists(f"{run.key}/manifest.json"):
        report = json.loads(run.read_output("manifest.json"))
        report["deliveries"] = outcome
        run.write_output("manifest.json", json.dumps(report, ensure_ascii=False, indent=1))
        write_report(run)
    return outcome


def run_all(
    run: Run, template: str = "digest", force: bool = False, progress: bool = False
) -> dict[str, str]:
    """Every stage in order, in this process; returns the output paths."""
    from tqdm import tqdm

    for source in tqdm(list_sources(run), desc="fetch", disable=not progress, unit="source"):
        run_fetch(run, source)
    id_batches = run_ingest(run)
    steps = [("detect", run_detect), ("translate", run_translate), ("repair", run_repair)]
    for name, step in steps:
        for batch in tqdm(id_batches, desc=name, disable=not progress, unit="batch"):
            step(run, batch, force=force)
    story_batches = run_stories(run)
    for batch in tqdm(story_batches, desc="summarise", disable=not progress, unit="batch"):
        run_summarise(run, batch, force=force)
    return run_render(run, template)
