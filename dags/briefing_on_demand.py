"""
### briefing_on_demand

An editor's run for a breaking story: the same pipeline as `daily_briefing` on chosen inputs,
languages, recipients and template, or with the settings of one configured briefing (`briefing`).
Params are validated when the run is triggered; input paths must lie inside the configured allowed
roots, the template and the briefing must be on their allow-lists. A run to more than
`approval.on_demand_recipient_limit` recipients, or of a briefing with `approval = true`, waits at
`approve` for an editor before sending.
"""

import os
import re

import pendulum
from airflow.sdk import Param, dag
from briefing_tasks import DEFAULT_ARGS, wire

from tasks.config import load_config

# Params are checked when a run is triggered: an absolute input outside the allowed roots, a `..` segment or
# a template off the allow-list is refused before any task runs. A relative path (`seeds/...`) is relative to
# the project; `plan` resolves it and checks it (and any symlink) against the allowed roots again.
CONFIG = load_config(os.environ.get("BRIEFING_CONFIG") or None)
# Each pattern starts by refusing any line break: `$` also matches before a final newline in Python's `re`
# (which Airflow's jsonschema validation uses), so `"desk@example.org\n"` would pass a bare `...$`. A
# look-ahead, unlike `\Z`, means the same in the ECMA dialect of JSON Schema.
ONE_LINE = "^(?![\\s\\S]*[\\r\\n])"
INSIDE_ROOTS = (
    ONE_LINE
    + "(?!.*(^|/)\\.\\.(/|$))(("
    + "|".join(re.escape(r) for r in CONFIG.ingest.allowed_roots)
    + ")(/.*)?|[^/~].*)$"
)
LANGUAGE = ONE_LINE + "[a-z]{2}$"
RECIPIENT = ONE_LINE + "[^\\s@]+@[^\\s@]+$"


@dag(
    dag_id="briefing_on_demand",
    schedule=None,
    is_paused_upon_creation=False,  # a triggered run should simply run; the daily DAG starts paused
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["briefing", "on-demand"],
    doc_md=__doc__,
    params={
        "inputs": Param(
            [],
            type="array",
            items={"type": "string", "pattern": INSIDE_ROOTS},
            description="Files or folders inside the allowed roots, absolute or relative to the project "
            "(`seeds/001_bagdad-roquettes-zone-verte.txt`); empty: the configured input.",
        ),
        "languages": Param(
            [],
            type="array",
            items={"type": "string", "pattern": LANGUAGE},
            description="ISO 639-1 languages to accept; empty means the configured list.",
        ),
        "recipients": Param(
            [],
            type="array",
            items={"type": "string", "format": "email", "pattern": RECIPIENT},
            description="Who receives the digest (on the allowed domains); empty means the configured recipients.",
        ),
        "briefing": Param(
            None,
            type=["null", "string"],
            enum=[None, *(b.name for b in CONFIG.briefings)],
            description="Run now with this configured briefing's inputs, topics, languages, recipients, "
            "template and approval (the Params given here still override them); empty: the daily settings.",
        ),
        "template": Param(
            None,
            type=["null", "string"],
            enum=[None, *CONFIG.render.templates],
            description="Digest template; empty: the briefing's, else `digest`.",
        ),
        "date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Run date YYYY-MM-DD; empty means today.",
        ),
    },
)
def briefing_on_demand() -> None:
    wire(on_demand=True, approval=CONFIG.approval)


briefing_on_demand()
