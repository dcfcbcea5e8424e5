import json
import os
from pathlib import Path

import pytest

from tasks.article import story_from_dict
from tasks.config import load_config
from tasks.pipeline import (
    RunParameterError,
    check_inputs,
    open_run,
    parse_date,
    run_all,
    run_deliver,
    run_stage,
)
from tasks.stages.registry import BY_NAME, STAGES
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
    summarised = [row["story"] for row in run.shards("summarise").read_all()]
    assert len(summarised) == len(list(run.store.read_records("stories.jsonl.gz")))  # all seeds fit the top
    for story in (story_from_dict(row) for row in summarised):
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
        k for k in before if k.split("/")[0] in ("ingest", "detect", "translate", "repair", "summarise")
    ]
    assert article_records and all(before[k] == after[k] for k in article_records)
    assert Path(paths["digest.html"]).read_text() == digest


def test_forcing_a_stage_rewrites_only_that_stage(seeded_run):
    run, _ = seeded_run
    before = _store_files(run)
    shards = run_stage(run, BY_NAME["detect"], force=True)
    after = _store_files(run)
    changed = {k for k in after if after[k] != before.get(k)}
    timing = {k for k in changed if k.startswith("timings/detect/")}
    assert len(timing) == len(shards)  # the stage also records how long each shard took
    assert changed - timing == {f"detect/{i:05d}.jsonl.gz" for i in shards}


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


def _small_shards(tmp_path, **extra):
    return load_config(
        overrides={"input": [str(SEEDS)], "out": str(tmp_path), "ingest": {"shard_size": 4}, **extra}
    )


def test_a_run_is_cut_into_shards_and_each_stage_writes_one_file_per_shard(tmp_path):
    run = open_run(_small_shards(tmp_path), "2026-11-24")
    run_all(run)
    plan = run.store.get_json("plan.json")
    assert plan["shards"] == -(-plan["articles"] // 4) > 1
    for stage in ("ingest", "detect", "translate", "repair"):
        assert run.shards(stage).indices() == list(range(plan["shards"]))
    assert len(run.store.article_ids("repair")) == plan["articles"]
    assert sorted(run.store.article_ids("repair")) == sorted(run.store.article_ids("ingest"))


def test_a_changed_input_redoes_only_its_shards_and_leaves_nothing_of_the_old_run(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(SEEDS.iterdir()):
        (inputs / path.name).write_bytes(path.read_bytes())
    config = load_config(
        overrides={"input": [str(inputs)], "out": str(tmp_path / "out"), "ingest": {"shard_size": 4}}
    )
    run = open_run(config, "2026-11-24")
    run_all(run)
    first = {i: run.shards("repair").key(i) for i in run.shards("repair").indices()}
    stamps = {i: (tmp_path / "out" / ".store" / k).stat().st_mtime_ns for i, k in first.items()}
    removed = sorted(inputs.iterdir())[-1]
    removed.unlink()
    paths = run_all(run)
    manifest = json.loads(Path(paths["manifest.json"]).read_text())
    sources = {e["source"].split("#")[0].rsplit("/", 1)[-1] for e in manifest["inputs"]}
    assert removed.name not in sources
    ids = set(run.store.article_ids("repair"))
    assert ids == set(run.store.article_ids("ingest"))
    assert {e["article_id"] for e in manifest["inputs"] if e["status"] != "rejected"} <= ids
    kept = [i for i in run.shards("repair").indices() if i in stamps]
    unchanged = [i for i in kept if (tmp_path / "out" / ".store" / first[i]).stat().st_mtime_ns == stamps[i]]
    assert unchanged  # shards before the removed file were not redone


def test_workers_give_the_same_records_as_one_process(tmp_path):
    one = open_run(_small_shards(tmp_path / "one"), "2026-11-24")
    two = open_run(_small_shards(tmp_path / "two"), "2026-11-24")
    run_all(one)
    run_all(two, workers=2)
    for stage in ("detect", "translate", "repair"):
        assert list(one.shards(stage).read_all()) == list(two.shards(stage).read_all())
    assert list(one.store.read_records("stories.jsonl.gz")) == list(
        two.store.read_records("stories.jsonl.gz")
    )


def test_only_the_top_stories_are_summarised_and_the_rest_are_listed(tmp_path):
    run = open_run(_small_shards(tmp_path, render={"max_stories": 3}), "2026-11-24")
    paths = run_all(run)
    everything = list(run.store.read_records("stories.jsonl.gz"))
    summarised = [row["story"]["id"] for row in run.shards("summarise").read_all()]
    assert summarised == [s["id"] for s in everything[:3]] and len(everything) > 3
    page = Path(paths["page.html"]).read_text()
    for story in everything[3:]:
        assert story["headline"].split()[0] in page


def test_every_registered_stage_is_driven_by_the_runner_and_the_dags():
    kinds = {stage.kind for stage in STAGES}
    assert kinds == {"sources", "read", "articles", "group", "stories", "write", "send"}
    assert [s.name for s in STAGES][:2] == ["fetch", "ingest"] and STAGES[-1].name == "deliver"


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
