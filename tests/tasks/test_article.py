import dataclasses

from tasks.article import (
    Article,
    Detection,
    Flag,
    Repair,
    Story,
    Summary,
    Translation,
    article_from_json,
    stable_id,
    story_from_json,
    to_json,
)


def test_stable_id_depends_on_every_part():
    assert stable_id("a", "b") == stable_id("a", "b")
    assert stable_id("a", "b") != stable_id("b", "a")
    assert stable_id("ab", "") != stable_id("a", "b")
    assert len(stable_id("x")) == 16


def test_article_round_trips_through_json_with_stage_fields():
    article = Article(id="1", source="seeds/a.txt", format="txt", title="T", body="B", notes=("n",))
    article = dataclasses.replace(article, detection=Detection("fr", 0.9, True, "fr", ((0, 1, "fr", 0.9),)))
    article = article.with_flags(Flag("not-translated", "not translated", "translate"))
    assert article_from_json(to_json(article)) == article


def test_english_text_prefers_repair_then_translation():
    article = Article(id="1", source="s", format="txt", title="Titre", body="Corps")
    assert (article.english_title, article.english_body, article.lang) == ("Titre", "Corps", "und")
    translated = dataclasses.replace(article, translation=Translation("Title", "Body", "m", "transformers"))
    assert (translated.english_title, translated.english_body) == ("Title", "Body")
    repaired = dataclasses.replace(translated, repair=Repair("Fixed title", "Fixed body"))
    assert (repaired.english_title, repaired.english_body) == ("Fixed title", "Fixed body")


def test_story_round_trips_with_summary():
    summary = Summary("text", "chunked", "m", 3, 2000)
    story = Story(id="s", article_ids=("a", "b"), headline="H", summary=summary, anchors=("bkt", "#2500"))
    assert story_from_json(to_json(story)) == story


def test_story_round_trips_with_track_and_rising_and_old_records_load():
    from tasks.article import Rising, Track

    track = Track(id="t", first_seen="2026-11-22", day=3, previous="p", dates=("2026-11-22", "2026-11-23"))
    rising = Rising(kind="surge", articles=6, baseline=2.0, ratio=3.0, reason="rising")
    story = Story(id="s", article_ids=("a",), headline="H", track=track, rising=rising)
    assert story_from_json(to_json(story)) == story
    old = story_from_json('{"id": "s", "article_ids": ["a"], "headline": "H", "score": 1.0}')
    assert old.track is None and old.rising is None


def test_a_story_written_before_anchors_existed_still_loads():
    old = '{"id": "s", "article_ids": ["a"], "headline": "H", "score": 1.0, "duplicates": {}, "reason": ""}'
    assert story_from_json(old).anchors == ()
