"""The run: every registered stage over the run's shards; the CLI, the in-process run and the DAGs call these."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.article import Article, Story, article_from_dict, story_from_dict, to_dict
from tasks.config import PROJECT_ROOT, Config
from tasks.stages.registry import (
    ARTICLE_STAGES,
    BY_NAME,
    STAGES,
    Context,
    Stage,
    final_article_stage,
    previous_article_stage,
)
from tasks.storage.shards import ShardFolder, encode
from tasks.storage.store import RunStore, Store

if TYPE_CHECKING:
    from tasks.delivery.transports import Transport


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


def check_map_length(shards: int, limit: int, articles: int, shard_size: int) -> None:
    """Refuse a plan with more shards than Airflow maps, naming the setting to change."""
    if shards > limit:
        needed = math.ceil(articles / limit)
        raise RunParameterError(
            f"{articles} articles make {shards} shards of {shard_size}, more than Airflow's "
            f"[core] max_map_length ({limit}): set ingest.shard_size to at least {needed}, "
            f"or raise max_map_length"
        )


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

    @functools.cached_property
    def context(self) -> Context:
        """What the stages are handed: the config, the model cache and the translation memory."""
        from tasks.models.loading import model_cache
        from tasks.storage.memory import memory_for

        models = model_cache(self.config.models.cache_size, self.config.models.hub_probe_timeout)
        return Context(self.config, self.date, models, memory_for(self.config, self.store.store))

    @property
    def out_dir(self) -> Path:
        """The local folder of this run's outputs (when `out` is a local path)."""
        return Path(self.config.out) / self.key

    def shards(self, name: str) -> ShardFolder:
        """The shard folder of one stage of this run."""
        return self.store.shards(name)

    def write_output(self, name: str, text: str) -> str:
        """Write one output file of this run atomically; returns its path or URL."""
        key = f"{self.key}/{name}"
        self.outputs.write_text(key, text)
        return self.outputs.local_path(key) or f"{self.config.out.rstrip('/')}/{key}"

    def read_output(self, name: str) -> str:
        """Read one output file of this run."""
        return self.outputs.read_text(f"{self.key}/{name}")


def run_slug(name: str) -> str:
    """The part of a run's key that names it (safe in a path): `<date>_<slug>`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:80]


def open_run(config: Config, date: str | None = None, name: str | None = None) -> Run:
    """A run keyed by its date, or by date and a name for on-demand runs."""
    day = parse_date(date)
    key = day
    if name:
        key = f"{day}_{run_slug(name)}" if run_slug(name) else day
    run = Run(config=config, date=day, key=key)
    run.write_output("config.json", config.model_dump_json(indent=2))
    return run


@contextlib.contextmanager
def timed(run: Run, stage: str, part: str = "all") -> Iterator[None]:
    """Record how long one part of a stage took (one small file per shard, for the run report)."""
    start = time.perf_counter()
    yield
    run.store.put_json(f"timings/{stage}/{part}.json", {"seconds": round(time.perf_counter() - start, 3)})


def _replace_shard(run: Run, folder: ShardFolder, index: int, data: bytes, downstream: list[str]) -> None:
    """Write a shard whose bytes changed, first removing what later stages made from the old one."""
    key = folder.key(index)
    if folder.store.exists(key) and folder.store.read_bytes(key) == data:
        return
    for name in reversed(downstream):  # invalidate before writing: a crash in between is seen next time
        run.store.store.delete(run.shards(name).key(index))
    folder.store.write_bytes(key, data)


def _drop_shards_from(run: Run, names: list[str], first: int) -> None:
    """Remove shards numbered `first` and above (a run that shrank leaves none of the old ones behind)."""
    for name in names:
        folder = run.shards(name)
        for index in folder.indices():
            if index >= first:
                run.store.store.delete(folder.key(index))


def list_sources(run: Run) -> list[dict]:
    """The configured HTTP sources (empty when no sources file is configured)."""
    from tasks.stages.fetch.sources import load_sources

    if not run.config.fetch.sources:
        return []
    return [{**s.model_dump(mode="json"), "id": s.id} for s in load_sources(run.config.fetch.sources)]


def run_fetch(run: Run, source: dict) -> list[str]:
    """Fetch one source (new and updated items only) into one shard of the run; returns its article ids."""
    from tasks.stages.fetch.http import fetch_source
    from tasks.stages.fetch.sources import Source
    from tasks.storage.seen import SeenStore

    src = Source.model_validate({k: v for k, v in source.items() if k != "id"})
    store = Store(run.config.store_url)
    seen = SeenStore(store, record=run.config.fetch.record_seen)  # on-demand runs only read it
    with timed(run, "fetch", src.id):
        result = seen.apply(fetch_source(src, store, run.config.fetch, run.date), run.date)
    run.store.store.write_bytes(
        run.store.key("fetched", f"{src.id}.jsonl.gz"), encode(map(to_dict, result.articles))
    )
    run.store.put_json(f"fetch/{src.id}.json", [asdict(r) for r in result.report])
    return [a.id for a in result.articles]


def _fetched(run: Run, source_id: str) -> dict[str, Article]:
    from tasks.storage.shards import decode

    data = run.store.store.read_bytes(run.store.key("fetched", f"{source_id}.jsonl.gz"))
    return {row["id"]: article_from_dict(row) for row in decode(data)}


def run_ingest(run: Run) -> list[int]:
    """Read the inputs and merge the fetched sources into article shards; returns the shard indices."""
    from tasks.stages.ingest import InputReport, ingest, merge, require_articles

    caps = run.config.ingest
    with timed(run, "ingest"):
        result = ingest(
            run.config.input,
            max_bytes=caps.max_bytes,
            max_chars=caps.max_chars,
            max_feed_items=caps.max_feed_items,
            exclude=[run.config.out, run.config.store_url],
            default_date=run.date,
        )
        for source in list_sources(run):
            if not run.store.exists(f"fetch/{source['id']}.json"):
                result.report.append(
                    InputReport(source=source["id"], status="rejected", reason="source was not fetched")
                )
                continue
            lines = [InputReport(**line) for line in run.store.get_json(f"fetch/{source['id']}.json")]
            fetched = _fetched(run, source["id"])
            ids = [line.article_id for line in lines if line.status == "included" and line.article_id]
            result = merge(result, [fetched[i] for i in ids if i in fetched], lines, max_chars=caps.max_chars)
        size = run.config.ingest.shard_size
        folder = run.shards("ingest")
        downstream = [s.name for s in ARTICLE_STAGES]
        count = math.ceil(len(result.articles) / size)
        for index in range(count):
            rows = map(to_dict, result.articles[index * size : (index + 1) * size])
            _replace_shard(run, folder, index, encode(rows), downstream)
        _drop_shards_from(run, [*reversed(downstream), "ingest"], count)
        run.store.put_json("ingest.json", [asdict(r) for r in result.report])
        run.store.put_json("plan.json", {"articles": len(result.articles), "shards": count})
    require_articles(result, [*run.config.input, *(s["id"] for s in list_sources(run))])
    return list(range(count))


def run_articles(run: Run, stage: Stage, shard: int, force: bool = False) -> int:
    """One article stage over one shard (skipped when that shard is already done); returns the shard."""
    out = run.shards(stage.name)
    if force or not out.done(shard):
        articles = [article_from_dict(r) for r in run.shards(previous_article_stage(stage)).read(shard)]
        with timed(run, stage.name, str(shard)):
            result = stage.step(articles, run.context)
        out.write(shard, map(to_dict, result))
    return shard


def run_stories(run: Run) -> list[int]:
    """Group every article into ranked stories; the top ones go to summary shards, whose indices are returned."""
    stage = BY_NAME["stories"]
    with timed(run, "stories"):
        articles = {a.id: a for a in run.store.articles(final_article_stage())}
        stories = stage.step(articles.values(), run.context)
        stories = _link_tracks(run, stories, articles)
        run.store.store.write_bytes(run.store.key("stories.jsonl.gz"), encode(map(to_dict, stories)))
        # Stories listed under "Still developing" are not shown in full, so they need no summary.
        top = [s for s in stories if not _collapsed(run, s)][: run.config.render.max_stories]
        size = run.config.summarise.stories_per_shard
        folder = run.shards("stories")
        count = math.ceil(len(top) / size)
        for index in range(count):
            rows = [
                {"story": to_dict(s), "members": [to_dict(articles[i]) for i in _member_ids(s)]}
                for s in top[index * size : (index + 1) * size]
            ]
            _replace_shard(run, folder, index, encode(rows), ["summarise"])
        _drop_shards_from(run, ["summarise", "stories"], count)
    return list(range(count))


def _link_tracks(run: Run, stories: list[Story], articles: dict[str, Article]) -> list[Story]:
    """Tracks: the day's stories linked to the story archive's earlier days, re-ranked; the day archived.

    A named (on-demand) run reads the archive but never replaces the daily shard.
    """
    from tasks.stages.tracks import track_day

    stories, problems = track_day(
        stories, articles, run.store.store, run.date, run.config.stories, write=run.key == run.date
    )
    run.store.put_json("tracks.json", {"archive_problems": problems})
    return stories


def _collapsed(run: Run, story: Story) -> bool:
    """Whether the digest lists the story under "Still developing" instead of in full."""
    return bool(run.config.render.collapse_unchanged and story.track and story.track.status == "unchanged")


def _member_ids(story: Story) -> list[str]:
    return list(dict.fromkeys([*story.article_ids, *story.duplicates, *story.duplicates.values()]))


def run_summarise(run: Run, shard: int, force: bool = False) -> int:
    """Summarise one shard of stories from their own member articles only; returns the shard."""
    stage = BY_NAME["summarise"]
    out = run.shards("summarise")
    if force or not out.done(shard):
        rows = list(run.shards("stories").read(shard))
        members = {m["id"]: article_from_dict(m) for row in rows for m in row["members"]}
        with timed(run, "summarise", str(shard)):
            stories = stage.step([story_from_dict(r["story"]) for r in rows], members, run.context)
        out.write(
            shard,
            ({"story": to_dict(s), "members": r["members"]} for s, r in zip(stories, rows, strict=True)),
        )
    return shard


def _article_entry(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "lang": article.lang,
        "confidence": article.detection.confidence if article.detection else None,
        "translated_by": article.translation.model if article.translation else None,
        "repairs": list(article.repair.changes) if article.repair else [],
        "repair_flags": list(article.repair.flags) if article.repair else [],
        "flags": [asdict(f) for f in article.flags],
    }


def track_fields(story: Story) -> dict:
    """The manifest's `track` and `rising` of a story."""
    track = story.track
    return {
        "track": None
        if track is None
        else {
            "id": track.id,
            "first_seen": track.first_seen,
            "day": track.day,
            "previous": track.previous,
            "link_score": track.link_score,
            "status": track.status,
            "new_sources": list(track.new_sources),
            "new_languages": list(track.new_languages),
            "new_anchors": list(track.new_anchors),
        },
        "rising": asdict(story.rising) if story.rising else None,
    }


def manifest(run: Run, stories: list[Story]) -> dict:
    """Every input with its status and reason, and what each stage did to each included article (streamed)."""
    story_of = {a: s.id for s in stories for a in s.article_ids}
    duplicate_of = {dup: original for s in stories for dup, original in s.duplicates.items()}
    done = {a.id: _article_entry(a) for a in run.store.articles(final_article_stage())}
    entries = []
    for line in run.store.get_json("ingest.json"):
        entry = dict(line)
        article_id = line["article_id"] or ""
        details = done.get(article_id)
        if line["status"] == "included" and details is None:
            entry.update(status="rejected", reason="lost between stages")  # never silent
        elif line["status"] == "included" and article_id in duplicate_of:
            original = duplicate_of[article_id]
            entry.update(status="duplicate", duplicate_of=original, reason=f"republished copy of {original}")
        elif line["status"] == "included" and article_id not in story_of:
            entry.update(status="rejected", reason="in no story")  # never silent
        entry["story"] = story_of.get(article_id)
        if details is not None:
            entry.update(details)
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
            **track_fields(s),
        }
        for s in stories
    ]
    report = {"run": run.key, "date": run.date, "inputs": entries, "stories": story_lines}
    if run.store.store.exists(run.store.key("tracks.json")):
        report["archive_problems"] = run.store.get_json("tracks.json")["archive_problems"]
    return report


def _more_stories(stories: list[Story], listed: set[str]) -> list[dict[str, Any]]:
    """The stories not already in the digest (in full or under "Still developing"), compactly."""
    from tasks.stages.render import plain

    return [
        {"id": s.id, "headline": plain(s.headline), "sources": len(s.article_ids)}
        for s in stories
        if s.id not in listed
    ]


def run_render(run: Run, template: str = "digest") -> dict[str, str]:
    """Write digest.html, digest.txt, page.html, manifest.json and report.txt; returns their paths."""
    from tasks.degraded import degradation_of_run
    from tasks.stages.render import digest_context, language_name, render_digest

    with timed(run, "render"):
        rows = list(run.shards("summarise").read_all())
        members = {m["id"]: article_from_dict(m) for row in rows for m in row["members"]}
        shown = [story_from_dict(row["story"]) for row in rows]
        summarised = {s.id: s for s in shown}
        everything = [
            summarised.get(row["id"]) or story_from_dict(row)
            for row in run.store.read_records("stories.jsonl.gz")
        ]
        report = manifest(run, everything)
        missing = degradation_of_run(report, everything)
        report["degraded"] = missing.as_dict()
        included = [e for e in report["inputs"] if e.get("lang") is not None and e["status"] == "included"]
        rejected = sum(1 for e in report["inputs"] if e["status"] == "rejected")
        collapsed = [s for s in everything if _collapsed(run, s) and s.id not in summarised]
        context = digest_context(
            shown + collapsed,
            members,
            run.date,
            rejected,
            run.config.render.title,
            collapse_unchanged=run.config.render.collapse_unchanged,
            missing=missing,
        )
        langs = Counter(e["lang"] for e in included)
        context["counts"].update(
            stories=len(everything), articles=len(included), languages=len(set(langs) - {"und"})
        )
        context["languages"] = [language_name(lang) for lang in sorted(langs) if lang != "und"]
        context["more_stories"] = _more_stories(everything, {s.id for s in shown + collapsed})
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
    for stage in STAGES:
        for key in run.store.store.keys(run.store.key("timings", stage.name)):
            timings[stage.name] = timings.get(stage.name, 0.0) + run.store.store.read_json(key)["seconds"]
    manifest_doc = json.loads(run.read_output("manifest.json"))
    return run.write_output("report.txt", run_report(manifest_doc, timings, run.outputs.url, run.key))


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
    with timed(run, "deliver"):
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
            resend_updates=cfg.resend_updates,
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


# Shard work in other processes: each worker opens the run once and keeps its models across shards.
_worker_runs: dict[str, Run] = {}


def _shard_job(config: Config, date: str, key: str, stage_name: str, shard: int, force: bool) -> int:
    run = _worker_runs.get(key)
    if run is None:
        run = _worker_runs[key] = Run(config=config, date=date, key=key)
    stage = BY_NAME[stage_name]
    if stage.kind == "stories":
        return run_summarise(run, shard, force)
    return run_articles(run, stage, shard, force)


def run_shards(
    run: Run,
    stage: Stage,
    shards: list[int],
    force: bool = False,
    pool: WorkerPool | None = None,
    progress: bool = False,
) -> list[int]:
    """A mapped stage over its shards, in this process or spread over a pool of worker processes."""
    from tqdm import tqdm

    bar = tqdm(total=len(shards), desc=stage.name, unit="shard", disable=not progress)
    executor = pool.get(len(shards)) if pool else None
    if executor is None:
        for shard in shards:
            if stage.kind == "stories":
                run_summarise(run, shard, force)
            else:
                run_articles(run, stage, shard, force)
            bar.update()
    else:
        futures = [
            executor.submit(_shard_job, run.config, run.date, run.key, stage.name, i, force) for i in shards
        ]
        for future in as_completed(futures):
            future.result()
            bar.update()
    bar.close()
    return shards


class WorkerPool:
    """Up to `workers` processes for the shards of every stage of a run, started only when a stage has several
    shards; one pool for the whole run keeps each worker's models loaded across shards."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    def get(self, shards: int) -> Executor | None:
        """The pool, when it is worth starting for this many shards (None: work in this process)."""
        if self.workers <= 1 or shards <= 1:
            return self._pool
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: never copy a process that may hold model threads.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        """Stop the workers (and free their models) before a stage that runs in this process alone."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_all(
    run: Run, template: str = "digest", force: bool = False, progress: bool = False, workers: int = 1
) -> dict[str, str]:
    """Every registered stage in order, in this process (shards spread over `workers` processes)."""
    shards: list[int] = []
    paths: dict[str, str] = {}
    with WorkerPool(workers) as pool:
        for stage in STAGES:
            if stage.kind == "sources":
                for source in list_sources(run):
                    run_fetch(run, source)
            elif stage.kind == "read":
                shards = run_ingest(run)
            elif stage.kind in ("articles", "stories"):
                run_shards(run, stage, shards, force, pool, progress)
            elif stage.kind == "group":
                pool.close()  # grouping holds every article: the workers' detectors must not sit beside it
                shards = run_stories(run)
            elif stage.kind == "write":
                paths = run_render(run, template)
    return paths


def run_stage(run: Run, stage: Stage, force: bool = False) -> list[int]:
    """One mapped stage over every shard the run has for it (the CLI's single-stage commands)."""
    source = "stories" if stage.kind == "stories" else "ingest"
    return run_shards(run, stage, run.shards(source).indices(), force)
