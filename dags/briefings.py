"""
### Briefings from the config

One DAG per `[[briefings]]` entry, `briefing_<name>`, on its own cron schedule and time zone, plus
`briefing_articles`, the shared run of the day (fetch, ingest, detect, translate, repair) that every
briefing waits for. Nothing is generated without `[[briefings]]` (then `daily_briefing` is the one digest).
"""

import os

import pendulum
from airflow.sdk import dag
from briefing_desks import wire_articles, wire_briefing
from briefing_tasks import DEFAULT_ARGS

from tasks.config import load_config

CONFIG = load_config(os.environ.get("BRIEFING_CONFIG") or None)


def _doc(briefing) -> str:
    topics = ", ".join(briefing.topics) or "every story"
    languages = ", ".join(briefing.languages) or "every language"
    return (
        f"### briefing_{briefing.name}\n\n{briefing.title or briefing.name}: {topics}, in {languages}; "
        f"`{briefing.schedule}` ({briefing.timezone}) to {len(briefing.recipients)} recipient(s)"
        + (", after an editor's approval." if briefing.approval else ".")
        + "\n\nWaits for the day's `briefing_articles` run, then selects, groups, summarises, renders and sends."
    )


if CONFIG.briefings:

    @dag(
        dag_id="briefing_articles",
        schedule=CONFIG.articles_schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        default_args=DEFAULT_ARGS,
        max_active_runs=1,
        tags=["briefing", "shared"],
        doc_md=__doc__,
    )
    def briefing_articles() -> None:
        wire_articles()

    briefing_articles()


def _briefing_dag(briefing) -> None:
    @dag(
        dag_id=f"briefing_{briefing.name}",
        schedule=briefing.schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz=briefing.timezone),
        catchup=False,
        default_args=DEFAULT_ARGS,
        max_active_runs=1,
        tags=["briefing", "desk", *(["approval"] if briefing.approval else [])],
        doc_md=_doc(briefing),
    )
    def generated() -> None:
        wire_briefing(
            briefing.name, briefing.approval, briefing.approval_timeout_hours, briefing.timeout_outcome
        )

    generated()


for _briefing in CONFIG.briefings:
    _briefing_dag(_briefing)
