"""The repair stage over articles, and the JSON record of `briefing repair --jsonl`."""

from __future__ import annotations

from tasks.article import Article, Detection, Translation
from tasks.config import RepairConfig
from tasks.stages.repair import repair_articles, repair_record


def _article(title: str, body: str, lang: str, translation: Translation | None = None) -> Article:
    return Article(
        id="a1",
        source="test",
        format="txt",
        title=title,
        body=body,
        detection=Detection(lang=lang, confidence=0.99, reliable=True),
        translation=translation,
    )


def test_an_english_article_loses_chrome_and_the_repeated_headline() -> None:
    article = _article(
        "Home LATEST NEWS Rockets hit the green zone",
        "Rockets hit the green zone\n\nA source told theFrance Media Agency that two fell.",
        "en",
    )
    [repaired] = repair_articles([article], RepairConfig())
    assert repaired.repair is not None
    assert repaired.repair.title == "Rockets hit the green zone"
    assert repaired.repair.body == "A source told Agence France-Presse (AFP) that two fell."
    fields = [(c["field"], c["kind"]) for c in repaired.repair.changes]
    assert ("title", "boilerplate") in fields and ("body", "boilerplate") in fields
    assert ("body", "entity_calque") in fields
    for change in repaired.repair.changes:
        text = article.title if change["field"] == "title" else article.body
        assert text[change["start"] : change["end"]] == change["before"]


def test_a_translation_is_repaired_with_its_source_language_as_evidence() -> None:
    translation = Translation("Strike at the railway", "The company will cut 4.300 jobs.", "m", "b")
    [translated] = repair_articles([_article("Streik", "Die Bahn ...", "de", translation)], RepairConfig())
    assert translated.repair.body == "The company will cut 4,300 jobs."
    [original] = repair_articles(
        [_article("Strike", "The company will cut 4.300 jobs.", "en")], RepairConfig()
    )
    assert original.repair.body == "The company will cut 4.300 jobs."  # no locale evidence


def test_untranslated_passages_are_flagged_on_the_article() -> None:
    body = "Talks resumed. Les discussions porteront sur les salaires. A deal is expected."
    translation = Translation("Talks resumed", body, "m", "b")
    [article] = repair_articles([_article("Les discussions", "...", "fr", translation)], RepairConfig())
    assert [f["field"] for f in article.repair.flags] == ["body"]
    assert [f.kind for f in article.flags] == ["untranslated"]


def test_articles_without_english_text_or_with_repair_disabled_pass_unchanged() -> None:
    french = _article("Titre", "Le texte.", "fr")
    english = _article("Title", "Text .", "en")
    assert repair_articles([french], RepairConfig()) == [french]
    assert repair_articles([english], RepairConfig(enabled=False)) == [english]


def test_repair_record_maps_one_jsonl_object() -> None:
    out = repair_record({"id": "e", "source_lang": "fr", "text": "Unemployment fell to 7,1 % in May."})
    assert out == {
        "id": "e",
        "text": "Unemployment fell to 7.1% in May.",
        "changes": [
            {
                "kind": "number_format",
                "rule": "decimal-comma:fr",
                "before": "7,1 %",
                "after": "7.1%",
                "start": 21,
                "end": 26,
            }
        ],
        "flags": [],
    }


def test_a_translated_article_uses_its_own_original_as_evidence() -> None:
    translation = Translation("Strike", "The Great Thing voted on the budget.", "m", "b")
    article = _article("Streik", "Stortinget stemte over budsjettet.", "no", translation)
    [repaired] = repair_articles([article], RepairConfig())
    assert repaired.repair.body == "The Storting voted on the budget."
    [change] = [c for c in repaired.repair.changes if c["kind"] == "entity_calque"]
    assert "Stortinget" in change["reason"] and change["field"] == "body"


def test_a_story_mates_original_handed_in_is_evidence_for_an_english_article() -> None:
    article = _article("Budget vote", "The Great Thing voted on the budget.", "en")
    [alone] = repair_articles([article], RepairConfig())
    assert alone.repair.body == "The Great Thing voted on the budget."
    [given] = repair_articles(
        [article], RepairConfig(), originals={"a1": "Stortinget stemte over budsjettet."}
    )
    assert given.repair.body == "The Storting voted on the budget."


def test_an_english_original_keeps_its_deliberate_repetition() -> None:
    body = "It was really really really good, she said. The leader of of the party spoke."
    [repaired] = repair_articles([_article("Review", body, "en")], RepairConfig())
    assert (
        repaired.repair.body == "It was really really really good, she said. The leader of the party spoke."
    )


def test_repair_record_takes_an_original_and_records_the_evidence() -> None:
    out = repair_record(
        {"id": "x", "source_lang": None, "text": "The Great Thing met.", "original": "Stortinget møttes."}
    )
    assert out["text"] == "The Storting met." and "Stortinget" in out["changes"][0]["reason"]
