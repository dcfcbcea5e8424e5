import pytest

from tasks.config import PROJECT_ROOT, Config, ConfigError, load_config


def test_defaults_point_inside_the_project():
    config = load_config()
    assert config.input == [str(PROJECT_ROOT / "seeds")]
    assert config.out == str(PROJECT_ROOT / "out")
    assert config.models.policy == "degrade"
    assert config.store_url == str(PROJECT_ROOT / "out" / ".store")


def test_file_paths_are_relative_to_the_file_and_overrides_win(tmp_path):
    path = tmp_path / "briefing.toml"
    path.write_text(
        'input = ["news"]\nout = "digests"\n[translate]\nnum_beams = 2\n[models]\npolicy = "fail"\n'
    )
    config = load_config(path, {"models": {"policy": "degrade"}})
    assert config.input == [str(tmp_path / "news")]
    assert config.out == str(tmp_path / "digests")
    assert config.translate.num_beams == 2
    assert config.models.policy == "degrade"


def test_unknown_keys_and_bad_values_are_errors(tmp_path):
    path = tmp_path / "briefing.toml"
    path.write_text("[translate]\nnum_beam = 2\n")
    with pytest.raises(
        ConfigError, match=r"briefing.toml': unknown key 'translate.num_beam' \(did you mean 'num_beams'\?\)"
    ):
        load_config(path)
    with pytest.raises(
        ConfigError, match=r"command-line options or run parameters\): models.policy: Input should be"
    ):
        load_config(overrides={"models": {"policy": "maybe"}})
    path.write_text("[models]\npolicy = 'maybe'\n")
    with pytest.raises(
        ConfigError, match=r"briefing.toml': models.policy: Input should be 'fail' or 'degrade'"
    ):
        load_config(path)
    path.write_text("input = [seeds\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="No such file"):
        load_config(tmp_path / "missing.toml")


def test_resolved_config_serialises_and_reloads():
    config = load_config()
    assert Config.model_validate_json(config.model_dump_json()) == config
