import json
from collections import Counter
from pathlib import Path

import pytest

import tasks.stages.detect as detect_module
import tasks.stages.ingest as ingest_module
import tasks.stages.repair as repair_module
import tasks.stages.translate as translate_module
from tasks.article import Article, Detection, Story
from tasks.briefings import (
    approval_note,
    briefing_config,
    decision_from_response,
    find_briefing,
    run_briefing,
    select_articles,
    select_stories,
)
from tasks.config import BriefingConfig, Config, load_config
from tasks.pipeline import open_run

BRIEFINGS = [
    {
        "name": "middle_east",
        "topics": {"iraq": ["Iraq", "Bagdad", "Baghdad"]},
        "recipients": ["desk@example.org", "chief@example.org"],
    },
    {"name": "ports", "topics": {"antwerp": ["Antwerp", "Amberes"]}, "recipients": ["econ@example.org"]},
]


def _article(id: str, lang: str, source: str, body: str) -> Article:
    return Article(
        id=id, source=source, format="txt", title=body, body=body, detection=Detection(lang, 0.99, True, "t")
    )


def test_select_articles_by_language_and_source():
    articles = [_article("a", "fr", "feeds/lemonde.txt", "x"), _article("b", "de", "wires/dpa.txt", "y")]
    assert [a.id for a in select_articles(articles, ["fr"], [])] == ["a"]
    assert [a.id for a in select_articles(articles, [], ["wires/"])] == ["b"]
    assert [a.id for a in select_articles(articles, [], [])] == ["a", "b"]
    assert select_articles(articles, ["fr"], ["wires/"]) == []


def test_select_stories_by_topic_keywords_in_any_language():
    articles = {
        "a": _article("a", "fr", "s", "Des roquettes sur Bagdad"),
        "b": _article("b", "en", "s", "Dockers strike in Antwerp"),
    }
    stories = [
        Story(id="s1", article_ids=("a",), headline="h1"),
        Story(id="s2", article_ids=("b",), headline="h2"),
    ]
    assert [s.id for s in select_stories(stories, articles, {"iraq": ["Baghdad", "Bagdad"]})] == ["s1"]
    assert [s.id for s in select_stories(stories, articles, {"ports": ["Antwerp"]})] == ["s2"]
    assert select_stories(stories, articles, {}) == stories


def test_briefings_are_validated_with_clear_errors():
    with pytest.raises(ValueError, match="name"):
        BriefingConfig(name="../etc")
    with pytest.raises(ValueError, match="cron"):
        BriefingConfig(name="a", schedule="every day")
    with pytest.raises(ValueError, match="time zone"):
        BriefingConfig(name="a", timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="unique"):
        Config.model_validate({"briefings": [{"name": "a"}, {"name": "a"}]})
    with pytest.raises(ValueError, match="reserved"):
        Config.model_validate({"briefings": [{"name": "articles"}]})
    with pytest.raises(ValueError, match=r"render\.templates"):
        Config.model_validate({"briefings": [{"name": "a", "template": "../x"}]})
    with pytest.raises(KeyError, match="configured: a"):
        find_briefing(Config.model_validate({"briefings": [{"name": "a"}]}), "b")


def test_no_briefings_is_the_default():
    assert load_config().briefings == []


def test_timeout_and_rejection_decisions():
    assert decision_from_response(None, "reject") == {
        "status": "timed out",
        "approved": False,
        "by": None,
        "reason": "no answer before the timeout: reject",
    }
    rejected = decision_from_response(
        {
            "chosen_options": ["Reject"],
            "params_input": {"reason": "wrong day"},
            "responded_by_user": {"name": "ed"},
        },
        "approve",
    )
    assert rejected == {"status": "rejected", "approved": False, "by": "ed", "reason": "wrong day"}
    assert decision_from_response(
        {"chosen_options": ["Approve"], "responded_by_user": {"id": "1", "name": "ed"}}, "reject"
    )["approved"]


@pytest.mark.slow
def test_two_briefings_share_one_days_articles(tiny_config, monkeypatch):
    calls: Counter[str] = Counter()

    def counted(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(ingest_module, "ingest")
    counted(detect_module, "detect_articles")
    counted(translate_module, "translate_articles")
    counted(repair_module, "repair_articles")
    config = tiny_config.model_copy(update={"briefings": [BriefingConfig(**b) for b in BRIEFINGS]})
    out = Path(config.out)
    results = {}
    for briefing in config.briefings:
        results[briefing.name] = run_briefing(config, briefing, "2026-11-24")
        # the shared stages ran once, for the first briefing; the second only read their shards
        assert calls == {"ingest": 1, "detect_articles": 1, "translate_articles": 1, "repair_articles": 1}

    for briefing in config.briefings:
        run_dir = out / f"2026-11-24_{briefing.name}"
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["stories"], briefing.name
        text = (run_dir / "digest.txt").read_text()
        members = {Path(e["source"].split("#")[0]).name[:3] for e in manifest["inputs"] if e.get("story")}
        if briefing.name == "middle_east":  # 000-002: rockets on Baghdad's green zone (en, fr, de)
            assert members == {"000", "001", "002"}
            assert "Antwerp" not in text
        else:  # the Antwerp port strike: 003 (es), one item of the 004 feed (it), 005 (en)
            assert members == {"003", "004", "005"}
            assert "Bagdad" not in text and "Baghdad" not in text and "Bologna" not in text
        outbox = out / "outbox" / f"2026-11-24_{briefing.name}"
        assert sorted(p.name for p in outbox.iterdir()) == sorted(f"{r}.eml" for r in briefing.recipients)
        assert [d["recipient"] for d in results[briefing.name]["deliveries"]] == briefing.recipients
    assert sorted(p.name for p in (out / "outbox").iterdir()) == [
        "2026-11-24_middle_east",
        "2026-11-24_ports",
    ]


@pytest.mark.slow
def test_a_briefing_needing_approval_sends_nothing_in_process(tiny_config):
    briefing = BriefingConfig(
        name="desk", topics={"iraq": ["Bagdad"]}, recipients=["a@example.org"], approval=True
    )
    config = tiny_config.model_copy(update={"briefings": [briefing]})
    result = run_briefing(config, briefing, "2026-11-24")
    assert result["deliveries"] == []
    assert not (Path(config.out) / "outbox").exists()
    run = open_run(briefing_config(config, briefing), "2026-11-24", "desk")
    note = approval_note(run, result["paths"]["page.html"])
    assert result["paths"]["page.html"] in note and "a@example.org" in note
    assert json.loads(run.read_output("manifest.json"))["approval"]["status"] == "pending"
