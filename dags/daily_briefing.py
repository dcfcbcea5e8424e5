"""
### daily_briefing

Every morning: ingest the configured inputs, detect languages, translate into English, repair
machine-translation artefacts, group articles into stories, summarise them, render the digest and
email it once per recipient. Configuration comes from `$BRIEFING_CONFIG` (defaults: `seeds/` in,
`out/<date>/` out, emails to `out/outbox/`).
"""

import pendulum
from airflow.sdk import dag
from briefing_tasks import DEFAULT_ARGS, wire


@dag(
    dag_id="daily_briefing",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
    tags=["briefing", "daily"],
    doc_md=__doc__,
)
def daily_briefing() -> None:
    wire(on_demand=False)


daily_briefing()
