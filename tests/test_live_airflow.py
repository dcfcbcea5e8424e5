"""A real local Airflow (scripts/airflow.sh): trigger briefing_on_demand over the REST API, with good and bad Params."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tasks.config import MODEL_POOL, PROJECT_ROOT
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow
SCRIPT = PROJECT_ROOT / "scripts" / "airflow.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    """A minimal client of Airflow's stable REST API (v2) with a JWT from the simple auth manager."""

    def __init__(self, base: str, password: str) -> None:
        self.base = base
        body = self._call("POST", "/auth/token", {"username": "admin", "password": password}, auth=False)
        self.token = body["access_token"]

    def _call(self, method: str, path: str, body: dict | None = None, auth: bool = True) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def get(self, path: str) -> dict:
        return self._call("GET", path)

    def post(self, path: str, body: dict) -> dict:
        return self._call("POST", path, body)


@pytest.fixture(scope="module")
def live_airflow(tmp_path_factory, tiny_marian, tiny_bart):
    """Airflow started by the project's script on a free port, stopped whatever happens."""
    root = tmp_path_factory.mktemp("live")
    inputs = root / "inputs"
    inputs.mkdir()
    for name in ("001_bagdad-roquettes-zone-verte.txt", "002_bagdad-raketen-gruene-zone.html"):
        shutil.copy(SEEDS / name, inputs / name)
    models = "\n".join(f'{lang} = "{tiny_marian}"' for lang in ("fr", "de"))
    config = root / "briefing.toml"
    config.write_text(
        f'input = ["{inputs}"]\nout = "{root / "out"}"\n\n[ingest]\nallowed_roots = ["{inputs}"]\n\n'
        f"[translate]\nnum_beams = 1\n\n[translate.models]\n{models}\n\n"
        f'[summarise]\nmodel = "{tiny_bart}"\nnum_beams = 1\nmin_new_tokens = 4\nmax_new_tokens = 16\n'
        '\n[deliver]\nallowed_recipient_domains = ["example.org"]\n\n[models]\npool_slots = 2\n'
    )
    port, log_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW_PORT": str(port),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
        "BRIEFING_CONFIG": str(config),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    }
    try:
        started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{port}" in started.stdout and "login: admin" in started.stdout
        password = json.loads(
            (root / "airflow" / "simple_auth_manager_passwords.json.generated").read_text()
        )["admin"]
        api = Api(f"http://127.0.0.1:{port}", password)
        deadline = time.monotonic() + 180
        while True:  # the DAG processor needs a moment to parse the DAG files
            try:
                api.get("/api/v2/dags/briefing_on_demand")
                break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline, "briefing_on_demand never appeared"
                time.sleep(2)
        with pytest.raises(OSError):  # no log server on any interface: the API server reads the log files
            socket.create_connection(("127.0.0.1", log_port), timeout=2).close()
        yield api, root, inputs
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120)


def _wait_for(api: Api, run_id: str, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = api.get(f"/api/v2/dags/briefing_on_demand/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(3)
    raise AssertionError(f"run {run_id} still not finished after {timeout} s")


def test_triggered_run_with_params_succeeds(live_airflow):
    api, root, inputs = live_airflow
    conf = {
        "inputs": [str(p) for p in sorted(inputs.iterdir())],
        "template": "digest",
        "recipients": ["desk@example.org", "editor@example.org"],
    }
    with pytest.raises(
        urllib.error.HTTPError
    ) as missing:  # nobody made the pool: the scheduler's plugin will
        api.get(f"/api/v2/pools/{MODEL_POOL}")
    assert missing.value.code == 404
    run = api.post("/api/v2/dags/briefing_on_demand/dagRuns", {"logical_date": None, "conf": conf})
    assert _wait_for(api, run["dag_run_id"]) == "success"
    assert api.get(f"/api/v2/pools/{MODEL_POOL}")["slots"] == 2  # models.pool_slots of the config
    (run_dir,) = [
        p for p in (root / "out").iterdir() if p.is_dir() and p.name[0] != "." and p.name != "outbox"
    ]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert sorted(e["status"] for e in manifest["inputs"]) == ["included", "included"]
    assert (run_dir / "digest.html").stat().st_size > 0
    outbox = root / "out" / "outbox" / run_dir.name
    assert sorted(p.name for p in outbox.iterdir()) == ["desk@example.org.eml", "editor@example.org.eml"]


@pytest.mark.parametrize(
    "conf",
    [
        {"template": "../../etc/passwd"},
        {"inputs": ["/etc/passwd"]},
        {"recipients": ["desk@example.org\r\nBcc: everyone@example.org"]},
        {"recipients": ["desk@example.org\n"]},
    ],
)
def test_invalid_params_are_refused_before_any_task_runs(live_airflow, conf):
    api, _, _ = live_airflow
    before = api.get("/api/v2/dags/briefing_on_demand/dagRuns")["total_entries"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        api.post("/api/v2/dags/briefing_on_demand/dagRuns", {"logical_date": None, "conf": conf})
    assert refused.value.code == 400
    assert "Invalid input for param" in refused.value.read().decode()
    assert api.get("/api/v2/dags/briefing_on_demand/dagRuns")["total_entries"] == before


def test_start_reports_a_component_that_failed(tmp_path):
    """`make airflow` must not say Airflow is up when one of its components did not start."""
    with socket.socket() as taken:  # the API server cannot bind a port that is taken
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW_PORT": str(taken.getsockname()[1]),
        }
        try:
            started = subprocess.run(
                [str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=400
            )
        finally:
            subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120)
    assert started.returncode != 0
    assert "Airflow UI" not in started.stdout
    assert "api-server failed to start" in started.stderr or "did not come up" in started.stderr


def test_the_readme_rest_example_gets_a_token_and_triggers_a_run(live_airflow):
    """The README's curl lines, run by bash with this Airflow's port, home and Python put in."""
    api, root, inputs = live_airflow
    readme = (PROJECT_ROOT / "README.md").read_text()
    block = readme.split("```sh\nPASSWORD=")[1].split("```")[0]
    script = "PASSWORD=" + block
    port = api.base.rsplit(":", 1)[1]
    script = (
        script.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        .replace(".airflow/", f"{root / 'airflow'}/")
        .replace(".venv/bin/python", sys.executable)
        .replace('"inputs": ["seeds"]', f'"inputs": ["{inputs}"]')
        .replace("editor@example.com", "editor@example.org")  # this Airflow allows only example.org
    )
    before = api.get("/api/v2/dags/briefing_on_demand/dagRuns")["total_entries"]
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["dag_id"] == "briefing_on_demand" and run["conf"]["recipients"] == ["editor@example.org"]
    assert api.get("/api/v2/dags/briefing_on_demand/dagRuns")["total_entries"] == before + 1
    assert _wait_for(api, run["dag_run_id"]) == "success"
