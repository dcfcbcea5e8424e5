"""Airflow tasks of the shared `briefing_articles` DAG and the generated `briefing_<name>` DAGs (wiring only)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException
from briefing_approval import add_approval
from briefing_tasks import add_stage

# The shared run of a day is done: the briefings of that day may select from it.
ARTICLES = Asset("briefing_articles")


def _config_path() -> str | None:
    return os.environ.get("BRIEFING_CONFIG") or None


def _run_date(context: Any) -> str:
    from tasks.pipeline import parse_date

    return parse_date(str((context.get("logical_date") or context["dag_run"].run_after).date()))


@task
def plan_articles() -> dict[str, Any]:
    """The shared run's arguments: the configured inputs, keyed `<date>_articles`."""
    from tasks.briefings import SHARED_NAME

    date = _run_date(get_current_context())
    return {"config": _config_path(), "date": date, "name": SHARED_NAME, "overrides": {}}


@task(outlets=[ARTICLES])
def articles_done(args: dict[str, Any], done: list[int] | None = None) -> dict[str, Any]:
    """Mark the day's shared stages done (the briefings wait on this marker; the asset records it)."""
    from tasks.briefings import mark_shared_done, shared_run
    from tasks.config import load_config

    return mark_shared_done(shared_run(load_config(args["config"]), args["date"]))


@task
def plan_briefing(name: str) -> dict[str, Any]:
    """One briefing's run arguments: its config sections, template and run key `<date>_<name>`."""
    from tasks.briefings import briefing_overrides, find_briefing
    from tasks.config import load_config

    config = load_config(_config_path())
    try:
        briefing = find_briefing(config, name)
    except KeyError as exc:
        raise AirflowFailException(str(exc)) from exc
    return {
        "config": _config_path(),
        "date": _run_date(get_current_context()),
        "name": name,
        "overrides": briefing_overrides(config, briefing),
        "template": briefing.template,
    }


@task.sensor(poke_interval=15, timeout=int(timedelta(hours=12).total_seconds()), mode="reschedule")
def wait_for_articles(args: dict[str, Any]) -> bool:
    """Wait until the day's shared run (`briefing_articles`) has finished."""
    from tasks.briefings import shared_done, shared_run
    from tasks.config import load_config

    return shared_done(shared_run(load_config(args["config"]), args["date"]))


@task
def select(args: dict[str, Any], ready: Any = None) -> int:
    """Copy this briefing's articles (its languages and sources) from the shared run into its own."""
    from tasks.briefings import find_briefing, run_select, shared_run
    from tasks.config import load_config
    from tasks.pipeline import open_run

    base = load_config(args["config"])
    run = open_run(load_config(args["config"], args["overrides"]), args["date"], args["name"])
    return run_select(shared_run(base, args["date"]), run, find_briefing(base, args["name"]))


def wire_articles() -> None:
    """The shared DAG: every shared stage of the registry, in its order, then the done marker."""
    from tasks.stages.registry import SHARED_STAGES

    args = plan_articles()
    upstream: Any = None
    for stage in SHARED_STAGES:
        upstream = add_stage(stage, args, upstream)
    articles_done(args, upstream)


def wire_briefing(name: str, approval: bool, timeout_hours: float, timeout_outcome: str) -> None:
    """One briefing's DAG: wait for the shared run, select, then every per-briefing stage of the registry."""
    from tasks.stages.registry import BRIEFING_STAGES

    args = plan_briefing(name)
    upstream: Any = select(args, wait_for_articles(args))
    for stage in BRIEFING_STAGES:
        if stage.kind != "send" or not approval:
            upstream = add_stage(stage, args, upstream)
        else:
            subject = f"Send the {name.replace('_', ' ')} briefing?"
            upstream = add_approval(stage, args, upstream, subject, timeout_hours, timeout_outcome)
