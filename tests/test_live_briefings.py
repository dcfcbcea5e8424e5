"""A real local Airflow (scripts/airflow.sh): briefings and on-demand runs needing approval, approved or rejected
through the REST API's human-in-the-loop endpoints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error

import pytest

from tasks.config import PROJECT_ROOT
from tests.conftest import SEEDS
from tests.test_live_airflow import Api, _free_port

pytestmark = pytest.mark.slow
SCRIPT = PROJECT_ROOT / "scripts" / "airflow.sh"
NEVER = "0 0 29 2 *"  # last fired before the DAGs start_date: no scheduled runs during the test


@pytest.fixture(scope="module")
def live_briefings(tmp_path_factory, tiny_marian, tiny_bart):
    """Airflow with two approval briefings over one shared day of articles, and on-demand runs that need approval
    above two recipients; stopped whatever happens."""
    root = tmp_path_factory.mktemp("live-briefings")
    inputs = root / "inputs"
    inputs.mkdir()
    for name in (
        "001_bagdad-roquettes-zone-verte.txt",
        "002_bagdad-raketen-gruene-zone.html",
        "003_huelga-puerto-amberes.json",
        "005_antwerp-port-strike.txt",
    ):
        shutil.copy(SEEDS / name, inputs / name)
    models = "\n".join(f'{lang} = "{tiny_marian}"' for lang in ("fr", "de", "es"))
    config = root / "briefing.toml"
    config.write_text(
        f'input = ["{inputs}"]\nout = "{root / "out"}"\narticles_schedule = "{NEVER}"\n\n'
        f'[ingest]\nallowed_roots = ["{inputs}"]\n\n'
        '[deliver]\nallowed_recipient_domains = ["example.org"]\n\n'
        "[approval]\non_demand_recipient_limit = 2\n\n"
        f"[translate]\nnum_beams = 1\n\n[translate.models]\n{models}\n\n"
        f'[summarise]\nmodel = "{tiny_bart}"\nnum_beams = 1\nmin_new_tokens = 4\nmax_new_tokens = 16\n\n'
        f'[[briefings]]\nname = "iraq_desk"\nschedule = "{NEVER}"\ntopics = {{iraq = ["Bagdad", "Baghdad"]}}\n'
        f'recipients = ["desk@example.org", "editor@example.org"]\napproval = true\n\n'
        f'[[briefings]]\nname = "ports_desk"\nschedule = "{NEVER}"\ntopics = {{ports = ["Antwerp", "Amberes"]}}\n'
        f'recipients = ["econ@example.org"]\napproval = true\n'
    )
    port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW_PORT": str(port),
        "BRIEFING_CONFIG": str(config),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    }
    try:
        started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        password = json.loads(
            (root / "airflow" / "simple_auth_manager_passwords.json.generated").read_text()
        )["admin"]
        api = Api(f"http://127.0.0.1:{port}", password)
        deadline = time.monotonic() + 180
        for dag_id in (
            "briefing_articles",
            "briefing_iraq_desk",
            "briefing_ports_desk",
            "briefing_on_demand",
        ):
            while True:  # the DAG processor needs a moment to parse the DAG files
                try:
                    api.get(f"/api/v2/dags/{dag_id}")
                    break
                except urllib.error.HTTPError:
                    assert time.monotonic() < deadline, f"{dag_id} never appeared"
                    time.sleep(2)
            api._call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        yield api, root
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120)


def _trigger(api: Api, dag_id: str, conf: dict | None = None) -> str:
    return api.post(f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})[
        "dag_run_id"
    ]


def _wait_for_approval(api: Api, dag_id: str, run_id: str, timeout: float = 900) -> dict:
    task = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/approve"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if api.get(task)["state"] == "awaiting_input":
                # An answer in the very seconds the worker exits races Airflow's executor event (the task is
                # then retried and asks again); an editor is never that fast, and the test waits as long.
                time.sleep(10)
                return api.get(f"{task}/-1/hitlDetails")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404, exc.read()
        state = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
        assert state in ("queued", "running"), f"{dag_id} {run_id} ended {state} before asking for approval"
        time.sleep(3)
    raise AssertionError(f"{dag_id} never asked for approval")


def _wait_for_run(api: Api, dag_id: str, run_id: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(3)
    raise AssertionError(f"run {run_id} still not finished after {timeout} s")


def test_approved_briefing_is_sent_once_and_rejected_one_not_at_all(live_briefings):
    api, root = live_briefings
    iraq = _trigger(api, "briefing_iraq_desk")  # waits for the shared run of the day
    ports = _trigger(api, "briefing_ports_desk")
    shared = _trigger(api, "briefing_articles")
    assert _wait_for_run(api, "briefing_articles", shared, timeout=900) == "success"

    detail = _wait_for_approval(api, "briefing_iraq_desk", iraq)
    assert detail["subject"] == "Send the iraq desk briefing?"
    assert detail["options"] == ["Approve", "Reject"] and detail["response_received"] is False
    (iraq_dir,) = (root / "out").glob("*_iraq_desk")
    assert str(iraq_dir / "page.html") in detail["body"]
    assert "desk@example.org, editor@example.org" in detail["body"]
    assert not (root / "out" / "outbox").exists()  # nothing is sent while the editor looks

    assert _answer(api, "briefing_iraq_desk", iraq, "Approve", "checked")["responded_by"]["name"] == "admin"
    assert _wait_for_run(api, "briefing_iraq_desk", iraq) == "success"
    outbox = root / "out" / "outbox" / iraq_dir.name
    assert sorted(p.name for p in outbox.iterdir()) == ["desk@example.org.eml", "editor@example.org.eml"]
    manifest = json.loads((iraq_dir / "manifest.json").read_text())
    assert manifest["approval"] == {
        "status": "approved",
        "approved": True,
        "by": "admin",
        "reason": "checked",
    }
    assert sorted(d["status"] for d in manifest["deliveries"]) == ["sent", "sent"]

    detail = _wait_for_approval(api, "briefing_ports_desk", ports)
    (ports_dir,) = (root / "out").glob("*_ports_desk")
    assert str(ports_dir / "page.html") in detail["body"]
    _answer(api, "briefing_ports_desk", ports, "Reject", "strike is over")
    assert _wait_for_run(api, "briefing_ports_desk", ports) == "success"
    assert not (root / "out" / "outbox" / ports_dir.name).exists()
    manifest = json.loads((ports_dir / "manifest.json").read_text())
    assert manifest["approval"] == {
        "status": "rejected",
        "approved": False,
        "by": "admin",
        "reason": "strike is over",
    }
    assert "deliveries" not in manifest
    # the approved briefing's mail went out once: still exactly its two messages
    assert len(list((root / "out" / "outbox").rglob("*.eml"))) == 2


def _answer(api: Api, dag_id: str, run_id: str, option: str, reason: str) -> dict:
    """An editor's answer to a run's approval step, through the REST API."""
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/approve/-1/hitlDetails"
    answer = api._call("PATCH", path, {"chosen_options": [option], "params_input": {"reason": reason}})
    assert answer["chosen_options"] == [option]
    return answer


def test_on_demand_runs_needing_approval_send_once_when_approved_and_never_when_rejected(live_briefings):
    api, root = live_briefings
    out = root / "out"
    many = ["a@example.org", "b@example.org", "c@example.org"]  # more than approval.on_demand_recipient_limit
    wide = _trigger(api, "briefing_on_demand", {"recipients": many})
    desk = _trigger(api, "briefing_on_demand", {"briefing": "ports_desk"})  # a briefing with approval = true

    detail = _wait_for_approval(api, "briefing_on_demand", wide)
    assert detail["subject"] == "Send this on-demand briefing?"
    assert (
        "Approval needed: 3 recipients, more than approval.on_demand_recipient_limit (2)." in detail["body"]
    )
    assert "a@example.org, b@example.org, c@example.org" in detail["body"]
    (wide_dir,) = out.glob("*_manual__*")
    assert not (out / "outbox" / wide_dir.name).exists()  # nothing is sent while the editor looks
    _answer(api, "briefing_on_demand", wide, "Approve", "checked")
    assert _wait_for_run(api, "briefing_on_demand", wide) == "success"
    assert sorted(p.name for p in (out / "outbox" / wide_dir.name).iterdir()) == [f"{r}.eml" for r in many]
    manifest = json.loads((wide_dir / "manifest.json").read_text())
    assert manifest["approval"] == {
        "status": "approved",
        "approved": True,
        "by": "admin",
        "reason": "checked",
    }
    assert sorted(d["recipient"] for d in manifest["deliveries"]) == many
    assert {d["status"] for d in manifest["deliveries"]} == {"sent"}

    detail = _wait_for_approval(api, "briefing_on_demand", desk)
    assert "Approval needed: briefing 'ports_desk' requires approval." in detail["body"]
    assert "econ@example.org" in detail["body"]
    # its own run, apart from the scheduled briefing's `<date>_ports_desk` and from plain on-demand runs
    (desk_dir,) = out.glob("*_ports_desk-manual__*")
    _answer(api, "briefing_on_demand", desk, "Reject", "strike is over")
    assert _wait_for_run(api, "briefing_on_demand", desk) == "success"
    assert not (out / "outbox" / desk_dir.name).exists()
    manifest = json.loads((desk_dir / "manifest.json").read_text())
    assert manifest["approval"] == {
        "status": "rejected",
        "approved": False,
        "by": "admin",
        "reason": "strike is over",
    }
    assert "deliveries" not in manifest
    assert manifest["stories"] and all("topics ports" in s["reason"] for s in manifest["stories"])
