"""Faults survived: a killed stage, a failed try, a corrupt model, a full or read-only disk; nothing lost or doubled."""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileOpener
from typer.testing import CliRunner

import tasks.models.loading
import tasks.stages.translate
from tasks.cli import app
from tasks.config import PROJECT_ROOT, Config, load_config, to_toml
from tasks.delivery.deliver import deliver
from tasks.delivery.transports import SmtpTransport, smtp_from_url
from tasks.models.loading import ModelUnavailable
from tasks.pipeline import open_run, run_all, run_articles, run_ingest
from tasks.stages.registry import BY_NAME
from tasks.storage.ledger import Ledger
from tasks.storage.store import Store
from tests.conftest import SEEDS
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.slow

DATE = "2026-11-24"
LANGUAGES = ("fr", "de", "es", "it", "ru", "ar")
RECORD_STAGES = ("ingest", "detect", "translate", "repair", "summarise")


def _config(
    out: Path, marian: Path, bart: Path, models: dict[str, str] | None = None, policy: str = "degrade"
) -> Config:
    """The seeds through the tiny models, two articles a shard so records land shard by shard."""
    return load_config(
        overrides={
            "input": [str(SEEDS)],
            "out": str(out),
            "ingest": {"shard_size": 2},
            "translate": {
                "models": {lang: str(marian) for lang in LANGUAGES} | (models or {}),
                "num_beams": 2,
            },
            "summarise": {"model": str(bart), "num_beams": 2, "min_new_tokens": 4, "max_new_tokens": 24},
            "deliver": {"transport": "none"},
            "models": {"policy": policy},
        }
    )


def _manifest(out: Path) -> dict:
    """The manifest of the run of DATE under `out`."""
    return json.loads((out / DATE / "manifest.json").read_text())


def _records(out: Path) -> dict[str, int]:
    """Every article and summary shard of the run, with its modification time."""
    root = out / ".store" / "runs" / DATE
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for stage in RECORD_STAGES
        for p in (root / stage).glob("*.jsonl.gz")
    }


def _temporary_files(out: Path) -> list[Path]:
    return sorted(out.rglob(".tmp-*"))


def _assert_same_run(out: Path, reference: Path) -> None:
    # Only config.json (which names the folder) and report.txt (which has timings) may differ.
    for name in ("digest.txt", "digest.html", "page.html", "manifest.json"):
        assert (out / DATE / name).read_text() == (reference / DATE / name).read_text(), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, tiny_marian: Path, tiny_bart: Path) -> Path:
    """The output folder of an uninterrupted run, for every fault test to compare with."""
    out = tmp_path_factory.mktemp("reference")
    run_all(open_run(_config(out, tiny_marian, tiny_bart), DATE))
    return out


# The child stalls halfway through writing its third translate shard, then the test kills it there: a
# child left to run freely can finish the stage between two polls, and a kill at a random instant would
# rarely land inside a write.
_CHILD = r"""
import sys, time
from fsspec.implementations.local import LocalFileOpener
from tasks.config import Config
from tasks.pipeline import open_run, run_all

config_json, date, marker = sys.argv[1:4]
real_write = LocalFileOpener.write
records = 0

def stalling_write(self, data):
    global records
    if f"/runs/{date}/translate/" in self.path:
        records += 1
        if records == 3:
            real_write(self, data[: len(data) // 2])
            self.f.flush()
            open(marker, "w").close()
            time.sleep(600)
    return real_write(self, data)

LocalFileOpener.write = stalling_write
run_all(open_run(Config.model_validate_json(config_json), date))
"""


def test_a_stage_killed_mid_write_resumes_without_reading_the_partial_file(
    tmp_path: Path, tiny_marian: Path, tiny_bart: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    config = _config(out, tiny_marian, tiny_bart)
    marker, log = tmp_path / "stalled", tmp_path / "child.log"
    with log.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, config.model_dump_json(), DATE, str(marker)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the child never reached the translate stage"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    run = open_run(config, DATE)
    translate_dir = out / ".store" / "runs" / DATE / "translate"
    (partial,) = translate_dir.glob(".tmp-*")
    with pytest.raises((EOFError, OSError)):  # half a gzip stream
        gzip.decompress(partial.read_bytes())
    done = run.store.article_ids("translate")
    every_id = run.store.article_ids("ingest")
    assert len(done) == 4 and len(every_id) == 16
    assert {p.name for p in translate_dir.iterdir()} == {partial.name, "00000.jsonl.gz", "00001.jsonl.gz"}
    before = _records(out)

    read: list[str] = []
    translated: list[str] = []
    real_read, real_translate = Store.read_bytes, tasks.stages.translate.translate_articles

    def recording_read(self: Store, key: str) -> bytes:
        read.append(key)
        return real_read(self, key)

    def recording_translate(articles, config, cache=None, **kwargs):
        translated.extend(a.id for a in articles)
        return real_translate(articles, config, cache, **kwargs)

    monkeypatch.setattr(Store, "read_bytes", recording_read)
    monkeypatch.setattr(tasks.stages.translate, "translate_articles", recording_translate)
    run_all(run)

    assert read and not [k for k in read if ".tmp-" in k]
    assert sorted(translated) == sorted(set(every_id) - set(done))
    after = _records(out)
    assert all(after[k] == mtime for k, mtime in before.items())
    assert sorted(run.store.article_ids("translate")) == sorted(every_id)
    _assert_same_run(out, reference)


def test_a_batch_that_fails_its_first_try_is_retried_without_loss_or_duplicates(
    tmp_path: Path, tiny_marian: Path, tiny_bart: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = open_run(_config(tmp_path, tiny_marian, tiny_bart), DATE)
    shards = run_ingest(run)
    for shard in shards:
        run_articles(run, BY_NAME["detect"], shard)
    id_batches = [[row["id"] for row in run.shards("ingest").read(i)] for i in shards]
    calls: list[list[str]] = []
    real = tasks.stages.translate.translate_articles

    def flaky(articles, config, cache=None, **kwargs):
        calls.append([a.id for a in articles])
        done = real(articles, config, cache, **kwargs)
        if len(calls) > 1:
            return done

        def first_then_crash():  # the worker dies after translating one article of the shard
            yield done[0]
            raise RuntimeError("worker lost")

        return first_then_crash()

    monkeypatch.setattr(tasks.stages.translate, "translate_articles", flaky)
    for shard in shards:  # a mapped task with one retry
        try:
            run_articles(run, BY_NAME["translate"], shard)
        except RuntimeError:
            assert not run.shards("translate").done(shard)  # nothing of the failed try is kept
            run_articles(run, BY_NAME["translate"], shard)
    assert calls == [id_batches[0], *id_batches]  # the failed shard is redone whole, once
    run_all(run)

    manifest = _manifest(tmp_path)
    every_id = sorted(i for batch in id_batches for i in batch)
    assert sorted(e["article_id"] for e in manifest["inputs"]) == every_id
    in_stories = Counter(i for story in manifest["stories"] for i in story["articles"])
    assert set(in_stories.values()) == {1}
    for entry in manifest["inputs"]:
        if entry["status"] == "duplicate":  # a republished copy is listed under its original only
            assert entry["article_id"] not in in_stories and in_stories[entry["duplicate_of"]] == 1
        else:
            assert entry["status"] == "included" and in_stories[entry["article_id"]] == 1
    _assert_same_run(tmp_path, reference)


def test_a_truncated_model_fails_fast_naming_it_and_degrades_when_allowed(
    tmp_path: Path, tiny_marian: Path, tiny_bart: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(PROJECT_ROOT / "dags"))
    from airflow.sdk.exceptions import AirflowFailException
    from briefing_tasks import _no_retry_for_missing_models

    broken = tmp_path / "opus-mt-fr-en-truncated"
    shutil.copytree(tiny_marian, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    loads: list[str] = []
    real_load = tasks.models.loading._load

    def counting_load(name: str, *args, **kwargs):
        loads.append(name)
        return real_load(name, *args, **kwargs)

    monkeypatch.setattr(tasks.models.loading, "_load", counting_load)

    run = open_run(_config(tmp_path / "fail", tiny_marian, tiny_bart, {"fr": str(broken)}, "fail"), DATE)
    translate = BY_NAME["translate"]
    for shard in run_ingest(run):
        run_articles(run, BY_NAME["detect"], shard)
    french = next(
        i
        for i in run.shards("detect").indices()
        if any(r["detection"]["lang"] == "fr" for r in run.shards("detect").read(i))
    )
    with pytest.raises(ModelUnavailable) as err:
        run_articles(run, translate, french)
    assert err.value.model == str(broken) and str(broken) in str(err.value)
    assert "loading failed" in err.value.reason
    with pytest.raises(AirflowFailException, match=re.escape(str(broken))):
        _no_retry_for_missing_models(run_articles, run, translate, french)
    assert loads.count(str(broken)) == 1  # the failure is remembered: no second attempt
    assert not run.shards("translate").done(french)

    run_all(open_run(_config(tmp_path / "degrade", tiny_marian, tiny_bart, {"fr": str(broken)}), DATE))
    manifest = _manifest(tmp_path / "degrade")
    included = [e for e in manifest["inputs"] if e["status"] == "included"]
    assert all(e["story"] for e in included)
    by_lang = {lang: [e for e in included if e["lang"] == lang] for lang in LANGUAGES}
    assert by_lang["fr"] and all(by_lang.values())
    for entry in by_lang["fr"]:
        assert entry["translated_by"] is None
        (flag,) = (f for f in entry["flags"] if f["kind"] == "not-translated")
        assert flag["message"] == f"not translated: model unavailable ({broken})"
    for lang in LANGUAGES[1:]:
        for entry in by_lang[lang]:
            assert entry["translated_by"] == str(tiny_marian)
            assert "not-translated" not in [f["kind"] for f in entry["flags"]]
    assert loads.count(str(broken)) == 1


def _config_file(tmp_path: Path, config: Config) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(to_toml(config))
    return path


# Tests run as root, which writes through chmod-based read-only folders: the faults are simulated.
def _unwritable(monkeypatch: pytest.MonkeyPatch, where: str, error: int, nth: int = 1) -> list[str]:
    """Files opened for writing whose path matches `where`; from the `nth` on, writing fails with `error`.

    As the kernel reports them: ENOSPC from a write, half the data on disk and no file named; EROFS from
    creating the file, which it names.
    """
    real_open, real_write = LocalFileOpener._open, LocalFileOpener.write
    opened: list[str] = []

    def failing_open(self: LocalFileOpener) -> None:
        if self.f is None and "w" in self.mode and re.search(where, self.path):
            opened.append(self.path)
            if error == errno.EROFS and len(opened) >= nth:
                raise OSError(error, os.strerror(error), self.path)
        real_open(self)

    def failing_write(self: LocalFileOpener, data: bytes) -> int:
        if error == errno.ENOSPC and self.path in opened[nth - 1 :]:
            real_write(self, data[: len(data) // 2])
            raise OSError(error, os.strerror(error))
        return real_write(self, data)

    monkeypatch.setattr(LocalFileOpener, "_open", failing_open)
    monkeypatch.setattr(LocalFileOpener, "write", failing_write)
    return opened


def _error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_a_full_disk_during_a_stage_is_one_clear_error_and_the_rerun_finishes_the_same(
    tmp_path: Path, tiny_marian: Path, tiny_bart: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    config_file = _config_file(tmp_path, _config(out, tiny_marian, tiny_bart))
    with monkeypatch.context() as patch:
        opened = _unwritable(patch, f"/runs/{DATE}/translate/", errno.ENOSPC, nth=3)
        result = CliRunner().invoke(
            app, ["run", "--config", str(config_file), "--date", DATE, "--workers", "1"]
        )

    assert result.exit_code == 8, result.output  # a file or folder could not be written (README § Exit codes)
    record = re.sub(r"\.tmp-[0-9a-f]{32}-", "", opened[2])
    assert _error_lines(result.stderr) == [f"error: [Errno 28] No space left on device: {record!r}"]
    assert _temporary_files(out) == []
    run = open_run(load_config(config_file), DATE)
    assert len(run.store.article_ids("translate")) == 4  # two whole shards
    assert len(run.store.article_ids("detect")) == 16
    for stage in ("ingest", "detect", "translate"):
        assert all(a.id for a in run.store.articles(stage))  # every shard left behind parses
    before = _records(out)

    result = CliRunner().invoke(app, ["run", "--config", str(config_file), "--date", DATE, "--workers", "1"])
    assert result.exit_code == 0, result.output
    after = _records(out)
    assert all(after[k] == mtime for k, mtime in before.items())
    assert len(after) > len(before)
    _assert_same_run(out, reference)


@pytest.mark.parametrize(
    ("where", "error"),
    [
        (rf"/out/{DATE}/\.tmp-\w+-digest\.txt$", errno.ENOSPC),  # the disk fills while the digest is written
        (f"/out/{DATE}/", errno.EROFS),  # the output folder is read-only from the start
    ],
    ids=["disk-full-during-render", "read-only-outputs"],
)
def test_an_unwritable_output_folder_is_one_clear_error_and_the_store_stays_whole(
    tmp_path: Path,
    tiny_marian: Path,
    tiny_bart: Path,
    reference: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    error: int,
) -> None:
    # Every stage is done in the copied store, so the run goes straight to writing its outputs.
    out = tmp_path / "out"
    shutil.copytree(reference / ".store", out / ".store")
    config_file = _config_file(tmp_path, _config(out, tiny_marian, tiny_bart))
    before = _records(out)
    with monkeypatch.context() as patch:
        opened = _unwritable(patch, where, error)
        result = CliRunner().invoke(
            app, ["run", "--config", str(config_file), "--date", DATE, "--workers", "1"]
        )

    assert result.exit_code == 8, result.output  # a file or folder could not be written (README § Exit codes)
    named = opened[0] if error == errno.EROFS else re.sub(r"\.tmp-[0-9a-f]{32}-", "", opened[0])
    assert _error_lines(result.stderr) == [f"error: [Errno {error}] {os.strerror(error)}: {named!r}"]
    assert _temporary_files(out) == []
    assert not (out / DATE / "digest.txt").exists() and not (out / DATE / "manifest.json").exists()
    assert _records(out) == before

    result = CliRunner().invoke(app, ["run", "--config", str(config_file), "--date", DATE, "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert _records(out) == before
    _assert_same_run(out, reference)


def test_the_smtp_server_going_away_mid_run_loses_and_doubles_nothing(tmp_path: Path) -> None:
    parts = {"digest.txt": "Briefing\n", "digest.html": "<!DOCTYPE html><html><body>Briefing</body></html>"}
    recipients = ["a@example.com", "b@example.com", "c@example.com"]
    ledger = Ledger(tmp_path / "deliveries.sqlite")

    def send(transport: SmtpTransport) -> list[str]:
        results = deliver(
            parts,
            recipients,
            "briefing@example.org",
            "S",
            DATE,
            DATE,
            transport,
            ledger,
            sleep=lambda s: None,
        )
        return [r.status for r in results]

    first = SmtpServer().__enter__()
    running = [True]
    transport = smtp_from_url(first.url, timeout=5)
    real_send = transport.send

    def send_then_go_away(msg: EmailMessage, recipient: str, run: str) -> str:
        reply = real_send(msg, recipient, run)
        if recipient == recipients[0]:
            first.__exit__()  # the server stops after accepting the first message, its session still open
            running.clear()
        return reply

    transport.send = send_then_go_away
    try:
        assert send(transport) == ["sent", "failed", "failed"]
    finally:
        if running:
            first.__exit__()
    assert [(e.recipient, e.status) for e in ledger.entries(DATE)] == [
        ("a@example.com", "sent"),
        ("b@example.com", "failed"),
        ("c@example.com", "failed"),
    ]
    assert all("gave up after 3 attempts" in e.detail for e in ledger.entries(DATE)[1:])
    assert list(first.handler.by_recipient()) == ["a@example.com"]

    with SmtpServer() as second:
        assert send(smtp_from_url(second.url, timeout=5)) == ["skipped", "sent", "sent"]
        got = second.handler.by_recipient()
    assert {recipient: len(messages) for recipient, messages in got.items()} == {
        "b@example.com": 1,
        "c@example.com": 1,
    }
