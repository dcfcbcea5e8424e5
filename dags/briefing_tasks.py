"""Airflow tasks shared by the briefing DAGs: thin wrappers over `tasks.pipeline`; only ids and paths go through XCom."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.sdk import get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from tasks.config import MODEL_POOL

DEFAULT_ARGS = {
    "owner": "briefing",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


def _run(args: dict[str, Any]):
    from tasks.config import load_config
    from tasks.pipeline import open_run

    config = load_config(args.get("config"), args.get("overrides"))
    run = open_run(config, args["date"], args.get("name"))
    if token := args.get("store_token"):
        from tasks.cluster import StoreNotVisible, check_store_visible

        try:
            check_store_visible(run.config, run.key, token)
        except StoreNotVisible as exc:
            raise AirflowFailException(str(exc)) from exc
    return run


def _no_retry_for_missing_models(step, *call_args):
    """Run a model-loading step; a model that cannot be loaded fails the task at once (retrying cannot help)."""
    from tasks.models.loading import ModelUnavailable

    try:
        return step(*call_args)
    except ModelUnavailable as exc:
        raise AirflowFailException(str(exc)) from exc


@task
def plan(on_demand: bool = False) -> dict[str, Any]:
    """Turn the run's params into run arguments, refusing bad ones before any work starts."""
    from tasks.briefings import on_demand_args
    from tasks.config import load_config
    from tasks.delivery.deliver import DeliveryError
    from tasks.pipeline import RunParameterError, parse_date

    context = get_current_context()
    params = context["params"]
    config_path = os.environ.get("BRIEFING_CONFIG") or None
    try:
        config = load_config(config_path)
        run_date = params.get("date") or (context.get("logical_date") or context["dag_run"].run_after).date()
        args: dict[str, Any] = {"config": config_path, "date": parse_date(str(run_date)), "name": None}
        if on_demand:
            args.update(on_demand_args(config, params, context["dag_run"].run_id))
    except (RunParameterError, DeliveryError, KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise AirflowFailException(f"run refused: {message}") from exc
    args.setdefault("overrides", {})
    from tasks.cluster import mark_store

    run = _run(args)
    args["store_token"] = mark_store(run.config, run.key)  # every later task checks it sees this store
    return args


@task
def list_sources(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The configured HTTP sources, one mapped fetch each."""
    from tasks.pipeline import list_sources as configured

    return configured(_run(args))


@task(map_index_template="{{ source_id }}")
def fetch(args: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Fetch one source; a slow or failing source holds no other, and a retry refetches only it."""
    from tasks.pipeline import run_fetch

    get_current_context()["source_id"] = source["id"]
    return run_fetch(_run(args), source)


@task(trigger_rule="none_failed")
def ingest(args: dict[str, Any], fetched: list[list[str]] | None = None) -> list[int]:
    """Read the input files and merge the fetched sources into shards; returns the shard indices to map over."""
    from airflow.configuration import conf

    from tasks.pipeline import RunParameterError, check_map_length, run_ingest
    from tasks.stages.ingest import NoArticles

    run = _run(args)
    try:
        shards = run_ingest(run)
    except NoArticles as exc:  # no input could be read: retrying cannot help, and nothing may be mailed
        raise AirflowFailException(str(exc)) from exc
    plan = run.store.get_json("plan.json")
    try:
        check_map_length(
            len(shards), conf.getint("core", "max_map_length"), plan["articles"], run.config.ingest.shard_size
        )
    except RunParameterError as exc:
        raise AirflowFailException(str(exc)) from exc
    return shards


@task
def articles(args: dict[str, Any], stage: str, shard: int) -> int:
    """One article stage over one shard (models loaded once per task)."""
    from tasks.pipeline import run_articles
    from tasks.stages.registry import BY_NAME

    return _no_retry_for_missing_models(run_articles, _run(args), BY_NAME[stage], shard)


@task
def stories(args: dict[str, Any], done: list[int]) -> list[int]:
    """Group every article into ranked stories; returns the shards of stories to summarise."""
    from tasks.pipeline import run_stories

    return run_stories(_run(args))


@task
def summarise(args: dict[str, Any], stage: str, shard: int) -> int:
    """Summarise one shard of the stories a reader will see."""
    from tasks.pipeline import run_summarise

    return _no_retry_for_missing_models(run_summarise, _run(args), shard)


@task(trigger_rule="none_failed")
def render(args: dict[str, Any], done: list[int] | None = None) -> dict[str, str]:
    """Write the digest and manifest; returns their paths."""
    from tasks.pipeline import run_render

    return run_render(_run(args), args.get("template", "digest"))


@task
def deliver(args: dict[str, Any], paths: dict[str, str]) -> list[dict[str, str]]:
    """Email the digest once per recipient (SMTP from an Airflow connection when configured); fails visibly."""
    from tasks.delivery.deliver import connection_id, smtp_from_connection
    from tasks.pipeline import run_deliver

    run = _run(args)
    transport = None
    if conn_id := connection_id(run.config.deliver.transport):
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
        transport = smtp_from_connection(
            conn.host,
            conn.port,
            conn.login,
            conn.password,
            conn.extra_dejson,
            timeout=run.config.deliver.smtp_timeout,
        )
    outcomes = run_deliver(run, transport=transport)
    failed = [f"{o['recipient']}: {o['detail']}" for o in outcomes if o["status"] == "failed"]
    if failed:
        raise RuntimeError("delivery failed for " + "; ".join(failed))
    return outcomes


def add_stage(stage: Any, args: Any, upstream: Any) -> Any:
    """The task (or mapped task) of one registered stage after `upstream`; returns what the next stage follows."""
    pool = {"pool": MODEL_POOL} if stage.uses_models else {}
    if stage.kind == "sources":
        return fetch.partial(args=args).expand(source=list_sources(args))
    if stage.kind == "read":
        return ingest(args, upstream)
    if stage.kind in ("articles", "stories"):
        mapped = (articles if stage.kind == "articles" else summarise).override(
            task_id=stage.name, doc=stage.doc, **pool
        )
        return mapped.partial(args=args, stage=stage.name).expand(shard=upstream)
    single = {"group": stories, "write": render, "send": deliver}[stage.kind]
    return single.override(task_id=stage.name, doc=stage.doc)(args, upstream)


@task
def select(args: dict[str, Any], done: list[int] | None = None) -> int | None:
    """An on-demand run of a briefing keeps that briefing's articles (languages, sources); otherwise every one."""
    if not args.get("select"):
        return None
    from tasks.briefings import find_briefing, run_select
    from tasks.config import load_config

    chosen = args["select"]
    briefing = find_briefing(load_config(args.get("config")), chosen["briefing"])
    briefing = briefing.model_copy(update={"languages": chosen["languages"], "sources": chosen["sources"]})
    run = _run(args)
    return run_select(run, run, briefing)  # in place: the run's own articles are the shared ones


def wire(on_demand: bool = False, approval: Any = None) -> None:
    """The task graph of both DAGs, one task (or mapped task) per registered stage, in the registry's order.

    The on-demand DAG also selects a chosen briefing's articles before grouping, and sends behind the approval
    step whenever `plan` decides the run needs one (`approval`: the config's approval section).
    """
    from tasks.stages.registry import STAGES

    upstream: Any = plan(on_demand)
    args = upstream
    for stage in STAGES:
        if on_demand and stage.kind == "group":
            upstream = select(args, upstream)
        if on_demand and stage.kind == "send":
            from briefing_approval import add_approval

            subject = "Send this on-demand briefing?"
            hours, outcome = approval.timeout_hours, approval.timeout_outcome
            upstream = add_approval(stage, args, upstream, subject, hours, outcome, decided_at_run_time=True)
        else:
            upstream = add_stage(stage, args, upstream)
