"""The generated briefing DAGs: one per `[[briefings]]`, each on its own schedule, parsed without heavy imports."""

import json
import os
import subprocess
import sys

from tasks.config import PROJECT_ROOT

DAGS = PROJECT_ROOT / "dags"

# A fresh interpreter: the test process has torch loaded by other tests.
PROBE = """
import json, sys, time
sys.path.insert(0, {dags!r})
from airflow.dag_processing.dagbag import DagBag
start = time.perf_counter()
bag = DagBag(dag_folder={dags!r})
seconds = time.perf_counter() - start
from airflow.sdk.definitions.param import ParamValidationError


def accepts(value):
    try:
        bag.dags["briefing_on_demand"].params.get_param("briefing").resolve(value)
    except ParamValidationError:
        return False
    return True


chosen = bag.dags["briefing_on_demand"].params.get_param("briefing")
print(json.dumps({{
    "briefing_param": {{
        "enum": chosen.schema.get("enum"),
        "default": chosen.value,
        "accepts": {{str(v): accepts(v) for v in (None, "middle_east", "security", "nope", "briefing_security")}},
    }},
    "seconds": seconds,
    "errors": {{k: v.splitlines()[-1] for k, v in bag.import_errors.items()}},
    "dags": {{
        d.dag_id: {{
            "schedule": str(d.schedule),
            "timezone": str(getattr(d.timetable, "timezone", "")),
            "tags": sorted(d.tags),
            "doc": d.doc_md or "",
            "tasks": sorted(t.task_id for t in d.tasks),
            "upstream": {{t.task_id: sorted(t.upstream_task_ids) for t in d.tasks}},
        }}
        for d in bag.dags.values()
    }},
    "heavy": sorted(m for m in ("torch", "transformers", "ctranslate2", "sentencepiece") if m in sys.modules),
}}))
"""

THREE = """
[[briefings]]
name = "middle_east"
schedule = "0 7 * * *"
timezone = "Europe/Paris"
topics = {iraq = ["Iraq", "Irak", "Bagdad"]}
recipients = ["desk@example.org"]
approval = true

[[briefings]]
name = "europe_economy"
schedule = "30 6 * * 1-5"
languages = ["de", "fr"]
recipients = ["econ@example.org"]

[[briefings]]
name = "security"
schedule = "0 18 * * *"
timezone = "Asia/Tokyo"
recipients = ["sec@example.org"]
"""


def _probe(tmp_path, toml: str) -> dict:
    config = tmp_path / "briefing.toml"
    config.write_text(toml)
    env = {**os.environ, "BRIEFING_CONFIG": str(config), "AIRFLOW_HOME": str(tmp_path / "airflow")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(dags=str(DAGS))],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=180,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_three_briefings_make_three_dags_and_one_shared(tmp_path):
    result = _probe(tmp_path, THREE)
    print(f"parse time, 3 briefings: {result['seconds']:.2f} s")
    assert result["errors"] == {}
    assert result["heavy"] == []
    dags = result["dags"]
    assert set(dags) == {
        "daily_briefing",
        "briefing_on_demand",
        "briefing_articles",
        "briefing_middle_east",
        "briefing_europe_economy",
        "briefing_security",
    }
    schedules = {
        name: (dags[name]["schedule"], dags[name]["timezone"])
        for name in dags
        if name != "briefing_on_demand"
    }
    assert schedules["briefing_middle_east"] == ("0 7 * * *", "Europe/Paris")
    assert schedules["briefing_europe_economy"] == ("30 6 * * 1-5", "UTC")
    assert schedules["briefing_security"] == ("0 18 * * *", "Asia/Tokyo")
    assert schedules["briefing_articles"][0] == "0 5 * * *"
    # the shared stages run in the shared DAG only; each briefing runs its own stages after waiting for it
    assert {"detect", "translate", "repair", "articles_done"} <= set(dags["briefing_articles"]["tasks"])
    assert not {"stories", "summarise", "render", "deliver"} & set(dags["briefing_articles"]["tasks"])
    for name in ("briefing_middle_east", "briefing_europe_economy", "briefing_security"):
        dag = dags[name]
        assert not {"ingest", "detect", "translate", "repair"} & set(dag["tasks"])
        assert dag["upstream"]["select"] == ["plan_briefing", "wait_for_articles"]
        assert "briefing" in dag["tags"] and dag["doc"].startswith(f"### {name}")
    approval = dags["briefing_middle_east"]
    assert "approval" in approval["tags"]
    assert approval["upstream"]["approve"] == ["approval_note"]
    assert "approve" in approval["upstream"]["deliver"]
    assert "approve" not in dags["briefing_security"]["tasks"]
    assert dags["briefing_security"]["upstream"]["deliver"] == ["plan_briefing", "render"]


def test_the_on_demand_briefing_param_allows_only_the_configured_names(tmp_path):
    result = _probe(tmp_path, THREE)
    assert result["errors"] == {}
    param = result["briefing_param"]
    assert param["enum"] == [None, "middle_east", "europe_economy", "security"] and param["default"] is None
    # Airflow validates Params when a run is triggered: an unknown name never reaches a task
    assert param["accepts"] == {
        "None": True,
        "middle_east": True,
        "security": True,
        "nope": False,
        "briefing_security": False,
    }
    on_demand = result["dags"]["briefing_on_demand"]
    # the approval step is always there, and a branch decides per run whether it applies
    assert on_demand["upstream"]["needs_approval"] == ["plan", "render"]
    assert on_demand["upstream"]["approve"] == ["approval_note"]
    assert {"approve", "needs_approval", "render"} <= set(on_demand["upstream"]["deliver"])
    assert on_demand["upstream"]["stories"] == ["plan", "select"]


def test_twenty_briefings_parse_without_heavy_imports(tmp_path):
    toml = "".join(
        f'[[briefings]]\nname = "desk_{i}"\nschedule = "{i} 6 * * *"\nrecipients = ["d{i}@example.org"]\n'
        f"approval = {'true' if i % 2 else 'false'}\n\n"
        for i in range(20)
    )
    result = _probe(tmp_path, toml)
    print(f"parse time, 20 briefings: {result['seconds']:.2f} s")
    assert result["errors"] == {} and result["heavy"] == []
    assert {f"briefing_desk_{i}" for i in range(20)} <= set(result["dags"])
    assert result["dags"]["briefing_desk_7"]["schedule"] == "7 6 * * *"
