import pytest

from tasks.config import ConfigError, load_config
from tasks.pipeline import open_run
from tasks.runs import NoSuchRun, existing_run, recorded_config


def _config(tmp_path, transport="outbox", recipients=("desk@example.org",)):
    return load_config(
        overrides={"out": str(tmp_path), "deliver": {"transport": transport, "recipients": list(recipients)}}
    )


def test_the_recorded_config_is_the_runs_not_todays(tmp_path):
    open_run(_config(tmp_path, "outbox:/tmp/mail", ["desk@example.org"]), "2026-11-24")
    today = _config(tmp_path, "outbox", ["analyst@example.com"])
    recorded = recorded_config(today, "2026-11-24")
    assert recorded.deliver.recipients == ["desk@example.org"]
    assert recorded.deliver.transport == "outbox:/tmp/mail"


def test_an_smtp_password_comes_from_the_same_config_never_from_config_json(tmp_path):
    secret = "smtp://user:s3cret@mail.example.org:587"
    open_run(_config(tmp_path, secret), "2026-11-24")
    assert "s3cret" not in (tmp_path / "2026-11-24" / "config.json").read_text()
    assert recorded_config(_config(tmp_path, secret), "2026-11-24").deliver.transport == secret
    with pytest.raises(ConfigError, match="password is not recorded"):
        recorded_config(_config(tmp_path, "outbox"), "2026-11-24")


def test_a_run_that_is_not_there_or_not_far_enough_is_named(tmp_path):
    config = _config(tmp_path)
    with pytest.raises(NoSuchRun, match="no run 2026-11-27 in"):
        recorded_config(config, "2026-11-27")
    with pytest.raises(NoSuchRun, match="no run 2026-11-27 in"):
        existing_run(config, "2026-11-27", "render")
    run = open_run(config, "2026-11-27")
    run.store.put_json("ingest.json", [])  # ingested, not yet grouped into stories
    with pytest.raises(NoSuchRun, match="has not reached `render` yet: run `briefing summarise"):
        existing_run(config, "2026-11-27", "render")
    assert existing_run(config, "2026-11-27", "detect").key == "2026-11-27"
