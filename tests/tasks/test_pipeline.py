import json
import os
from pathlib import Path

import pytest

from tasks.config import load_config
from tasks.pipeline import (
    RunParameterError,
    check_inputs,
    open_run,
    parse_date,
    run_all,
    run_deliver,
    run_detect,
)
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory, tiny_marian, tiny_bart):
    """The seeds run once through every stage with the tiny models."""
    out = tmp_path_factory.mktemp("pipeline")
    config = load_config(
        overrides={
            "input": [str(SEEDS)],
            "out": str(out),
            "translate": {
                "models": {lang: str(tiny_marian) for lang in ("fr", "de", "es", "it", "ru", "ar")}
            },
            "summarise": {"model": str(tiny_bart), "num_beams": 1, "min_new_tokens": 4, "max_new_tokens": 16},
        }
    )
    run = open_run(config, "2026-11-24")
    paths = run_all(run)
    return run, paths


def _store_files(run):
    root = run.store.store.local_path(run.store.prefix)
    return {
        os.path.relpath(os.path.join(d, f), root): os.stat(os.path.join(d, f)).st_mtime_ns
        for d, _, files in os.walk(root)
        for f in files
    }


def test_the_run_writes_digest_manifest_and_config(seeded_run):
    run, paths = seeded_run
    for name in ("digest.html", "digest.txt", "manifest.json"):
        assert os.path.getsize(paths[name]) > 0
    assert json.loads((run.out_dir / "config.json").read_text())["out"] == run.config.out
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    files = {p.name for p in SEEDS.iterdir()}
    assert {e["source"].split("#")[0].split("/")[-1] for e in manifest["inputs"]} == files
    included = [e for e in manifest["inputs"] if e["status"] == "included"]
    assert all(e["story"] for e in included)
    by_lang = {e["lang"] for e in included}
    assert {"en", "fr", "de", "es", "ru", "ar"} <= by_lang
    translated = [e for e in included if e["translated_by"]]
    assert translated and all(e["lang"] != "en" for e in translated)


def test_every_story_has_a_model_summary_and_the_digest_lists_it(seeded_run):
    run, paths = seeded_run
    digest = Path(paths["digest.txt"]).read_text()
    for story_id in run.store.get_json("stories.json"):
        story = run.store.get_story("summaries", story_id)
        assert story.summary.method in ("single", "chunked")
        assert story.summary.model == run.config.summarise.model
        assert story.headline in digest


def test_rerun_recomputes_nothing_and_gives_the_same_digest(seeded_run):
    run, paths = seeded_run
    before = _store_files(run)
    digest = Path(paths["digest.html"]).read_text()
    run_all(run)
    after = _store_files(run)
    article_records = [
        k for k in before if k.split("/")[0] in ("ingest", "detect", "translate", "repair", "summaries")
    ]
    assert article_records and all(before[k] == after[k] for k in article_records)
    assert Path(paths["digest.html"]).read_text() == digest


def test_forcing_a_stage_rewrites_only_that_stage(seeded_run):
    run, _ = seeded_run
    ids = run.store.article_ids("detect")[:2]
    before = _store_files(run)
    run_detect(run, ids, force=True)
    after = _store_files(run)
    changed = {k for k in after if after[k] != before.get(k)}
    timing = {k for k in changed if k.startswith("timings/detect/")}
    assert len(timing) == 1  # the stage also records how long it took
    assert changed - timing == {f"detect/{i}.json" for i in ids}


def test_delivery_happens_once_per_recipient(seeded_run):
    run, _ = seeded_run
    first = run_deliver(run, recipients=["a@example.com", "b@example.com"])
    second = run_deliver(run, recipients=["a@example.com", "b@example.com"])
    assert [o["status"] for o in first] == ["sent", "sent"]
    assert [o["status"] for o in second] == ["skipped", "skipped"]
    outbox = os.path.join(run.config.out, "outbox", run.key)
    assert sorted(os.listdir(outbox)) == ["a@example.com.eml", "b@example.com.eml"]


def test_missing_models_degrade_to_a_marked_digest(tmp_path):
    config = load_config(
        overrides={"input": [str(SEEDS / "001_bagdad-roquettes-zone-verte.txt")], "out": str(tmp_path)}
    )
    run = open_run(config, "2026-11-24")
    paths = run_all(run)
    (entry,) = json.loads(Path(paths["manifest.json"]).read_text())["inputs"]
    assert entry["status"] == "included" and entry["translated_by"] is None
    assert any(
        "model unavailable" in f["message"] and "opus-mt-fr-en" in f["message"] for f in entry["flags"]
    )
    digest = Path(paths["digest.txt"]).read_text()
    assert "not translated: model unavailable" in digest
    assert "extractive" in digest


def test_fail_policy_stops_the_run(tmp_path):
    config = load_config(
        overrides={
            "input": [str(SEEDS / "001_bagdad-roquettes-zone-verte.txt")],
            "out": str(tmp_path),
            "models": {"policy": "fail"},
        }
    )
    with pytest.raises(Exception, match="opus-mt-fr-en"):
        run_all(open_run(config, "2026-11-24"))


def test_inputs_outside_the_allowed_roots_are_refused(tmp_path):
    root = tmp_path / "allowed"
    root.mkdir()
    (root / "ok.txt").write_text("x")
    (tmp_path / "secret.txt").write_text("x")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert check_inputs([str(root / "ok.txt")], [str(root)]) == [str(root / "ok.txt")]
    for bad in (root / ".." / "secret.txt", root / "link.txt", tmp_path):
        with pytest.raises(RunParameterError, match="outside the allowed roots"):
            check_inputs([str(bad)], [str(root)])


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026/11/24", ""])
def test_bad_dates_are_refused(value):
    with pytest.raises(RunParameterError):
        parse_date(value)


def test_a_second_run_on_the_same_date_matches_its_own_manifest(tmp_path, tiny_bart):
    def run_with(*names):
        config = load_config(
            overrides={
                "input": [str(SEEDS / n) for n in names],
                "out": str(tmp_path / "out"),
                "deliver": {"recipients": ["desk@example.org"]},
                "summarise": {
                    "model": str(tiny_bart),
                    "num_beams": 1,
                    "min_new_tokens": 2,
                    "max_new_tokens": 8,
                },
            }
        )
        run = open_run(config, "2026-11-24")
        run_all(run)
        return run, json.loads(run.read_output("manifest.json")), run.read_output("digest.txt")

    first, manifest, _ = run_with("005_antwerp-port-strike.txt", "008_sardinia-roman-shipwreck.txt")
    earlier = {e["article_id"]: e["title"] for e in manifest["inputs"]}
    assert len(earlier) == 2
    assert [o["status"] for o in run_deliver(first)] == ["sent"]

    second, manifest, digest = run_with("008_sardinia-roman-shipwreck.txt")
    (entry,) = manifest["inputs"]
    assert entry["status"] == "included"
    listed = {a for story in manifest["stories"] for a in story["articles"]}
    assert listed == {entry["article_id"]}  # the Antwerp article of the first run is in no story
    (gone,) = [title for article_id, title in earlier.items() if article_id != entry["article_id"]]
    assert gone not in digest
    # The changed digest is not mailed again by default, and says why.
    (outcome,) = run_deliver(second)
    assert outcome["status"] == "skipped" and "resend_updates" in outcome["detail"]
