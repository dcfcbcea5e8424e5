"""The Celery cluster of `make airflow-celery`, the store on S3 (moto): a worker SIGKILLed mid-task loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
from pathlib import Path

import pytest

from tasks.config import MODEL_POOL, PROJECT_ROOT, load_config
from tasks.pipeline import open_run, run_all
from tasks.storage.shards import decode
from tests.conftest import SEEDS
from tests.test_live_airflow import Api

pytestmark = pytest.mark.slow
SCRIPT = PROJECT_ROOT / "scripts" / "airflow-celery.sh"
DATE = "2026-11-24"
RECIPIENTS = ["desk@example.org", "editor@example.org"]
BUCKET = "briefing-cluster"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _services_available() -> str | None:
    """Why the cluster cannot run here, or None (the script installs the packages itself when root)."""
    have_pg = any(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    have_redis = shutil.which("redis-server") is not None
    if have_pg and have_redis:
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        return None
    return "PostgreSQL or Redis is not installed and cannot be installed here (not root): apt-get install postgresql redis-server"


@pytest.fixture(scope="module")
def s3():
    """A local S3 endpoint (moto's server) on 127.0.0.1 with one bucket; yields its environment."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem().mkdir(BUCKET)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


def _write_config(root: Path, inputs: Path, tiny_marian: Path, tiny_bart: Path, store: str, out: str) -> Path:
    models = "\n".join(f'{lang} = "{tiny_marian}"' for lang in ("fr", "de", "es", "it", "ru", "ar"))
    config = root / f"briefing-{len(list(root.glob('briefing-*.toml')))}.toml"
    config.write_text(
        f'input = ["{inputs}"]\nout = "{out}"\nstore = "{store}"\n\n'
        f'[ingest]\nallowed_roots = ["{inputs}"]\nshard_size = 3\n\n'
        f'[deliver]\nrecipients = {json.dumps(RECIPIENTS)}\noutbox_dir = "{root / "outbox"}"\n\n'
        f"[models]\npool_slots = 2\n\n[translate]\nnum_beams = 1\n\n[translate.models]\n{models}\n\n"
        f'[summarise]\nmodel = "{tiny_bart}"\nstories_per_shard = 3\nnum_beams = 1\nmin_new_tokens = 4\n'
        "max_new_tokens = 16\n"
    )
    return config


@pytest.fixture(scope="module")
def cluster(s3, tiny_marian, tiny_bart):
    """The project's Celery cluster with the store and outputs on S3, stopped whatever happens."""
    if reason := _services_available():
        pytest.skip(reason)
    # PostgreSQL runs as the `postgres` user when we are root: its folder must be reachable by that user.
    root = Path(tempfile.mkdtemp(prefix="briefing-cluster-"))
    root.chmod(0o755)
    inputs = root / "inputs"
    shutil.copytree(SEEDS, inputs)
    config = _write_config(
        root, inputs, tiny_marian, tiny_bart, f"s3://{BUCKET}/store", f"s3://{BUCKET}/digests"
    )
    port = _free_port()
    env = {
        **os.environ,
        **s3,
        "VENV": str(Path(sys.executable).parent.parent),
        "BRIEFING_CLUSTER_HOME": str(root / "cluster"),
        "BRIEFING_CONFIG": str(config),
        "AIRFLOW_PORT": str(port),
        "PG_PORT": str(_free_port()),
        "REDIS_PORT": str(_free_port()),
        "WORKER1_LOG_PORT": str(_free_port()),
        "WORKER2_LOG_PORT": str(_free_port()),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        # Only the run the test triggers: no scheduled run of today when the DAG is unpaused.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # A lost worker is noticed in seconds, not Airflow's default five minutes.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
    }
    env.pop("AIRFLOW_HOME", None)
    try:
        started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=600)
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{port}" in started.stdout and "login: admin" in started.stdout
        password = json.loads(
            (root / "cluster" / "airflow" / "simple_auth_manager_passwords.json.generated").read_text()
        )["admin"]
        api = Api(f"http://127.0.0.1:{port}", password)
        deadline = time.monotonic() + 240
        while True:  # the DAG processor needs a moment to parse the DAG files
            try:
                api.get("/api/v2/dags/daily_briefing")
                break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline, "daily_briefing never appeared"
                time.sleep(2)
        yield api, root, inputs
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=180)
        shutil.rmtree(root, ignore_errors=True)


def _process_tree(pid: int) -> list[int]:
    """The process and all its descendants (a task runs in its own process group under its worker)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        return [pid, *(p.pid for p in parent.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def _kill_worker(root: Path, worker: str) -> None:
    """SIGKILL the worker's process group and every group below it: the machine is gone."""
    pid = int((root / "cluster" / "run" / f"{worker}.pid").read_text())
    groups = {os.getpgid(p) for p in _process_tree(pid) if _exists(p)}
    for group in groups:
        os.killpg(group, signal.SIGKILL)


def _exists(pid: int) -> bool:
    try:
        os.getpgid(pid)
        return True
    except ProcessLookupError:
        return False


def _task_instances(api: Api, run_id: str) -> list[dict]:
    return api.get(f"/api/v2/dags/daily_briefing/dagRuns/{run_id}/taskInstances?limit=500")["task_instances"]


def test_a_run_survives_a_worker_killed_mid_task(cluster, s3, tiny_marian, tiny_bart):
    import s3fs

    api, root, inputs = cluster
    api._call("PATCH", "/api/v2/dags/daily_briefing", {"is_paused": False})
    run = api.post(
        "/api/v2/dags/daily_briefing/dagRuns",
        {"dag_run_id": "cluster-test", "logical_date": f"{DATE}T06:00:00Z", "conf": {}},
    )
    run_id = run["dag_run_id"]
    hosts: set[str] = set()
    killed: tuple[str, str] | None = None
    deadline = time.monotonic() + 900
    state = "queued"
    while time.monotonic() < deadline:
        instances = _task_instances(api, run_id)
        hosts |= {ti["hostname"] for ti in instances if ti.get("hostname")}
        running = [ti for ti in instances if ti["state"] == "running" and ti.get("hostname")]
        if killed is None and {"worker1", "worker2"} <= hosts:
            # A model-heavy mapped task: the longest, and the one whose records are written batch by batch.
            model_tasks = [ti for ti in running if ti["task_id"] in ("translate", "summarise")]
            if model_tasks:
                victim = model_tasks[0]
                _kill_worker(root, victim["hostname"])
                killed = (victim["hostname"], victim["task_id"], victim["map_index"])
        state = api.get(f"/api/v2/dags/daily_briefing/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            break
        time.sleep(1)
    assert killed is not None, f"no task was seen running on a worker (hosts seen: {hosts})"
    assert state == "success", f"run ended {state} after {killed[0]} was killed during {killed[1:]}"
    assert {"worker1", "worker2"} <= hosts
    # The killed task was noticed (no heartbeat) and retried on the worker that was left.
    host, task_id, map_index = killed
    retried = api.get(f"/api/v2/dags/daily_briefing/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}")
    assert retried["state"] == "success" and retried["try_number"] >= 2
    assert retried["hostname"] != host
    # The cluster-wide model pool, sized by the config's models.pool_slots.
    assert api.get(f"/api/v2/pools/{MODEL_POOL}")["slots"] == 2

    # The same input through the CLI in this process, with local folders: the same digest.
    local = _write_config(
        root, inputs, tiny_marian, tiny_bart, str(root / "cli-store"), str(root / "cli-out")
    )
    cli_paths = run_all(open_run(load_config(str(local)), DATE))
    fs = s3fs.S3FileSystem()
    fs.invalidate_cache()
    for name in ("digest.html", "digest.txt"):
        cluster_digest = fs.cat_file(f"{BUCKET}/digests/{DATE}/{name}").decode()
        assert cluster_digest == Path(cli_paths[name]).read_text(), name

    # One email per recipient, and the ledger in the store says so.
    sent = sorted(p.name for p in (root / "outbox" / DATE).iterdir())
    assert sent == [f"{r}.eml" for r in RECIPIENTS]
    for recipient in RECIPIENTS:
        entry = json.loads(fs.cat_file(f"{BUCKET}/store/deliveries/{DATE}/{recipient}.json"))
        assert (entry["status"], entry["attempts"]) == ("sent", 1)

    # Nothing half-written: every object in the store is a whole JSON document or a whole gzip shard.
    objects = fs.find(f"{BUCKET}/store")
    assert any(f"/runs/{DATE}/translate/" in o for o in objects)
    for key in objects:
        data = fs.cat_file(key)
        if key.endswith(".gz"):
            list(decode(data))  # a truncated gzip stream or line raises
        else:
            json.loads(data)
