import json
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.storage.shards import decode
from tests.conftest import EXAMPLES, SEEDS

BRIEFING = str(Path(sys.executable).with_name("briefing"))


def _briefing(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([BRIEFING, *args], input=stdin, capture_output=True, text=True, timeout=600)


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
