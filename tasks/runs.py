"""An existing run, found by date and read back as it was recorded (its config.json), for single-stage commands."""

from __future__ import annotations

import json

from tasks.config import Config, ConfigError
from tasks.pipeline import Run, parse_date
from tasks.secrets import mask

# What each stage command needs an earlier stage to have written (run store names).
NEEDS = {
    "detect": "ingest.json",
    "translate": "ingest.json",
    "repair": "ingest.json",
    "summarise": "ingest.json",
    "render": "stories.jsonl.gz",
    "deliver": "digest.json",
}
MAKES = {"ingest.json": "ingest", "stories.jsonl.gz": "summarise", "digest.json": "render"}


class NoSuchRun(LookupError):
    """A stage command named a run that does not exist (or has not reached the stage it needs)."""


def existing_run(config: Config, date: str | None, stage: str) -> Run:
    """The run of `date` in `config.out`, if it has what `stage` needs; nothing is written."""
    day = parse_date(date)
    run = Run(config=config, date=day, key=day)
    needed = NEEDS.get(stage)
    if needed and not run.store.exists(needed):
        started = run.store.exists("ingest.json")
        where = f"in {config.out}"
        if not started:
            raise NoSuchRun(
                f"no run {day} {where}: start it with `briefing run --date {day}` "
                f"(or give the run's --out / --config)"
            )
        raise NoSuchRun(
            f"run {day} {where} has not reached `{stage}` yet: run `briefing {MAKES[needed]} --date {day}` "
            f"first, or `briefing run --date {day}`"
        )
    return run


def recorded_config(config: Config, date: str | None) -> Config:
    """The configuration a run recorded in its config.json (in `config.out`); NoSuchRun when there is none."""
    day = parse_date(date)
    run = Run(config=config, date=day, key=day)
    if not run.outputs.exists(f"{day}/config.json"):
        raise NoSuchRun(f"no run {day} in {config.out}: start it with `briefing run --date {day}`")
    try:
        data = json.loads(run.read_output("config.json"))
    except ValueError as exc:
        raise ConfigError(f"the recorded configuration of run {day} cannot be read: {exc}") from exc
    recorded_transport = str((data.get("deliver") or {}).get("transport", ""))
    if "***@" in recorded_transport:
        # config.json never holds a password: take it from the same configuration, given again.
        if mask(config.deliver.transport) != recorded_transport:
            raise ConfigError(
                f"run {day} delivers by {recorded_transport}, whose password is not recorded: "
                "give the same --config, or --deliver with the full URL"
            )
        data["deliver"]["transport"] = config.deliver.transport
    try:
        return Config.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"the recorded configuration of run {day} cannot be read: {exc}") from exc
