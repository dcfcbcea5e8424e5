"""One corpus through the CLI and through the Celery cluster of `make airflow-celery` (two workers): wall times.

    .venv/bin/python benchmarks/cluster.py --size 10000 --shard-size 500 --repeat 3   # docs/scaling.md

The corpus is `benchmarks/scale.py`'s synthetic one; both runs use the same config (no models: the
pipeline's degrade path, as in scale.py), the same shard size and deliver nothing. The cluster time runs from
the REST API trigger of `daily_briefing` to the run's success, with the cluster already up. Each pair starts
from empty outputs and a new cluster, so no run reuses another's shards.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-24"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def run_cli(config: Path, out: Path, workers: int) -> float:
    """`briefing run --workers N` in a process of its own; returns its wall time."""
    entry = "from tasks.cli import main; main()"
    command = [sys.executable, "-c", entry, "run", "--config", str(config), "--out", str(out)]
    command += ["--date", DATE, "--deliver", "none", "--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if process.returncode or not (out / DATE / "digest.txt").exists():
        raise SystemExit(f"briefing run failed:\n{process.stderr[-3000:]}")
    return time.perf_counter() - start


def run_cluster(config: Path, home: Path) -> tuple[float, int]:
    """Start the cluster, trigger daily_briefing, wait for it; returns (wall time of the run, task instances)."""
    port = _free_port()
    env = {
        **os.environ,
        "VENV": str(Path(sys.executable).parent.parent),
        "BRIEFING_CLUSTER_HOME": str(home),
        "BRIEFING_CONFIG": str(config),
        "AIRFLOW_PORT": str(port),
        "PG_PORT": str(_free_port()),
        "REDIS_PORT": str(_free_port()),
        "WORKER1_LOG_PORT": str(_free_port()),
        "WORKER2_LOG_PORT": str(_free_port()),
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }
    env.pop("AIRFLOW_HOME", None)
    script = str(ROOT / "scripts" / "airflow-celery.sh")
    try:
        started = subprocess.run([script, "start"], env=env, capture_output=True, text=True)
        if started.returncode:
            raise SystemExit(started.stdout + started.stderr)
        base = f"http://127.0.0.1:{port}"
        password = json.loads((home / "airflow" / "simple_auth_manager_passwords.json.generated").read_text())
        token = _call(base, "POST", "/auth/token", {"username": "admin", "password": password["admin"]})
        token = token["access_token"]
        for _ in range(300):
            try:
                _call(base, "PATCH", "/api/v2/dags/daily_briefing", {"is_paused": False}, token)
                break
            except urllib.error.HTTPError:
                time.sleep(2)
        body = {"dag_run_id": "benchmark", "logical_date": f"{DATE}T06:00:00Z", "conf": {}}
        start = time.perf_counter()
        _call(base, "POST", "/api/v2/dags/daily_briefing/dagRuns", body, token)
        while True:
            state = _call(base, "GET", "/api/v2/dags/daily_briefing/dagRuns/benchmark", token=token)["state"]
            if state in ("success", "failed"):
                break
            time.sleep(2)
        elapsed = time.perf_counter() - start
        path = "/api/v2/dags/daily_briefing/dagRuns/benchmark/taskInstances?limit=1000"
        count = _call(base, "GET", path, token=token)["total_entries"]
        if state != "success":
            raise SystemExit(f"the cluster run ended {state} after {elapsed:.0f} s")
        return elapsed, count
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--shard-size", type=int, default=500)
    parser.add_argument(
        "--repeat", type=int, default=3, help="pairs of runs, alternating; medians are quoted"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scale import generate  # the corpus of the scale benchmark

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="briefing-cluster-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)  # PostgreSQL runs as the `postgres` user when we are root
    corpus = workdir / f"corpus-{args.size}"
    if not corpus.exists():
        generate(args.size, corpus)
    times: dict[str, list[float]] = {"cli": [], "cluster": []}
    for attempt in range(args.repeat):
        outs = {}
        for name in times:  # every attempt starts from empty outputs and a new cluster: nothing is reused
            outs[name] = workdir / f"{name}-{attempt}"
            outs[name].mkdir()
            (outs[name] / "briefing.toml").write_text(
                f'input = ["{corpus}"]\nout = "{outs[name] / "out"}"\n\n'
                f'[ingest]\nallowed_roots = ["{corpus}"]\nshard_size = {args.shard_size}\n\n'
                '[deliver]\ntransport = "none"\n'
            )
        cli = run_cli(outs["cli"] / "briefing.toml", outs["cli"] / "out", 2)
        cluster, tasks = run_cluster(outs["cluster"] / "briefing.toml", outs["cluster"] / "home")
        same = (outs["cli"] / "out" / DATE / "digest.txt").read_text() == (
            outs["cluster"] / "out" / DATE / "digest.txt"
        ).read_text()
        print(
            f"run {attempt + 1}: CLI --workers 2 {cli:.0f} s, Celery two workers {cluster:.0f} s "
            f"({tasks} task instances), same digest: {same}",
            flush=True,
        )
        times["cli"].append(cli)
        times["cluster"].append(cluster)
    cli, cluster = (statistics.median(times[name]) for name in ("cli", "cluster"))
    print(
        f"median of {args.repeat}: CLI --workers 2 {cli:.0f} s, Celery two workers {cluster:.0f} s, "
        f"ratio {cluster / cli:.2f}"
    )


if __name__ == "__main__":
    main()
