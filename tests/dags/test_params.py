"""The on-demand DAG's Params, validated as Airflow validates them when a run is triggered."""

import importlib
import sys

import pytest

from tasks.config import PROJECT_ROOT, load_config


@pytest.fixture(scope="module")
def params():
    dags = str(PROJECT_ROOT / "dags")
    sys.path.insert(0, dags)  # as Airflow does for the DAGs folder
    try:
        module = importlib.import_module("briefing_on_demand")
        yield module.briefing_on_demand().params  # the decorated function builds the DAG
    finally:
        sys.path.remove(dags)


def resolve(params, name, value):
    from airflow.sdk.definitions.param import ParamValidationError

    try:
        params.get_param(name).resolve(value)
    except ParamValidationError:
        return False
    return True


def test_a_trailing_newline_does_not_pass_any_pattern(params):
    root = load_config().ingest.allowed_roots[0]
    assert resolve(params, "recipients", ["desk@example.org"])
    assert not resolve(params, "recipients", ["desk@example.org\n"])
    assert not resolve(params, "recipients", ["desk@example.org\r\nBcc: victim@example.net"])
    assert resolve(params, "inputs", [f"{root}/001.txt"])
    assert not resolve(params, "inputs", [f"{root}/001.txt\n"])
    assert not resolve(params, "inputs", [f"{root}/../pyproject.toml"])
    assert resolve(params, "languages", ["fr"])
    assert not resolve(params, "languages", ["fr\n"])
