"""Airflow plugin: the scheduler creates the `briefing_models` pool when a briefing run starts and it is missing.

Without the pool, Airflow leaves the model tasks `scheduled` forever (one log line a second, the run never fails).
Tasks cannot create it (Airflow 3 gives them no database), so the scheduler does, as the run starts: sized by
`models.pool_slots` of `BRIEFING_CONFIG` and never resized once it exists (an operator's change stays).
"""

from __future__ import annotations

import logging
import os
from importlib import import_module
from typing import Any, ClassVar

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

from tasks.config import MODEL_POOL

DESCRIPTION = (
    "Tasks that load translation or summary models (briefing: models.pool_slots, across all workers)"
)
log = logging.getLogger(__name__)


def pool_slots() -> int:
    """The configured `models.pool_slots`; the default when the config cannot be read here."""
    from tasks.config import ConfigError, ModelsConfig, load_config

    try:
        return load_config(os.environ.get("BRIEFING_CONFIG") or None).models.pool_slots
    except ConfigError as exc:
        default = ModelsConfig().pool_slots
        log.warning(
            "briefing config unreadable in the scheduler (%s); pool %s gets %d slot(s)",
            exc,
            MODEL_POOL,
            default,
        )
        return default


def ensure_model_pool(pools: set[str], session: Any) -> bool:
    """Add `briefing_models` to `session` when `pools` (a DAG's task pools) use it and it is missing; True if added."""
    from airflow.models.pool import Pool
    from sqlalchemy import select

    if MODEL_POOL not in pools or session.scalar(select(Pool.id).where(Pool.pool == MODEL_POOL)) is not None:
        return False
    row = {"pool": MODEL_POOL, "slots": pool_slots(), "description": DESCRIPTION, "include_deferred": False}
    # Part of the scheduler's own transaction (it forbids commits of ours). ON CONFLICT DO NOTHING: a second
    # scheduler adding the pool at the same moment waits for the first one's commit, then adds nothing.
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = import_module(f"sqlalchemy.dialects.{dialect}").insert
        session.execute(insert(Pool).values(**row).on_conflict_do_nothing(index_elements=["pool"]))
    else:
        session.add(Pool(**row))
    log.info("created the Airflow pool %s with %d slot(s) (models.pool_slots)", MODEL_POOL, row["slots"])
    return True


class ModelPoolListener:
    """Creates the model pool as a run that needs it starts (the scheduler calls this, in its own transaction)."""

    @hookimpl
    def on_dag_run_running(self, dag_run: Any, msg: str) -> None:
        """Make sure the pool of the run's model tasks exists before any of them is scheduled."""
        from sqlalchemy.orm import object_session

        dag = getattr(dag_run, "dag", None)
        session = object_session(dag_run)
        if dag is None or session is None:
            return
        ensure_model_pool({task.pool for task in dag.tasks}, session)


class BriefingPlugin(AirflowPlugin):
    """Registers the model-pool listener."""

    name = "briefing"
    listeners: ClassVar[list[Any]] = [ModelPoolListener()]
