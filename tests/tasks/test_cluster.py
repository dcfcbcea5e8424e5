"""The store check: a worker that sees another store (or none) refuses before any work, naming the store."""

from __future__ import annotations

import uuid

import pytest

from tasks import cluster
from tasks.cluster import StoreNotVisible, check_store_visible, mark_store, worker_hostname
from tasks.config import load_config


@pytest.fixture(autouse=True)
def _own_check_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))


def _config(store: str):
    return load_config(overrides={"store": store, "out": "unused-out"})


def test_a_worker_that_sees_the_same_store_passes(tmp_path):
    config = _config(str(tmp_path / "store"))
    token = mark_store(config, "2026-11-24")
    check_store_visible(config, "2026-11-24", token)
    assert mark_store(config, "2026-11-24") == token  # a second plan of the same run keeps the marker


def test_a_worker_with_its_own_empty_store_refuses_naming_the_store(tmp_path, monkeypatch):
    token = mark_store(_config(str(tmp_path / "shared")), "2026-11-24")
    monkeypatch.setenv("BRIEFING_WORKER_HOSTNAME", "worker-2")
    other = _config(str(tmp_path / "local-only"))
    with pytest.raises(StoreNotVisible) as refused:
        check_store_visible(other, "2026-11-24", token)
    message = str(refused.value)
    assert f"the store at {tmp_path / 'local-only'} is not visible from this worker (worker-2)" in message
    assert "marker is missing" in message


def test_a_store_holding_another_runs_marker_is_refused(tmp_path):
    first = _config(str(tmp_path / "a"))
    mark_store(first, "2026-11-24")
    second = _config(str(tmp_path / "b"))
    token = mark_store(second, "2026-11-24")
    with pytest.raises(StoreNotVisible, match="another run's marker"):
        check_store_visible(first, "2026-11-24", token)


def test_the_check_runs_once_per_run_on_a_worker(tmp_path):
    store = f"memory://cluster-{uuid.uuid4().hex}"
    config = _config(store)
    token = mark_store(config, "2026-11-24")
    check_store_visible(config, "2026-11-24", token)
    import fsspec

    fsspec.filesystem("memory").rm(store.removeprefix("memory://"), recursive=True)
    check_store_visible(config, "2026-11-24", token)  # remembered on this worker: no second look
    with pytest.raises(StoreNotVisible):
        check_store_visible(config, "2026-11-25", token)


def test_worker_hostname_prefers_the_configured_name(monkeypatch):
    monkeypatch.setenv("BRIEFING_WORKER_HOSTNAME", "briefing-worker-1")
    assert worker_hostname() == "briefing-worker-1"
    monkeypatch.delenv("BRIEFING_WORKER_HOSTNAME")
    assert worker_hostname()
