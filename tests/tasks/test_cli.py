import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.storage.shards import decode
from tests.conftest import EXAMPLES, SEEDS

BRIEFING = str(Path(sys.executable).with_name("briefing"))


def _briefing(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}  # help on one line per option
    return subprocess.run(
        [BRIEFING, *args], input=stdin, capture_output=True, text=True, timeout=600, cwd=cwd, env=env
    )


def assert_user_error(result: subprocess.CompletedProcess, code: int, *culprits: str) -> None:
    """A user's mistake: the given exit code, one or two lines on stderr naming the culprit, no traceback."""
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr + result.stdout
    assert 1 <= len(result.stderr.strip().splitlines()) <= 2, result.stderr
    assert result.stderr.startswith("error: ")
    for culprit in culprits:
        assert culprit in result.stderr, (culprit, result.stderr)


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_detect_jsonl_speaks_the_shared_format():
    result = _briefing("detect", "--jsonl", str(EXAMPLES / "detect.in.jsonl"))
    assert result.returncode == 0, result.stderr
    got, want = _lines(result.stdout), _lines((EXAMPLES / "detect.out.jsonl").read_text())
    assert [(g["id"], g["lang"], g["reliable"]) for g in got] == [
        (w["id"], w["lang"], w["reliable"]) for w in want
    ]
    assert all(set(g) == {"id", "lang", "confidence", "reliable"} for g in got)


def test_repair_jsonl_reproduces_the_shared_examples_from_stdin():
    result = _briefing("repair", "--jsonl", stdin=(EXAMPLES / "repair.in.jsonl").read_text())
    assert result.returncode == 0, result.stderr
    assert _lines(result.stdout) == _lines((EXAMPLES / "repair.out.jsonl").read_text())


@pytest.mark.slow
def test_run_with_local_tiny_models_translates_and_summarises(tmp_path, tiny_marian, tiny_bart):
    result = _briefing(
        "run",
        "--input",
        str(SEEDS / "001_bagdad-roquettes-zone-verte.txt"),
        "--input",
        str(SEEDS / "000_b6da39b3cbc11f7e.txt"),
        "--out",
        str(tmp_path),
        "--date",
        "2026-11-24",
        "--translation-model",
        f"fr-en={tiny_marian}",
        "--summary-model",
        str(tiny_bart),
        "--to",
        "desk@example.org",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "2026-11-24" / "manifest.json").read_text())
    french = next(e for e in manifest["inputs"] if e["lang"] == "fr")
    assert french["translated_by"] == str(tiny_marian)
    assert "digest.html" in result.stdout
    assert (tmp_path / "outbox" / "2026-11-24" / "desk@example.org.eml").exists()
    summaries = (tmp_path / ".store" / "runs" / "2026-11-24" / "summarise").glob("*.jsonl.gz")
    methods = {row["story"]["summary"]["method"] for p in summaries for row in decode(p.read_bytes())}
    assert methods and methods <= {"single", "chunked"}


def test_bad_date_fails_with_a_clear_message(tmp_path):
    result = _briefing(
        "run", "--input", str(SEEDS), "--out", str(tmp_path), "--date", "2026-02-30", "--deliver", "none"
    )
    assert result.returncode != 0
    assert "not a date" in result.stderr + result.stdout


def test_bad_translation_model_spec_is_refused(tmp_path):
    result = _briefing("run", "--out", str(tmp_path), "--translation-model", "fr=somewhere")
    assert result.returncode == 2
    assert "SRC-en=PATH_OR_ID" in result.stderr


def test_unknown_template_is_refused_before_any_work(tmp_path):
    result = _briefing("run", "--input", str(SEEDS), "--out", str(tmp_path), "--template", "../secret")
    assert result.returncode == 2
    assert result.stderr == "error: template '../secret' is not allowed (digest)\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("recipient", ["a@example.com\r\nBcc: evil@example.net", "a@example.com\n"])
def test_recipient_with_cr_or_lf_is_refused_before_any_work(tmp_path, recipient):
    result = _briefing("run", "--input", str(SEEDS), "--out", str(tmp_path), "--to", recipient)
    assert result.returncode == 2
    assert result.stderr == f"error: invalid email address: {recipient!r}\n"
    assert list(tmp_path.iterdir()) == []


def test_an_input_typo_fails_naming_the_path_and_sends_nothing(tmp_path):
    result = _briefing("run", "--input", "nope", "--out", str(tmp_path), "--date", "2026-11-24", cwd=tmp_path)
    assert_user_error(result, 6, str(tmp_path / "nope"), "no such file", "nothing was sent")
    assert not (tmp_path / "outbox").exists()


def test_a_bad_input_beside_a_good_one_is_reported_and_the_run_goes_on(tmp_path):
    good = SEEDS / "005_antwerp-port-strike.txt"
    result = _briefing(
        "run", "--input", str(good), "--input", "nope.txt", "--out", str(tmp_path / "out"),
        "--date", "2026-11-24", "--deliver", "none", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "█" not in result.stderr and "batch/s" not in result.stderr  # no progress bars in a log
    manifest = json.loads((tmp_path / "out" / "2026-11-24" / "manifest.json").read_text())
    rejected = [e for e in manifest["inputs"] if e["status"] == "rejected"]
    assert [(e["source"], e["reason"]) for e in rejected] == [(str(tmp_path / "nope.txt"), "no such file")]


def test_a_config_key_typo_names_the_file_and_the_key(tmp_path):
    config = tmp_path / "briefing.toml"
    config.write_text('[deliver]\nrecipient = ["desk@example.org"]\n')
    result = _briefing("run", "--config", str(config), "--out", str(tmp_path))
    assert_user_error(result, 4, str(config), "deliver.recipient", "recipients")


def test_a_config_file_that_is_not_toml_is_named(tmp_path):
    config = tmp_path / "briefing.toml"
    config.write_text("input = [seeds\n")
    assert_user_error(_briefing("config", "--config", str(config)), 4, str(config), "not valid TOML")


@pytest.mark.parametrize("stage", ["render", "deliver", "summarise", "detect"])
def test_a_stage_of_a_run_that_does_not_exist_names_the_run(tmp_path, stage):
    result = _briefing(stage, "--date", "2026-11-27", "--out", str(tmp_path))
    assert_user_error(result, 5, "2026-11-27", str(tmp_path), "briefing run --date 2026-11-27")
    assert list(tmp_path.iterdir()) == []  # nothing written for a run that is not there


def test_models_pull_that_fails_exits_non_zero():
    result = _briefing("models", "pull", "Helsinki-NLP/opus-mt-fr-en")  # the Hub is unreachable in tests
    assert result.returncode == 7
    assert "Traceback" not in result.stderr
    assert "Helsinki-NLP/opus-mt-fr-en: failed" in result.stderr
    assert "1 of 1 models could not be fetched" in result.stderr


def test_translate_jsonl_suggests_its_own_option_for_a_missing_model(tmp_path):
    record = json.dumps({"id": 1, "source_lang": "nl", "text": "Een zin."})
    result = _briefing("translate", "--jsonl", stdin=record + "\n")
    (line,) = _lines(result.stdout)
    assert "--model nl-en=DIR" in line["error"] or "--model fr-en=DIR" in line["error"]
    assert "--translation-model" not in line["error"]


def test_a_model_named_on_the_command_line_must_load(tmp_path):
    result = _briefing("run", "--out", str(tmp_path), "--summary-model", "sshleifer/no-such-model")
    assert_user_error(result, 7, "sshleifer/no-such-model", "briefing models pull")
    missing_dir = str(tmp_path / "models" / "typo")
    result = _briefing("run", "--out", str(tmp_path), "--translation-model", f"fr-en={missing_dir}")
    assert_user_error(result, 7, missing_dir, "no such model directory")


def test_debug_shows_the_traceback(tmp_path):
    result = _briefing("render", "--date", "2026-11-27", "--out", str(tmp_path), "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr and "NoSuchRun" in result.stderr


def test_bare_detect_reads_standard_input(tmp_path):
    record = json.dumps({"id": "x", "text": "Die Regierung hat am Montag ein neues Gesetz beschlossen."})
    result = _briefing("detect", stdin=record + "\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [(r["id"], r["lang"]) for r in _lines(result.stdout)] == [("x", "de")]


@pytest.mark.parametrize("command", [["run"], ["deliver"], ["detect"], [], ["models", "pull"]])
def test_help_shows_defaults_and_no_type_labels(command):
    result = _briefing(*command, "--help")
    assert result.returncode == 0
    assert not re.search(r"<(list|path|bool|str|int)", result.stdout), result.stdout
    if command == ["run"]:
        assert "(default: digest;" in result.stdout and "(default: seeds/ in the project)" in result.stdout


def test_models_list_columns_line_up():
    result = _briefing("models", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    model_column = {line.index("Helsinki-NLP") for line in lines if "Helsinki-NLP" in line}
    assert len(model_column) == 1
    assert lines[-1].index("sshleifer") in model_column


def test_deliver_uses_the_runs_recipients_and_transport_with_overrides(tmp_path):
    config = tmp_path / "briefing.toml"
    config.write_text("[deliver]\nretries = 0\nsmtp_timeout = 2\n")
    out = tmp_path / "out"
    run = _briefing(
        "run", "--config", str(config), "--input", str(SEEDS / "005_antwerp-port-strike.txt"),
        "--out", str(out), "--date", "2026-11-24", "--deliver", "smtp://127.0.0.1:9", "--to", "desk@example.org",
    )  # fmt: skip
    assert run.returncode == 3, run.stderr[-2000:]  # nothing listens on port 9
    recorded = json.loads((out / "2026-11-24" / "config.json").read_text())["deliver"]
    assert recorded["recipients"] == ["desk@example.org"]

    again = _briefing("deliver", "--config", str(config), "--out", str(out), "--date", "2026-11-24")
    assert again.returncode == 3  # the run's own SMTP transport, not the default outbox
    assert "desk@example.org" in again.stdout and "analyst@example.com" not in again.stdout
    assert not (out / "outbox").exists()

    outbox = tmp_path / "mail"
    fixed = _briefing(
        "deliver", "--out", str(out), "--date", "2026-11-24", "--deliver", f"outbox:{outbox}",
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stderr
    assert [p.name for p in (outbox / "2026-11-24").iterdir()] == ["desk@example.org.eml"]
    other = _briefing(
        "deliver", "--out", str(out), "--date", "2026-11-24", "--deliver", f"outbox:{outbox}",
        "--to", "editor@example.org",
    )  # fmt: skip
    assert other.returncode == 0, other.stderr
    assert sorted(p.name for p in (outbox / "2026-11-24").iterdir()) == [
        "desk@example.org.eml",
        "editor@example.org.eml",
    ]


def test_out_inside_an_input_folder_is_not_read_back(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text((SEEDS / "005_antwerp-port-strike.txt").read_text())
    for date in ("2026-11-24", "2026-11-25"):
        result = _briefing(
            "run", "--input", str(inputs), "--out", str(inputs / "out"), "--date", date, "--deliver", "none"
        )
        assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((inputs / "out" / "2026-11-25" / "manifest.json").read_text())
    assert [e["source"] for e in manifest["inputs"]] == ["in/a.txt"]


@pytest.mark.slow
def test_an_on_demand_run_has_its_own_outputs_and_does_not_record_what_it_reported(tmp_path):
    article = tmp_path / "in" / "council.txt"
    article.parent.mkdir()
    article.write_text(
        "Exampleton council votes\n\nThe council voted on Monday to raise the budget by 3 percent.\n"
    )
    result = _briefing(
        "run", "--input", str(article), "--out", str(tmp_path / "out"), "--date", "2026-11-24",
        "--deliver", "none", "--on-demand",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "out" / "2026-11-24_on-demand" / "config.json").read_text())
    assert config["fetch"]["record_seen"] is False
    assert not (tmp_path / "out" / "2026-11-24").exists()  # the daily run's outputs are not touched


def _briefings_config(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("001_bagdad-roquettes-zone-verte.txt", "005_antwerp-port-strike.txt"):
        (inputs / name).write_text((SEEDS / name).read_text())
    config = tmp_path / "briefing.toml"
    config.write_text(
        f'input = ["{inputs}"]\nout = "{tmp_path / "out"}"\n\n'
        '[[briefings]]\nname = "ports"\ntopics = {ports = ["Antwerp"]}\nrecipients = ["econ@example.org"]\n\n'
        '[[briefings]]\nname = "iraq"\ntopics = {iraq = ["Bagdad", "Baghdad"]}\n'
        'recipients = ["desk@example.org"]\napproval = true\n'
    )
    return config


@pytest.mark.slow
def test_run_one_briefing_from_the_config(tmp_path):
    config = _briefings_config(tmp_path)
    out = tmp_path / "out"
    result = _briefing("run", "--config", str(config), "--briefing", "ports", "--date", "2026-11-24")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"page.html: {out / '2026-11-24_ports' / 'page.html'}" in result.stdout
    manifest = json.loads((out / "2026-11-24_ports" / "manifest.json").read_text())
    assert manifest["stories"] and all("Antwerp" in json.dumps(s) for s in manifest["stories"])
    assert (
        out / ".store" / "runs" / "2026-11-24_articles" / "shared.json"
    ).exists()  # the shared stages ran once
    assert [p.name for p in (out / "outbox" / "2026-11-24_ports").iterdir()] == ["econ@example.org.eml"]
    assert not (out / "2026-11-24").exists()  # the daily run's outputs are not touched

    result = _briefing("run", "--config", str(config), "--briefing", "iraq", "--date", "2026-11-24")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "not sent: briefing 'iraq' needs an editor's approval" in result.stdout
    assert (
        json.loads((out / "2026-11-24_iraq" / "manifest.json").read_text())["approval"]["status"] == "pending"
    )
    assert not (out / "outbox" / "2026-11-24_iraq").exists()


def test_run_an_unknown_briefing_names_the_configured_ones(tmp_path):
    result = _briefing("run", "--config", str(_briefings_config(tmp_path)), "--briefing", "nope")
    assert_user_error(result, 2, "--briefing", "'nope'", "configured: ports, iraq")
    assert not (tmp_path / "out").exists()
