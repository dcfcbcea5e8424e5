"""Tracks through the run: consecutive run dates share the story archive; digest, manifest, report and CLI show it."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from typer.testing import CliRunner

from tasks.article import to_dict
from tasks.cli import app
from tasks.config import load_config
from tasks.pipeline import open_run, run_render, run_stories, run_summarise
from tasks.stages.ingest import InputReport
from tasks.stages.registry import final_article_stage
from tasks.storage.archive import read_day
from tasks.storage.store import Store
from tests.tasks.stages.test_tracks import DATES, corpus

DATES = {**DATES, 4: "2026-11-26"}


def _run_day(config, day: int, ids: list[str], name: str | None = None):
    """A run whose articles are already through the article stages: stories, summaries (degraded), render."""
    articles, _ = corpus()
    run = open_run(config, DATES[day], name)
    run.shards(final_article_stage()).write(0, [to_dict(articles[i]) for i in ids])
    report = [InputReport(source=f"{i}.json", status="included", article_id=i) for i in ids]
    run.store.put_json("ingest.json", [asdict(r) for r in report])
    for shard in run_stories(run):
        run_summarise(run, shard)
    paths = run_render(run)
    return run, paths, json.loads(run.read_output("manifest.json"))


@pytest.fixture(scope="module")
def four_days(tmp_path_factory):
    out = tmp_path_factory.mktemp("tracks")
    config = load_config(overrides={"out": str(out), "input": []})
    _articles, days = corpus()
    ids = {d: [i for ids in days[d].values() for i in ids] for d in (1, 2, 3)}
    # Day 4: the election and the rates story again, from the same sources, saying nothing new.
    ids[4] = [*days[3]["election"], *days[3]["rates"]]
    return config, {d: _run_day(config, d, ids[d]) for d in (1, 2, 3, 4)}


def _story(manifest: dict, word: str) -> dict:
    [story] = [s for s in manifest["stories"] if word in s["headline"]]
    return story


def test_the_manifest_carries_each_story_s_track_and_rising(four_days):
    _, runs = four_days
    strike = [_story(runs[d][2], "Rotterdam")["track"] for d in (1, 2, 3)]
    assert len({t["id"] for t in strike}) == 1 and [t["day"] for t in strike] == [1, 2, 3]
    assert strike[2]["first_seen"] == DATES[1] and strike[2]["link_score"] > 0
    assert strike[2]["previous"] == _story(runs[2][2], "Rotterdam")["id"]
    quake = _story(runs[3][2], "Izmir")["track"]
    assert quake["day"] == 2 and quake["id"] == _story(runs[1][2], "Izmir")["track"]["id"]
    fire = [s for s in runs[3][2]["stories"] if "Chiva" in s["headline"] or "Valencia" in s["headline"]]
    assert len(fire) == 1 and fire[0]["rising"]["kind"] == "surge" and fire[0]["rising"]["articles"] == 6
    assert runs[3][2]["archive_problems"] == []
    report = runs[3][0].read_output("report.txt")
    assert "tracks: " in report and "rising: " in report


def test_the_digest_says_new_developing_and_links_earlier_days(four_days):
    _, runs = four_days
    run, _paths, _manifest = runs[3]
    page = run.read_output("page.html")
    email = run.read_output("digest.html")
    text = run.read_output("digest.txt")
    previous = _story(runs[2][2], "Rotterdam")["id"]
    assert "Developing — day 3 (first reported 23 Nov 2026)" in page
    assert f'href="../{DATES[2]}/page.html#story-{previous}"' in page
    assert f"../{DATES[2]}/page.html" not in email  # relative links mean nothing in a mail client
    assert "Developing — day 3 (first reported 23 Nov 2026)" in email
    assert "New languages: Spanish, German" in text or "New languages: German, Spanish" in text
    assert "RISING: 6 articles today" in text
    assert ">New<" in page  # the Fed story
    assert "Still developing" not in page


def test_unchanged_stories_are_listed_under_still_developing(four_days):
    config, runs = four_days
    run, _, manifest = runs[4]
    assert {s["track"]["status"] for s in manifest["stories"]} == {"unchanged"}
    page = run.read_output("page.html")
    text = run.read_output("digest.txt")
    assert "Still developing" in page and "STILL DEVELOPING" in text
    assert "Federal Reserve holds rates" in page.split("Still developing", 1)[1]
    assert 'class="summary"' not in page  # listed, not repeated in full
    # Configurable: with collapsing off, the same stories are shown in full.
    config = config.model_copy(
        update={"render": config.render.model_copy(update={"collapse_unchanged": False})}
    )
    run.config = config
    for shard in run_stories(run):
        run_summarise(run, shard)
    run_render(run)
    assert "Still developing" not in run.read_output("page.html")
    assert 'class="summary"' in run.read_output("page.html")


def test_a_named_run_reads_the_archive_but_keeps_the_daily_shard(four_days):
    config, _ = four_days
    store = Store(config.store_url)
    before = read_day(store, DATES[2])
    _articles, days = corpus()
    _run, _, manifest = _run_day(config, 2, list(days[2]["strike"]), name="adhoc")
    assert _story(manifest, "Rotterdam")["track"]["day"] == 2
    assert read_day(store, DATES[2]) == before


def test_briefing_tracks_lists_the_live_tracks(four_days):
    config, runs = four_days
    result = CliRunner().invoke(app, ["tracks", "--days", "7", "--json", "--out", config.out])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    strike = _story(runs[3][2], "Rotterdam")["track"]["id"]
    by_track = {r["track"]: r for r in rows}
    assert by_track[strike]["days"] == 3 and by_track[strike]["last_seen"] == DATES[3]
    assert rows[0]["last_seen"] == DATES[4]  # most recently seen first
    assert len(rows) == 5  # strike, quake, fire, election, rates
    one_day = CliRunner().invoke(app, ["tracks", "--days", "1", "--out", config.out])
    assert one_day.exit_code == 0 and "2 track(s) live in the 1 day(s) to 2026-11-26" in one_day.output
    bad = CliRunner().invoke(app, ["tracks", "--date", "yesterday", "--out", config.out])
    assert bad.exit_code == 2 and "not a date" in bad.output
