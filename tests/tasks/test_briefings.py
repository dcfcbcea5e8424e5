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
    on_demand_approval,
    on_demand_args,
    on_demand_name,
    run_briefing,
    select_articles,
    select_stories,
)
from tasks.config import BriefingConfig, Config, load_config
from tasks.delivery.deliver import DeliveryError
from tasks.pipeline import RunParameterError, open_run

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


def _addresses(count: int) -> list[str]:
    return [f"r{i}@example.org" for i in range(count)]


def test_on_demand_runs_over_the_recipient_limit_need_approval():
    config = Config.model_validate({"approval": {"on_demand_recipient_limit": 3}})
    assert on_demand_approval(config, _addresses(3)) == {
        "required": False,
        "why": "3 recipients, within approval.on_demand_recipient_limit (3)",
    }
    assert on_demand_approval(config, _addresses(4)) == {
        "required": True,
        "why": "4 recipients, more than approval.on_demand_recipient_limit (3)",
    }
    assert Config().approval.on_demand_recipient_limit == 10
    assert not on_demand_approval(Config(), _addresses(10))["required"]
    assert on_demand_approval(Config(), _addresses(11))["required"]


def test_a_limit_of_zero_asks_for_every_run_and_the_switch_turns_the_rule_off():
    every = Config.model_validate({"approval": {"on_demand_recipient_limit": 0}})
    assert on_demand_approval(every, _addresses(1)) == {
        "required": True,
        "why": "1 recipient, more than approval.on_demand_recipient_limit (0)",
    }
    off = Config.model_validate({"approval": {"on_demand": False, "on_demand_recipient_limit": 0}})
    assert on_demand_approval(off, _addresses(500)) == {"required": False, "why": "approval.on_demand is off"}


def test_a_briefing_with_approval_always_needs_it_on_demand():
    config = Config.model_validate({"approval": {"on_demand": False}})
    flagged = BriefingConfig(name="desk", recipients=["a@example.org"], approval=True)
    assert on_demand_approval(config, ["a@example.org"], flagged) == {
        "required": True,
        "why": "briefing 'desk' requires approval",
    }
    plain = BriefingConfig(name="desk", recipients=["a@example.org"])
    assert not on_demand_approval(Config(), ["a@example.org"], plain)["required"]


def test_on_demand_run_names_never_collide_with_a_scheduled_briefing():
    config = Config.model_validate({"briefings": BRIEFINGS})
    run_id = "manual__2026-11-24T10:00:00+00:00"
    assert on_demand_name(config, run_id) == run_id
    assert on_demand_name(config, run_id, "ports") == f"ports-{run_id}"
    # an id chosen through the API that is (or looks like) a briefing's or the shared run's is moved aside
    assert on_demand_name(config, "ports") == "on-demand-ports"
    assert on_demand_name(config, "ports-manual__x") == "on-demand-ports-manual__x"
    assert on_demand_name(config, "articles") == "on-demand-articles"
    assert on_demand_name(config, "ports:") == "on-demand-ports:"  # its key would be `<date>_ports` too
    keys = {
        open_run(config, "2026-11-24", name).key
        for name in ("ports", on_demand_name(config, run_id), on_demand_name(config, run_id, "ports"))
    }
    assert len(keys) == 3


def _briefing_config(tmp_path) -> Config:
    return Config.model_validate(
        {
            "out": str(tmp_path),
            "deliver": {"recipients": ["analyst@example.com"], "allowed_recipient_domains": ["example.org"]},
            "render": {"templates": ["digest", "brief"]},
            "approval": {"on_demand_recipient_limit": 1},
            "briefings": [
                {
                    "name": "middle_east",
                    "topics": {"iraq": ["Iraq", "Bagdad"]},
                    "languages": ["fr", "ar"],
                    "sources": ["wires/"],
                    "recipients": ["desk@example.org", "chief@example.org"],
                    "template": "brief",
                    "subject": "Middle East {date}",
                }
            ],
        }
    )


def test_an_on_demand_run_of_a_briefing_takes_its_settings(tmp_path):
    args = on_demand_args(_briefing_config(tmp_path), {"briefing": "middle_east"}, "manual__1")
    assert args["name"] == "middle_east-manual__1" and args["template"] == "brief"
    overrides = args["overrides"]
    assert overrides["stories"] == {"topics": {"iraq": ["Iraq", "Bagdad"]}, "only_topics": True}
    assert overrides["deliver"] == {
        "recipients": ["desk@example.org", "chief@example.org"],
        "subject": "Middle East {date}",
    }
    assert overrides["fetch"] == {"record_seen": False}
    assert args["select"] == {"briefing": "middle_east", "languages": ["fr", "ar"], "sources": ["wires/"]}
    assert args["approval"]["required"]  # two recipients, over the limit of one


def test_explicit_params_override_the_briefing_and_decide_approval(tmp_path):
    config = _briefing_config(tmp_path)
    params = {
        "briefing": "middle_east",
        "recipients": ["desk@example.org"],
        "languages": ["ar"],
        "template": "digest",
    }
    args = on_demand_args(config, params, "manual__2")
    assert args["overrides"]["deliver"]["recipients"] == ["desk@example.org"]
    assert args["overrides"]["detect"] == {"languages": ["ar"]}
    assert args["select"]["languages"] == ["ar"] and args["template"] == "digest"
    assert args["approval"] == {
        "required": False,
        "why": "1 recipient, within approval.on_demand_recipient_limit (1)",
    }


def test_a_plain_on_demand_run_keeps_the_daily_settings(tmp_path):
    args = on_demand_args(_briefing_config(tmp_path), {}, "manual__3")
    assert args["name"] == "manual__3" and args["template"] == "digest" and "select" not in args
    assert args["overrides"] == {"fetch": {"record_seen": False}}
    assert not args["approval"]["required"]  # the one configured recipient


def test_bad_on_demand_params_are_refused(tmp_path):
    config = _briefing_config(tmp_path)
    with pytest.raises(KeyError, match="no briefing 'nope'"):
        on_demand_args(config, {"briefing": "nope"}, "manual__4")
    with pytest.raises(RunParameterError, match="template"):
        on_demand_args(config, {"template": "../x"}, "manual__4")
    with pytest.raises(DeliveryError, match="allowed domain"):
        on_demand_args(config, {"briefing": "middle_east", "recipients": ["x@evil.example"]}, "manual__4")


def _noted(tmp_path, stories: list[dict], recipients: list[str], page: str, why: str = "") -> str:
    config = Config.model_validate({"out": str(tmp_path), "deliver": {"recipients": recipients}})
    run = open_run(config, "2026-11-24", "desk")
    run.write_output("manifest.json", json.dumps({"stories": stories}))
    return approval_note(run, page, why)


def test_the_approval_note_counts_in_good_english(tmp_path):
    story = {"headline": "Rockets on [Baghdad]", "articles": ["a"]}
    note = _noted(tmp_path, [story], ["desk@example.org"], "/srv/out/page.html")
    assert "for 2026-11-24: 1 story, to 1 recipient: desk@example.org." in note
    assert "1. Rockets on (Baghdad) (1 source)" in note and "Page: `/srv/out/page.html`" in note
    two = {"headline": "Strike", "articles": ["a", "b"]}
    note = _noted(tmp_path, [story, two], ["a@example.org", "b@example.org"], "/srv/p.html", "too many")
    assert ": 2 stories, to 2 recipients: a@example.org, b@example.org." in note
    assert "Approval needed: too many." in note and "2. Strike (2 sources)" in note


def test_the_approval_note_shows_a_page_in_the_project_relative_to_it(tmp_path):
    from tasks.config import PROJECT_ROOT

    note = _noted(
        tmp_path, [], ["a@example.org"], str(PROJECT_ROOT / "out" / "2026-11-24_desk" / "page.html")
    )
    assert "Page: `out/2026-11-24_desk/page.html`" in note and "0 stories" in note


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
