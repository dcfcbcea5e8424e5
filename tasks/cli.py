"""The `briefing` command line: the whole run, single stages, JSON-lines tools and model management."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tasks.config import Config, load_config

app = typer.Typer(help="Multilingual news translation and summarisation.", no_args_is_help=True)
models_app = typer.Typer(help="Show and fetch the models a run uses.", no_args_is_help=True)
app.add_typer(models_app, name="models")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: $BRIEFING_CONFIG).", exists=True)
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Output folder (digests go to OUT/<date>/).")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Run date YYYY-MM-DD (default: today, UTC).")]
JsonlOpt = Annotated[
    bool, typer.Option("--jsonl", help="Read JSON lines, write one JSON line per input line.")
]
SourceArg = Annotated[Path | None, typer.Argument(help="JSON-lines file (default: standard input).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Redo work already done for this run.")]


def _config(config: Path | None, overrides: dict[str, Any]) -> Config:
    path = config or (Path(os.environ["BRIEFING_CONFIG"]) if os.environ.get("BRIEFING_CONFIG") else None)
    return load_config(path, overrides)


def _translation_models(specs: list[str]) -> dict[str, str]:
    models = {}
    for spec in specs:
        pair, sep, model = spec.partition("=")
        src, dash, tgt = pair.partition("-")
        if not sep or not dash or not model or tgt != "en":
            raise typer.BadParameter(
                f"expected SRC-en=PATH_OR_ID, got {spec!r}", param_hint="--translation-model"
            )
        models[src] = str(Path(model).resolve()) if Path(model).exists() else model
    return models


def _jsonl_lines(source: Path | None):
    stream = source.open(encoding="utf-8") if source else sys.stdin
    for number, line in enumerate(stream, 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                yield {"id": None, "error": f"line {number}: malformed JSON ({exc.msg})"}


def _emit(record: dict) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def _overrides(out: Path | None, inputs: list[Path] | None = None) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if out is not None:
        overrides["out"] = str(out.resolve())
    if inputs:
        overrides["input"] = [str(p.resolve()) for p in inputs]
    return overrides


@app.command()
def run(
    inputs: Annotated[
        list[Path] | None, typer.Option("--input", help="Input file or folder (repeatable).")
    ] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    translation_model: Annotated[
        list[str] | None, typer.Option(help="SRC-en=PATH_OR_ID, a translation model for one language.")
    ] = None,
    summary_model: Annotated[str | None, typer.Option(help="Summary model, hub id or local path.")] = None,
    deliver: Annotated[str | None, typer.Option(help="none | outbox | outbox:DIR | smtp://HOST:PORT")] = None,
    to: Annotated[list[str] | None, typer.Option("--to", help="Recipient address (repeatable).")] = None,
    model_policy: Annotated[str | None, typer.Option(help="fail | degrade")] = None,
    template: Annotated[str, typer.Option(help="Digest template (allow-listed).")] = "digest",
    sources: Annotated[
        Path | None, typer.Option(help="Sources file (YAML) of feeds and pages to fetch.")
    ] = None,
    force: ForceOpt = False,
    workers: Annotated[
        int, typer.Option(help="Processes that run the shards of a stage in parallel (default: the cores).")
    ] = 0,
    on_demand: Annotated[
        bool,
        typer.Option(
            "--on-demand",
            help="An editor's run: outputs in OUT/<date>_on-demand/, and what it reports is not remembered, "
            "so the next daily run still reports it.",
        ),
    ] = False,
) -> None:
    """Run every stage in this process and write OUT/<date>/digest.html, digest.txt and manifest.json."""
    from tasks.delivery.deliver import DeliveryError, validate_recipient
    from tasks.models.loading import ModelUnavailable
    from tasks.pipeline import RunParameterError, open_run, run_all, run_deliver
    from tasks.stages.fetch.sources import SourcesError

    overrides = _overrides(out, inputs)
    if sources:
        overrides["fetch"] = {"sources": str(sources.resolve())}
        overrides.setdefault("input", [])  # fetched sources replace the default seeds unless --input is given
    if translation_model:
        overrides["translate"] = {"models": _translation_models(translation_model)}
    if summary_model:
        path = Path(summary_model)
        overrides["summarise"] = {"model": str(path.resolve()) if path.exists() else summary_model}
    if model_policy:
        overrides["models"] = {"policy": model_policy}
    if deliver:
        overrides["deliver"] = {"transport": deliver}
    if to:
        overrides.setdefault("deliver", {})["recipients"] = to
    if on_demand:
        overrides.setdefault("fetch", {})["record_seen"] = False
    cfg = _config(config, overrides)
    try:
        if template not in cfg.render.templates:
            raise RunParameterError(
                f"template {template!r} is not allowed ({', '.join(cfg.render.templates)})"
            )
        for recipient in cfg.deliver.recipients if cfg.deliver.transport != "none" else []:
            validate_recipient(recipient)
        current = open_run(cfg, date, name="on-demand" if on_demand else None)
        paths = run_all(
            current,
            template=template,
            force=force,
            progress=sys.stderr.isatty(),  # bars only for a person: no raw bar characters in logs
            workers=workers or os.cpu_count() or 1,
        )
    except (RunParameterError, SourcesError, DeliveryError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    except (OSError, ModelUnavailable) as exc:  # a full disk, a read-only folder, a missing model: one line
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    outcomes = run_deliver(current)
    typer.echo(current.read_output("report.txt"), nl=False)
    for name, path in paths.items():
        typer.echo(f"{name}: {path}")
    failed = [o for o in outcomes if o["status"] == "failed"]
    if failed:
        raise typer.Exit(code=3)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="With --jsonl: files or folders to read.", show_default=False)
    ] = None,
    inputs: Annotated[
        list[Path] | None, typer.Option("--input", help="Input file or folder (repeatable).")
    ] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Print one JSON line per article read or input rejected; no run.")
    ] = False,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Read inputs into the run store and print the ingest report; with --jsonl, print the articles instead."""
    if jsonl:
        return _ingest_jsonl([*(paths or []), *(inputs or [])], config)
    if paths or not inputs:
        typer.echo("error: give inputs with --input (or PATH... with --jsonl)", err=True)
        raise typer.Exit(code=2)
    from tasks.pipeline import open_run, run_ingest

    current = open_run(_config(config, _overrides(out, inputs)), date)
    run_ingest(current)
    for line in current.store.get_json("ingest.json"):
        _emit(line)


def _ingest_jsonl(paths: list[Path], config: Path | None) -> None:
    """`ingest --jsonl PATH...`: the articles read and the inputs rejected, as JSON lines on stdout."""
    from tasks.stages.ingest.export import ingest_records

    if not paths:
        typer.echo("error: give at least one file or folder to read", err=True)
        raise typer.Exit(code=2)
    for record in ingest_records(paths, max_bytes=_config(config, {}).ingest.max_bytes):
        _emit(record)


def _stage(
    name: str, config: Path | None, out: Path | None, date: str | None, force: bool, extra: dict | None = None
) -> None:
    from tasks import pipeline
    from tasks.stages.registry import BY_NAME

    current = pipeline.open_run(_config(config, {**_overrides(out), **(extra or {})}), date)
    stage = BY_NAME[name]
    if stage.kind == "articles":
        shards = pipeline.run_stage(current, stage, force=force)
        typer.echo(f"{name}: {len(shards)} shards")
    elif stage.kind == "stories":
        shards = pipeline.run_stories(current)
        pipeline.run_shards(current, stage, shards, force=force)
        typer.echo(f"summarise: {len(shards)} shards of stories")
    elif stage.kind == "write":
        for key, path in pipeline.run_render(current).items():
            typer.echo(f"{key}: {path}")
    elif stage.kind == "send":
        outcomes = pipeline.run_deliver(current)
        for outcome in outcomes:
            typer.echo(f"email {outcome['status']}: {outcome['recipient']} {outcome['detail']}")
        if any(o["status"] == "failed" for o in outcomes):
            raise typer.Exit(code=3)


@app.command()
def detect(
    source: SourceArg = None,
    jsonl: JsonlOpt = False,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Detect languages: of a run's articles, or of JSON lines {"id", "text"} with --jsonl."""
    if not jsonl:
        return _stage("detect", config, out, date, force)
    from tasks.stages.detect import detect_record

    settings = _config(config, {}).detect
    for record in _jsonl_lines(source):
        _emit(record if "error" in record else detect_record(record, settings))


@app.command()
def repair(
    source: SourceArg = None,
    jsonl: JsonlOpt = False,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Repair MT artefacts: of a run's articles, or of JSON lines {"id", "source_lang", "text"} with --jsonl."""
    if not jsonl:
        return _stage("repair", config, out, date, force)
    from tasks.stages.repair import repair_record

    for record in _jsonl_lines(source):
        _emit(record if "error" in record else repair_record(record))


@app.command()
def translate(
    source: SourceArg = None,
    jsonl: JsonlOpt = False,
    model: Annotated[
        list[str] | None, typer.Option("--model", help="SRC-en=PATH_OR_ID (repeatable).")
    ] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Translate: a run's articles, or JSON lines {"id", "source_lang", "text"} with --jsonl."""
    overrides = {"translate": {"models": _translation_models(model or [])}}
    if not jsonl:
        return _stage("translate", config, out, date, force, overrides)
    from tasks.models.loading import model_cache
    from tasks.stages.translate import translate_record
    from tasks.storage.memory import memory_for
    from tasks.storage.store import Store

    cfg = _config(config, overrides)
    cache = model_cache(cfg.models.cache_size, cfg.models.hub_probe_timeout)
    memory = memory_for(cfg, Store(cfg.store_url))
    for record in _jsonl_lines(source):
        _emit(record if "error" in record else translate_record(record, cfg, cache, memory))


@app.command()
def summarise(
    out: OutOpt = None, date: DateOpt = None, config: ConfigOpt = None, force: ForceOpt = False
) -> None:
    """Group a run's articles into stories and summarise them."""
    _stage("summarise", config, out, date, force)


@app.command()
def render(out: OutOpt = None, date: DateOpt = None, config: ConfigOpt = None) -> None:
    """Render a run's digest and manifest."""
    _stage("render", config, out, date, False)


@app.command(name="deliver")
def deliver_cmd(out: OutOpt = None, date: DateOpt = None, config: ConfigOpt = None) -> None:
    """Email a run's rendered digest (each recipient at most once per run)."""
    _stage("deliver", config, out, date, False)


@app.command()
def tracks(
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days back to list.")] = 7,
    date: Annotated[
        str | None, typer.Option("--date", help="Last day YYYY-MM-DD (default: the latest archived day).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per track.")] = False,
    config: ConfigOpt = None,
    out: OutOpt = None,
) -> None:
    """List the live tracks: stories that ran on one or more of the last DAYS archived days."""
    import datetime as dt

    from tasks.stages.tracks import live_tracks
    from tasks.storage.archive import archived_dates, read_window
    from tasks.storage.store import Store

    cfg = _config(config, _overrides(out))
    store = Store(cfg.store_url)
    try:
        last = dt.date.fromisoformat(date) if date else None
    except ValueError as exc:
        typer.echo(f"error: --date: not a date (YYYY-MM-DD): {date!r}", err=True)
        raise typer.Exit(code=2) from exc
    if last is None:
        known = archived_dates(store)
        if not known:
            typer.echo(f"no story archive yet in {cfg.store_url}", err=True)
            return
        last = dt.date.fromisoformat(known[-1])
    window, problems = read_window(store, (last + dt.timedelta(days=1)).isoformat(), days)
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)
    rows = live_tracks(window)
    for row in rows:
        if as_json:
            _emit(row)
            continue
        rising = "  RISING" if row["rising"] else ""
        # Headlines come from the news: no terminal control sequences reach the screen.
        headline = "".join(c for c in row["headline"] if c.isprintable())
        typer.echo(
            f"{row['track']}  day {row['days']:>2}  {row['first_seen']} .. {row['last_seen']}  "
            f"{row['articles']:>4} art.  {','.join(row['languages'])}{rising}  {headline}"
        )
    if not as_json:
        typer.echo(f"{len(rows)} track(s) live in the {days} day(s) to {last.isoformat()}")


@app.command(name="config")
def config_cmd(
    config: ConfigOpt = None,
    defaults: Annotated[
        bool, typer.Option(help="Print the defaults, paths unresolved (the example file).")
    ] = False,
) -> None:
    """Print the resolved configuration as TOML, every key with its description."""
    from tasks.config import to_toml

    typer.echo(to_toml(Config() if defaults else _config(config, {})), nl=False)


@models_app.command("list")
def models_list(config: ConfigOpt = None) -> None:
    """Show which model each language routes to and whether it is available locally."""
    from tasks.models.loading import is_cached, is_local
    from tasks.stages.translate import route

    cfg = _config(config, {})

    def where(name: str) -> str:
        if is_local(name):
            return "local directory"
        return "in Hugging Face cache" if is_cached(name) else "not available locally"

    for lang in cfg.detect.languages:
        if lang != "en":
            name = route(lang, cfg.translate)
            typer.echo(f"translate {lang}-en  {name}  [{where(name)}]")
    typer.echo(f"translate fallback  {cfg.translate.fallback_model}  [{where(cfg.translate.fallback_model)}]")
    typer.echo(f"summarise           {cfg.summarise.model}  [{where(cfg.summarise.model)}]")


@models_app.command("pull")
def models_pull(
    names: Annotated[
        list[str] | None, typer.Argument(help="Hub ids (default: every model the config uses).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Download models into the Hugging Face cache (needs Hub access)."""
    from tasks.models.loading import is_local, pull
    from tasks.stages.translate import route

    cfg = _config(config, {})
    wanted = names or [
        *(route(lang, cfg.translate) for lang in cfg.detect.languages if lang != "en"),
        cfg.translate.fallback_model,
        cfg.summarise.model,
    ]
    for name in dict.fromkeys(wanted):
        if is_local(name):
            continue
        try:
            typer.echo(f"{name}: {pull(name)}")
        except Exception as exc:  # report every model, do not stop at the first missing one
            typer.echo(f"{name}: failed ({type(exc).__name__}: {exc})", err=True)


def main() -> None:
    """Entry point of the `briefing` console script."""
    app()


if __name__ == "__main__":
    main()
