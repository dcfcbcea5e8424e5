"""The scheduler plugin creates the model pool inside the scheduler's transaction, once, sized by the config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def session():
    """A session on this test run's migrated Airflow database."""
    subprocess.run([AIRFLOW, "db", "migrate"], env=os.environ, check=True, capture_output=True, timeout=300)
    from airflow.utils.session import create_session

    with create_session() as session:
        yield session


@pytest.fixture
def briefing_pool(monkeypatch, tmp_path):
    """The plugin module, reading a config with three pool slots."""
    config = tmp_path / "briefing.toml"
    config.write_text("[models]\npool_slots = 3\n")
    monkeypatch.setenv("BRIEFING_CONFIG", str(config))
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "plugins"))
    import briefing_pool

    return briefing_pool


def _slots(session) -> list[int]:
    from airflow.models.pool import Pool
    from sqlalchemy import select

    return list(session.scalars(select(Pool.slots).where(Pool.pool == "briefing_models")))


def test_the_pool_is_added_once_without_committing_the_schedulers_transaction(session, briefing_pool):
    from airflow.utils.sqlalchemy import prohibit_commit

    with prohibit_commit(session) as guard:  # what the scheduler holds while it starts runs
        assert briefing_pool.ensure_model_pool({"default_pool", "briefing_models"}, session)
        assert not briefing_pool.ensure_model_pool({"briefing_models"}, session)
        guard.commit()
    assert _slots(session) == [3]


def test_a_dag_without_model_tasks_adds_nothing(session, briefing_pool):
    from airflow.models.pool import Pool
    from sqlalchemy import delete

    session.execute(delete(Pool).where(Pool.pool == "briefing_models"))
    assert not briefing_pool.ensure_model_pool({"default_pool"}, session)
    assert _slots(session) == []


def test_an_unreadable_config_gives_the_default_size_and_says_why(
    briefing_pool, monkeypatch, tmp_path, caplog
):
    broken = tmp_path / "broken.toml"
    broken.write_text("[models]\npool_slots = 'many'\n")
    monkeypatch.setenv("BRIEFING_CONFIG", str(broken))
    assert briefing_pool.pool_slots() == 1
    assert "broken.toml" in caplog.text
