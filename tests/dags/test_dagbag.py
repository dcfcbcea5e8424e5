import json
import os
import subprocess
import sys

from tasks.config import PROJECT_ROOT

DAGS = PROJECT_ROOT / "dags"

# Run in a fresh interpreter: the test process itself has torch loaded by other tests.
PROBE = """
import json, sys
sys.path.insert(0, {dags!r})  # Airflow puts the DAGs folder on sys.path; so does this probe
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
print(json.dumps({{
    "errors": {{k: v.splitlines()[-1] for k, v in bag.import_errors.items()}},
    "dags": {{
        d.dag_id: {{
            "retries": d.default_args.get("retries"),
            "backoff": d.default_args.get("retry_exponential_backoff"),
            "schedule": str(d.schedule),
            "catchup": d.catchup,
            "tags": sorted(d.tags),
            "params": sorted(d.params.keys()),
            "tasks": sorted(t.task_id for t in d.tasks),
        }}
        for d in bag.dags.values()
    }},
    "heavy": sorted(m for m in ("torch", "transformers", "ctranslate2", "sentencepiece") if m in sys.modules),
}}))
"""


def _probe() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(dags=str(DAGS))],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_both_dags_load_without_errors_or_heavy_imports():
    result = _probe()
    assert result["errors"] == {}
    assert set(result["dags"]) == {"daily_briefing", "briefing_on_demand"}
    assert result["heavy"] == []
    daily, on_demand = result["dags"]["daily_briefing"], result["dags"]["briefing_on_demand"]
    for dag in (daily, on_demand):
        assert dag["retries"] >= 1 and dag["backoff"]
        assert not dag["catchup"]
        assert "briefing" in dag["tags"]
    # both are built from the same task functions; the on-demand run may also select a briefing and wait for approval
    extra = {"select", "needs_approval", "approval_note", "approve"}
    assert set(on_demand["tasks"]) == set(daily["tasks"]) | extra and not extra & set(daily["tasks"])
    assert daily["schedule"] != "None" and on_demand["schedule"] == "None"
    assert {"inputs", "languages", "recipients", "template", "date", "briefing"} <= set(on_demand["params"])
    assert {"detect", "translate", "repair", "summarise"} <= set(daily["tasks"])
