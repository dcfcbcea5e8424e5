"""Checks that a task can work where it runs: the run store must be the one every other worker sees."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import uuid
from pathlib import Path

from tasks.config import Config
from tasks.storage.store import Store


class StoreNotVisible(RuntimeError):
    """The run store this worker sees is not the one the run was planned in."""


def worker_hostname() -> str:
    """This worker's name for Airflow (`[core] hostname_callable`): `BRIEFING_WORKER_HOSTNAME`, else the FQDN.

    Two workers on one machine would otherwise report the same hostname for their task instances.
    """
    return os.environ.get("BRIEFING_WORKER_HOSTNAME") or socket.getfqdn()


def _marker_key(run_key: str) -> str:
    return f"runs/{run_key}/cluster.json"


def mark_store(config: Config, run_key: str) -> str:
    """Write the run's marker into its store (done once, by the task that plans the run); returns its token."""
    store = Store(config.store_url)
    key = _marker_key(run_key)
    if store.exists(key):
        return store.read_json(key)["token"]
    token = uuid.uuid4().hex
    store.write_json(key, {"token": token, "planned_on": worker_hostname()})
    return token


def _checked_file(store_url: str, run_key: str, token: str) -> Path:
    digest = hashlib.sha256(f"{store_url}\x1f{run_key}\x1f{token}".encode()).hexdigest()[:32]
    return Path(tempfile.gettempdir()) / "briefing-store-checks" / digest


def check_store_visible(config: Config, run_key: str, token: str) -> None:
    """Raise StoreNotVisible unless this worker's store holds the marker `token` of the run.

    Checked once per run on each worker (a local file remembers the check), before any work starts.
    """
    done = _checked_file(config.store_url, run_key, token)
    if done.exists():
        return
    store = Store(config.store_url)
    key = _marker_key(run_key)
    where = f"the store at {config.store_url} is not visible from this worker ({worker_hostname()})"
    try:
        found = store.read_json(key).get("token") if store.exists(key) else None
    except OSError as exc:
        raise StoreNotVisible(f"{where}: {exc}") from exc
    if found != token:
        why = "the run's marker is missing" if found is None else "it holds another run's marker"
        raise StoreNotVisible(
            f"{where}: {why}; every worker must see the same store (an object store URL or a shared "
            "volume, see docs/scaling.md)"
        )
    done.parent.mkdir(parents=True, exist_ok=True)
    done.touch()
