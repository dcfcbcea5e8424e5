import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.config import PROJECT_ROOT
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, tiny_marian, tiny_bart):
    """An Airflow home with a migrated SQLite database, and a briefing config using the tiny models."""
    home = tmp_path_factory.mktemp("airflow-home")
    root = tmp_path_factory.mktemp("briefing")
    (root / "extra").mkdir()
    (root / "secret.txt").write_text("Secret\n\nNot for the digest.")
    (root / "extra" / "escape.txt").symlink_to(root / "secret.txt")
    models = "\n".join(f'{lang} = "{tiny_marian}"' for lang in ("fr", "de", "es", "it", "ru", "ar"))
    config = root / "briefing.toml"
    config.write_text(
        f'input = ["{SEEDS}"]\nout = "{root / "out"}"\n\n[ingest]\nallowed_roots = ["{SEEDS}", "{root / "extra"}"]\n\n'
        f"[translate]\nnum_beams = 1\n\n[translate.models]\n{models}\n\n"
        f'[summarise]\nmodel = "{tiny_bart}"\nnum_beams = 1\nmin_new_tokens = 4\nmax_new_tokens = 16\n'
        '\n[deliver]\nallowed_recipient_domains = ["example.com", "example.org"]\n'
    )
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "BRIEFING_CONFIG": str(config),
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env, root


def _dags_test(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [AIRFLOW, "dags", "test", *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_daily_dag_runs_end_to_end(airflow_env):
    env, root = airflow_env
    out = root / "out"
    result = _dags_test(env, "daily_briefing", "2026-11-24")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run_dir = out / "2026-11-24"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert {e["source"].split("#")[0].split("/")[-1] for e in manifest["inputs"]} == {
        p.name for p in SEEDS.iterdir()
    }
    assert all(e["status"] in ("included", "duplicate") for e in manifest["inputs"])
    assert any(e.get("translated_by") for e in manifest["inputs"])
    digest = (run_dir / "digest.html").read_text()
    assert "green zone" in digest
    assert list((out / "outbox" / "2026-11-24").glob("*.eml"))


def test_on_demand_dag_takes_params_and_refuses_bad_ones(airflow_env):
    env, root = airflow_env
    out = root / "out"
    conf = {
        "inputs": [str(SEEDS / "001_bagdad-roquettes-zone-verte.txt")],
        "recipients": ["editor@example.org"],
    }
    result = _dags_test(env, "briefing_on_demand", "2026-11-23", "-c", json.dumps(conf))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (run_dir,) = [p for p in out.iterdir() if p.name.startswith("2026-11-23_")]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [e["status"] for e in manifest["inputs"]] == ["included"]
    assert [p.name for p in (out / "outbox" / run_dir.name).iterdir()] == ["editor@example.org.eml"]
    assert json.loads((run_dir / "config.json").read_text())["fetch"]["record_seen"] is False
    # one recipient, within approval.on_demand_recipient_limit: sent with no human step, and the manifest says why
    assert manifest["approval"] == {
        "status": "not required",
        "approved": True,
        "by": None,
        "reason": "1 recipient, within approval.on_demand_recipient_limit (10)",
    }

    for bad in (
        {"inputs": [str(SEEDS.parent / "pyproject.toml")]},
        {"inputs": [str(SEEDS / ".." / "pyproject.toml")]},
        {"template": "../../etc/passwd"},
        {"recipients": ["a@example.org\r\nBcc: victim@example.org"]},
        {"recipients": ["desk@example.org\n"]},
        {"languages": ["fr\n"]},
        {"date": "yesterday"},
    ):
        refused = _dags_test(env, "briefing_on_demand", "2026-11-22", "-c", json.dumps(bad))
        assert refused.returncode != 0, bad
        assert "Invalid input for param" in refused.stdout + refused.stderr, bad

    foreign = {"recipients": ["someone@elsewhere.example.net"]}
    refused = _dags_test(env, "briefing_on_demand", "2026-11-22", "-c", json.dumps(foreign))
    assert refused.returncode != 0
    assert "'someone@elsewhere.example.net' is not on an allowed domain" in refused.stdout + refused.stderr

    escape = {"inputs": [str(root / "extra" / "escape.txt")]}
    refused = _dags_test(env, "briefing_on_demand", "2026-11-22", "-c", json.dumps(escape))
    assert refused.returncode != 0
    assert "outside the allowed roots" in refused.stdout + refused.stderr
    assert not any(p.name.startswith("2026-11-22") for p in out.iterdir())


def _readme_command(prefix: str) -> list[str]:
    """The README's command line that starts with `prefix`, split as a shell would."""
    import shlex

    readme = (PROJECT_ROOT / "README.md").read_text()
    (line,) = [line for line in readme.splitlines() if line.startswith(prefix)]
    return shlex.split(line)


def test_the_readme_on_demand_example_runs_as_written(airflow_env):
    env, root = airflow_env
    out = root / "out"
    command = _readme_command(".venv/bin/airflow dags test briefing_on_demand")
    before = {p.name for p in out.iterdir()} if out.exists() else set()
    result = subprocess.run(
        [AIRFLOW, *command[1:]], env=env, capture_output=True, text=True, timeout=600, cwd=root
    )  # run from elsewhere: the relative input is relative to the project, not to the working directory
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    conf = json.loads(command[command.index("-c") + 1])
    (run_dir,) = [p for p in out.iterdir() if p.name not in before and p.name.startswith(command[4] + "_")]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [e["source"] for e in manifest["inputs"]] == [Path(conf["inputs"][0]).name]
    assert [e["status"] for e in manifest["inputs"]] == ["included"]
    assert [p.name for p in (out / "outbox" / run_dir.name).iterdir()] == [f"{conf['recipients'][0]}.eml"]


def test_an_on_demand_run_whose_inputs_yield_nothing_fails_and_mails_nothing(airflow_env):
    env, root = airflow_env
    out = root / "out"
    empty = root / "extra" / "empty.txt"
    empty.write_text("")
    conf = {"inputs": [str(empty)], "recipients": ["nobody@example.org"]}
    result = _dags_test(env, "briefing_on_demand", "2026-11-21", "-c", json.dumps(conf))
    assert result.returncode != 0
    assert "no article in the inputs given" in result.stdout + result.stderr
    assert not (out / "outbox").exists() or not any(
        p.name.startswith("2026-11-21") for p in (out / "outbox").iterdir()
    )
