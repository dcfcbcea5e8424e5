"""The `briefing` command line: the whole run, single stages, JSON-lines tools and model management."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.exceptions import TyperException

from tasks.config import Config, load_config
from tasks.errors import UserError


def _no_type_label(option):
    if option is not None:
        option.metavar = ""  # --help is a flag: no `<bool>` beside it
    return option


_DEBUG = {"on": False}  # `--debug`: set by main() wherever it is on the line, or by the group's option


class _Command(TyperCommand):
    """A command whose errors end in one line and an exit code (README § Exit codes), and whose --help
    option and arguments show no type label."""

    def invoke(self, ctx):
        from tasks.errors import explain

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # usage errors and exits: click reports them
            raise
        except Exception as exc:
            if _DEBUG["on"]:
                raise
            code, message = explain(exc)
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(code) from exc

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):  # the metavar names it already
                param.display_type_rich = lambda ctx: None

    def get_help_option(self, ctx):
        return _no_type_label(super().get_help_option(ctx))


class _Group(TyperGroup):
    """A group whose --help option shows no type label either."""

    def get_help_option(self, ctx):
        return _no_type_label(super().get_help_option(ctx))


app = typer.Typer(
    help="Multilingual news translation and summarisation. Exit codes: README § Exit codes.",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"show_default": True},
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(
    help="Show and fetch the models a run uses.",
    cls=_Group,
    no_args_is_help=True,
    context_settings={"show_default": True},
)
app.add_typer(models_app, name="models")

# Every option has a metavar (or "" for a flag), so help shows `PATH`, never a type label like `<list[Path]>`.
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="TOML config file (default: $BRIEFING_CONFIG, else built-in defaults).",
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="DIR",
        help="Output folder: digests go to DIR/<date>/ (default: out/ in the project).",
    ),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="Run date (default: today, UTC).")
]
JsonlOpt = Annotated[
    bool,
    typer.Option(
        "--jsonl", metavar="", help="Read JSON lines (the default unless --date or --out names a run)."
    ),
]
SourceArg = Annotated[
    Path | None, typer.Argument(metavar="FILE", help="JSON-lines file (default: standard input).")
]
ForceOpt = Annotated[bool, typer.Option("--force", metavar="", help="Redo work already done for this run.")]


@app.callback()
def _global(
    debug: Annotated[
        bool,
        typer.Option("--debug", metavar="", help="Show the traceback of an error (anywhere on the line)."),
    ] = False,
) -> None:
    """Multilingual news translation and summarisation."""
    _DEBUG["on"] = _DEBUG["on"] or debug


def _config(config: Path | None, overrides: dict[str, Any]) -> Config:
    if config is not None and not config.is_file():
        raise UserError(f"config file {str(config)!r} does not exist")
    path = config or (Path(os.environ["BRIEFING_CONFIG"]) if os.environ.get("BRIEFING_CONFIG") else None)
    return load_config(path, overrides)


def _translation_models(specs: list[str], option: str = "--translation-model") -> dict[str, str]:
    models = {}
    for spec in specs:
        pair, sep, model = spec.partition("=")
        src, dash, tgt = pair.partition("-")
        if not sep or not dash or not model or tgt != "en":
            raise typer.BadParameter(f"expected SRC-en=PATH_OR_ID, got {spec!r}", param_hint=option)
        models[src] = str(Path(model).resolve()) if Path(model).exists() else model
    return models


def _jsonl_lines(source: Path | None):
    if source is not None and not source.is_file():
        raise UserError(f"no such file: {str(source)!r}")
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


def _check_explicit_models(cfg: Config, names: list[str]) -> None:
    """A model named on the command line must load: a typo there is a mistake, not a reason to degrade."""
    from tasks.models.loading import model_dir

    for name in names:
        model_dir(name, probe_timeout=cfg.models.hub_probe_timeout)  # raises ModelUnavailable (exit 7)


def _progress() -> bool:
    # Bars only on a terminal: in a log (make run, Airflow, CI) they are lines of raw bar characters.
    return sys.stderr.isatty()


@app.command(cls=_Command)
def run(
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--input",
            metavar="PATH",
            help="Input file or folder, repeatable (default: seeds/ in the project).",
        ),
    ] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    translation_model: Annotated[
        list[str] | None,
        typer.Option(metavar="SRC-en=PATH_OR_ID", help="A translation model for one language (repeatable)."),
    ] = None,
    summary_model: Annotated[
        str | None, typer.Option(metavar="PATH_OR_ID", help="Summary model, hub id or local path.")
    ] = None,
    deliver: Annotated[
        str | None,
        typer.Option(
            metavar="TRANSPORT", help="none | outbox | outbox:DIR | smtp://HOST:PORT (default: outbox)."
        ),
    ] = None,
    to: Annotated[
        list[str] | None, typer.Option("--to", metavar="ADDRESS", help="Recipient address (repeatable).")
    ] = None,
    model_policy: Annotated[
        str | None, typer.Option(metavar="fail|degrade", help="When a model is missing (default: degrade).")
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Digest template, allow-listed (default: digest; with --briefing: the briefing's).",
        ),
    ] = None,
    sources: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Sources file (YAML) of feeds and pages to fetch.")
    ] = None,
    force: ForceOpt = False,
    workers: Annotated[
        int,
        typer.Option(
            metavar="N", help="Processes that run the shards of a stage in parallel (0: one per core)."
        ),
    ] = 0,
    on_demand: Annotated[
        bool,
        typer.Option(
            "--on-demand",
            metavar="",
            help="An editor's run: outputs in OUT/<date>_on-demand/, and what it reports is not remembered, "
            "so the next daily run still reports it.",
        ),
    ] = False,
    briefing: Annotated[
        str | None,
        typer.Option(
            "--briefing",
            metavar="NAME",
            help="Run one [[briefings]] entry of the config as its DAG does: the day's shared stages (once a "
            "day), then its selection, stories, digest in OUT/<date>_NAME/ and its recipients (--to and "
            "--template override them). One needing approval sends nothing: approve it in Airflow.",
        ),
    ] = None,
) -> None:
    """Run every stage in this process and write OUT/<date>/digest.html, digest.txt and manifest.json."""
    from tasks.delivery.deliver import validate_recipient
    from tasks.pipeline import RunParameterError, open_run, run_all, run_deliver

    overrides = _overrides(out, inputs)
    if sources:
        overrides["fetch"] = {"sources": str(sources.resolve())}
        overrides.setdefault("input", [])  # fetched sources replace the default seeds unless --input is given
    explicit: list[str] = []
    if translation_model:
        overrides["translate"] = {"models": _translation_models(translation_model)}
        explicit += overrides["translate"]["models"].values()
    if summary_model:
        path = Path(summary_model)
        overrides["summarise"] = {"model": str(path.resolve()) if path.exists() else summary_model}
        explicit.append(overrides["summarise"]["model"])
    if model_policy:
        overrides["models"] = {"policy": model_policy}
    if deliver:
        overrides["deliver"] = {"transport": deliver}
    if to:
        overrides.setdefault("deliver", {})["recipients"] = to
    if on_demand:
        overrides.setdefault("fetch", {})["record_seen"] = False
    cfg = _config(config, overrides)
    if briefing:
        if on_demand:
            raise UserError("--briefing runs the briefing's own run of the day: leave out --on-demand")
        _run_briefing(cfg, briefing, date, template, to, force, explicit, workers)
        return
    template = template or "digest"
    if template not in cfg.render.templates:
        raise RunParameterError(f"template {template!r} is not allowed ({', '.join(cfg.render.templates)})")
    for recipient in cfg.deliver.recipients if cfg.deliver.transport != "none" else []:
        validate_recipient(recipient)
    _check_explicit_models(cfg, explicit)
    current = open_run(cfg, date, name="on-demand" if on_demand else None)
    paths = run_all(
        current, template=template, force=force, progress=_progress(), workers=workers or os.cpu_count() or 1
    )
    outcomes = run_deliver(current)
    for name, path in paths.items():
        typer.echo(f"{name}: {path}")
    typer.echo(current.read_output("report.txt"), nl=False)  # ends with the degraded line, if any
    if any(o["status"] == "failed" for o in outcomes):
        raise typer.Exit(code=3)


def _run_briefing(
    cfg: Config,
    name: str,
    date: str | None,
    template: str | None,
    to: list[str] | None,
    force: bool,
    explicit: list[str],
    workers: int,
) -> None:
    """`briefing run --briefing NAME`: one configured briefing with the runner its DAG uses."""
    from tasks.briefings import briefing_config, find_briefing, run_briefing
    from tasks.delivery.deliver import validate_recipient
    from tasks.pipeline import RunParameterError, open_run, parse_date

    try:
        chosen = find_briefing(cfg, name)
    except KeyError as exc:
        raise UserError(f"--briefing: {exc.args[0]}") from None
    if template and template not in cfg.render.templates:
        raise RunParameterError(f"template {template!r} is not allowed ({', '.join(cfg.render.templates)})")
    chosen = chosen.model_copy(
        update={"template": template or chosen.template, "recipients": to or chosen.recipients}
    )
    for recipient in chosen.recipients if cfg.deliver.transport != "none" else []:
        validate_recipient(recipient)
    _check_explicit_models(cfg, explicit)
    day = parse_date(date)
    result = run_briefing(cfg, chosen, day, workers=workers or os.cpu_count() or 1, force=force)
    for label, path in result["paths"].items():
        typer.echo(f"{label}: {path}")
    current = open_run(briefing_config(cfg, chosen), day, chosen.name)
    typer.echo(current.read_output("report.txt"), nl=False)
    if chosen.approval:
        typer.echo(f"not sent: briefing {name!r} needs an editor's approval (run its DAG, briefing_{name})")
    if any(o["status"] == "failed" for o in result["deliveries"]):
        raise typer.Exit(code=3)


@app.command(cls=_Command)
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATH", help="With --jsonl: files or folders to read.", show_default=False),
    ] = None,
    inputs: Annotated[
        list[Path] | None, typer.Option("--input", metavar="PATH", help="Input file or folder (repeatable).")
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl", metavar="", help="Print one JSON line per article read or input rejected; no run."
        ),
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
    from tasks.runs import existing_run
    from tasks.stages.registry import BY_NAME

    cfg = _config(config, {**_overrides(out), **(extra or {})})
    existing_run(cfg, date, name)  # a run that is not there: one line naming it (exit 5), nothing written
    current = pipeline.open_run(cfg, date)
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


def _names_a_run(date: str | None, out: Path | None) -> bool:
    return date is not None or out is not None


@app.command(cls=_Command)
def detect(
    source: SourceArg = None,
    jsonl: JsonlOpt = False,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Detect languages: of JSON lines {"id", "text"} from FILE or standard input, or of a run (--date/--out)."""
    if not jsonl and source is None and _names_a_run(date, out):
        return _stage("detect", config, out, date, force)
    from tasks.stages.detect import detect_record

    settings = _config(config, {}).detect
    for record in _jsonl_lines(source):
        _emit(record if "error" in record else detect_record(record, settings))


@app.command(cls=_Command)
def repair(
    source: SourceArg = None,
    jsonl: JsonlOpt = False,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Repair MT artefacts: of JSON lines {"id", "source_lang", "text"}, or of a run (--date/--out)."""
    if not jsonl and source is None and _names_a_run(date, out):
        return _stage("repair", config, out, date, force)
    from tasks.stages.repair import repair_record

    for record in _jsonl_lines(source):
        _emit(record if "error" in record else repair_record(record))


@app.command(cls=_Command)
def translate(
    source: SourceArg = None,
    jsonl: JsonlOpt = False,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", metavar="SRC-en=PATH_OR_ID", help="Model for one language (repeatable)."),
    ] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Translate: JSON lines {"id", "source_lang", "text"}, or a run's articles (--date/--out)."""
    overrides = {"translate": {"models": _translation_models(model or [], "--model")}}
    if not jsonl and source is None and _names_a_run(date, out):
        return _stage("translate", config, out, date, force, overrides)
    from tasks.models.loading import model_cache
    from tasks.stages.translate import translate_record
    from tasks.storage.memory import memory_for
    from tasks.storage.store import Store

    cfg = _config(config, overrides)
    cache = model_cache(cfg.models.cache_size, cfg.models.hub_probe_timeout)
    memory = memory_for(cfg, Store(cfg.store_url))
    for record in _jsonl_lines(source):
        _emit(
            record
            if "error" in record
            else translate_record(record, cfg, cache, memory, local_option="`--model fr-en=DIR`")
        )


@app.command(cls=_Command)
def summarise(
    out: OutOpt = None, date: DateOpt = None, config: ConfigOpt = None, force: ForceOpt = False
) -> None:
    """Group a run's articles into stories and summarise them."""
    _stage("summarise", config, out, date, force)


@app.command(cls=_Command)
def render(out: OutOpt = None, date: DateOpt = None, config: ConfigOpt = None) -> None:
    """Render a run's digest and manifest."""
    _stage("render", config, out, date, False)


@app.command(name="deliver", cls=_Command)
def deliver_cmd(
    out: OutOpt = None,
    date: DateOpt = None,
    config: ConfigOpt = None,
    deliver: Annotated[
        str | None,
        typer.Option(
            metavar="TRANSPORT", help="none | outbox | outbox:DIR | smtp://HOST:PORT (default: the run's)."
        ),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to", metavar="ADDRESS", help="Recipient, repeatable (default: the run's recipients)."
        ),
    ] = None,
) -> None:
    """Email a run's rendered digest with the run's own recipients and transport (each recipient once per run)."""
    from tasks.delivery.deliver import validate_recipient
    from tasks.pipeline import run_deliver
    from tasks.runs import existing_run, recorded_config

    recorded = recorded_config(_config(config, _overrides(out)), date)
    current = existing_run(recorded, date, "deliver")
    recipients = [validate_recipient(r) for r in to] if to else None
    outcomes = run_deliver(current, transport=deliver, recipients=recipients)
    for outcome in outcomes:
        typer.echo(f"email {outcome['status']}: {outcome['recipient']} {outcome['detail']}")
    if any(o["status"] == "failed" for o in outcomes):
        raise typer.Exit(code=3)


@app.command(cls=_Command)
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


@app.command(name="config", cls=_Command)
def config_cmd(
    config: ConfigOpt = None,
    defaults: Annotated[
        bool, typer.Option(metavar="", help="Print the defaults, paths unresolved (the example file).")
    ] = False,
) -> None:
    """Print the resolved configuration as TOML, every key with its description."""
    from tasks.config import to_toml

    typer.echo(to_toml(Config() if defaults else _config(config, {})), nl=False)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]


@models_app.command("list", cls=_Command)
def models_list(config: ConfigOpt = None) -> None:
    """Show which model each language routes to and whether it is available locally."""
    from tasks.models.loading import is_cached, is_local
    from tasks.stages.translate import route

    cfg = _config(config, {})

    def where(name: str) -> str:
        if is_local(name):
            return "local directory"
        return "in Hugging Face cache" if is_cached(name) else "not available locally"

    rows = [("use", "model", "available")]
    rows += [
        (f"translate {lang}-en", route(lang, cfg.translate), where(route(lang, cfg.translate)))
        for lang in cfg.detect.languages
        if lang != "en"
    ]
    rows.append(("translate fallback", cfg.translate.fallback_model, where(cfg.translate.fallback_model)))
    rows.append(("summarise", cfg.summarise.model, where(cfg.summarise.model)))
    for line in _table(rows):
        typer.echo(line.rstrip())


@models_app.command("pull", cls=_Command)
def models_pull(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="MODEL", help="Hub ids (default: every model the config uses)."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Download models into the Hugging Face cache (needs Hub access); exit 7 if any could not be fetched."""
    from tasks.models.loading import is_local, pull
    from tasks.stages.translate import route

    cfg = _config(config, {})
    wanted = names or [
        *(route(lang, cfg.translate) for lang in cfg.detect.languages if lang != "en"),
        cfg.translate.fallback_model,
        cfg.summarise.model,
    ]
    failed = []
    for name in dict.fromkeys(wanted):
        if is_local(name):
            continue
        try:
            typer.echo(f"{name}: {pull(name)}")
        except Exception as exc:  # report every model, do not stop at the first missing one
            failed.append(name)
            first = (str(exc).splitlines() or [""])[0]
            typer.echo(f"{name}: failed ({type(exc).__name__}: {first})", err=True)
    if failed:
        typer.echo(
            f"error: {len(failed)} of {len(dict.fromkeys(wanted))} models could not be fetched: "
            "is the Hugging Face Hub reachable from here (HF_HUB_OFFLINE unset)?",
            err=True,
        )
        raise typer.Exit(code=7)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `briefing` console script (`--debug` may stand anywhere on the line)."""
    args = list(sys.argv[1:] if argv is None else argv)
    _DEBUG["on"] = "--debug" in args
    app(args=[a for a in args if a != "--debug"], prog_name="briefing")


if __name__ == "__main__":
    main()
