"""Credentials in the configuration: never shown, and a configuration written out and read back still sends."""

import logging
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

from tasks.config import Config, load_config, to_toml
from tasks.delivery.deliver import DeliveryError, make_transport
from tasks.delivery.email_message import build_message
from tasks.pipeline import open_run
from tasks.secrets import expand, mask
from tests.support.smtp_server import SmtpServer

PASSWORD = "s3cret-pw-7f1c"
INLINE = f"smtps://briefing:{PASSWORD}@mail.example.org:465"
BRIEFING = str(Path(sys.executable).with_name("briefing"))


def test_mask_hides_the_password_of_any_url_and_keeps_references():
    assert mask(INLINE) == "smtps://briefing:***@mail.example.org:465"
    assert mask("smtp://u:p@ss/w@rd@host") == "smtp://u:***@host"  # a raw @ or / leaves nothing behind
    assert mask("s3://:key@bucket/x and smtp://a:b@h") == "s3://:***@h"  # two on one line: all hidden
    assert mask("smtps://u:${SMTP_PASSWORD}@host") == "smtps://u:${SMTP_PASSWORD}@host"
    assert mask("https://example.org/a?to={recipient}") == "https://example.org/a?to={recipient}"
    assert mask("outbox") == "outbox"


def test_repr_str_logs_json_and_toml_never_show_an_inline_password(tmp_path, caplog):
    config = load_config(overrides={"out": str(tmp_path), "deliver": {"transport": INLINE}})
    assert config.deliver.transport == INLINE  # the live value keeps it: the run can still send
    caplog.set_level(logging.INFO)
    logging.getLogger("briefing.test").info("config %s / %r / %s", config, config, config.deliver)
    shown = [repr(config), str(config), repr(config.deliver), caplog.text]
    shown += [config.model_dump_json(), str(config.model_dump()), to_toml(config)]
    for text in shown:
        assert PASSWORD not in text
    assert "smtps://briefing:***@mail.example.org:465" in to_toml(config)
    run = open_run(config, "2026-11-24")
    assert PASSWORD not in (run.out_dir / "config.json").read_text()


def test_briefing_config_does_not_print_the_password(tmp_path):
    path = tmp_path / "briefing.toml"
    path.write_text(f'[deliver]\ntransport = "{INLINE}"\n')
    result = subprocess.run([BRIEFING, "config", "--config", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert 'transport = "smtps://briefing:***@mail.example.org:465"' in result.stdout


def test_a_masked_password_read_back_is_refused_with_a_clear_message(tmp_path):
    run = open_run(
        load_config(overrides={"out": str(tmp_path), "deliver": {"transport": INLINE}}), "2026-11-24"
    )
    with pytest.raises(pydantic.ValidationError, match=r"masked \(\*\*\*\).*\$\{SMTP_PASSWORD\}"):
        Config.model_validate_json((run.out_dir / "config.json").read_text())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_referenced_password_survives_config_json_and_toml_round_trips_and_still_logs_in(
    tmp_path, monkeypatch
):
    with SmtpServer(users={"briefing": PASSWORD}) as server:
        spec = f"smtp://briefing:${{SMTP_PASSWORD}}@127.0.0.1:{server.port}?tls=none"
        monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
        run = open_run(
            load_config(overrides={"out": str(tmp_path), "deliver": {"transport": spec}}), "2026-11-24"
        )
        saved = (run.out_dir / "config.json").read_text()
        assert PASSWORD not in saved
        from_json = Config.model_validate_json(saved)
        toml = tmp_path / "written.toml"
        toml.write_text(to_toml(from_json))
        from_toml = load_config(toml)
        for config in (from_json, from_toml):
            assert config.deliver.transport == spec
            transport = make_transport(config.deliver.transport, tmp_path / "outbox", 5)
            msg = build_message(
                {"digest.txt": "t", "digest.html": "<p>h</p>"},
                "a@example.com",
                "b@example.org",
                "S",
                "2026-11-24",
            )
            assert transport.send(msg, "a@example.com", "run").startswith("250")
            transport.close()
        assert server.handler.logins == [("briefing", PASSWORD)] * 2


def test_a_reference_to_an_unset_variable_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("NO_SUCH_SMTP_URL", raising=False)
    with pytest.raises(
        DeliveryError, match=r"deliver.transport refers to \$\{NO_SUCH_SMTP_URL\}, which is not set"
    ):
        make_transport("${NO_SUCH_SMTP_URL}", "outbox")
    monkeypatch.setenv("BRIEFING_SMTP_URL", "outbox:/tmp/x")
    assert expand("${BRIEFING_SMTP_URL}") == "outbox:/tmp/x"
