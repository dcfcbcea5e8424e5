import tomllib

from tasks.config import PROJECT_ROOT, Config, load_config, to_toml


def test_example_config_is_the_documented_schema():
    example = PROJECT_ROOT / "briefing.example.toml"
    # Regenerate with: .venv/bin/briefing config --defaults > briefing.example.toml
    assert example.read_text() == to_toml(Config())
    assert load_config(example) == load_config()


def test_toml_round_trips_every_section():
    config = load_config(
        overrides={"translate": {"models": {"fr": "some/model"}}, "deliver": {"recipients": ["a@b.c"]}}
    )
    assert Config.model_validate(tomllib.loads(to_toml(config))) == config
