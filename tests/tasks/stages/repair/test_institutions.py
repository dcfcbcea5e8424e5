"""Institutions by structure: translated shapes of known names, accepted English names kept, evidence
from the original."""

from __future__ import annotations

import pytest

from tasks.stages.repair import repair
from tasks.stages.repair.datafiles import load_toml, load_tsv
from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.institutions import evidence, find


def _fix(text: str, lang: str | None = None, original: str | None = None) -> str:
    doc = Document(text)
    doc.apply(find(text, Context(lang, original=original)))
    return doc.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The France-Presse agency said so.", "Agence France-Presse (AFP) said so."),
        ("He told the agency France-Presse so.", "He told Agence France-Presse (AFP) so."),
        ("The Anatolia agency said so.", "Anadolu Agency (AA) said so."),
        ("According to Anatolia's news agency, he fled.", "According to Anadolu Agency (AA), he fled."),
        ("The New China agency reported it.", "The Xinhua news agency reported it."),
        ("The news agency of New China reported it.", "The Xinhua news agency reported it."),
        ("The state-run Anatolian news agency said so.", "The state-run Anadolu Agency (AA) said so."),
        ("The French Press agency (AFP) said so.", "Agence France-Presse (AFP) said so."),
    ],
)
def test_translated_shapes_of_a_known_institution_are_repaired(text: str, expected: str) -> None:
    assert _fix(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The Xinhua agency and the Anadolu news agency said so; AFP agency too.",
        "China's official news agency Xinhua reported it.",
        "The Paris-based agency said it would appeal.",
        "The new China agency reported it.",  # not a name
        "The Emirati news agency WAM reported the visit.",
        "He said the agency's chief would resign.",
    ],
)
def test_names_english_writes_and_descriptions_stay(text: str) -> None:
    assert _fix(text) == text


def test_an_ambiguous_core_needs_the_source_language_or_the_original() -> None:
    text = "Officials told the Union news agency that the launch failed."
    assert _fix(text) == text
    assert _fix(text, "ko") == "Officials told Yonhap News Agency that the launch failed."
    assert _fix(text, original="연합뉴스는 발사가 실패했다고 전했다.") != text


@pytest.mark.parametrize(
    "text",
    [
        "The German Press Agency (dpa) said the vote was delayed.",
        "Anadolu News Agency reported the arrests.",
        "The AFP news agency said three people died.",
    ],
)
def test_accepted_english_names_are_never_changed_by_any_rule(text: str) -> None:
    for lang in (None, "de", "tr", "fr"):
        result = repair(text, lang)
        assert (result.text, result.changes) == (text, [])


def test_the_original_confirms_a_calque_and_the_reason_says_so() -> None:
    result = repair(
        "A police source told theFrance Media Agency that three people were arrested.",
        "fr",
        original="Une source policière a déclaré à l'Agence France-Presse que trois personnes ont été arrêtées.",
    )
    assert result.text == "A police source told Agence France-Presse (AFP) that three people were arrested."
    [calque] = [c for c in result.changes if c["kind"] == "entity_calque"]
    assert "Agence France-Presse" in calque["reason"]


def test_the_original_is_evidence_where_the_source_language_is_unknown() -> None:
    assert repair("The Great Thing voted on the budget.").text == "The Great Thing voted on the budget."
    result = repair("The Great Thing voted on the budget.", original="Stortinget stemte over budsjettet.")
    assert result.text == "The Storting voted on the budget."
    assert "Stortinget" in result.changes[0]["reason"]


def test_evidence_matches_names_as_words_not_inside_other_words() -> None:
    assert evidence(("TT",), "Tidningarna skriver att TT rapporterade") != ""
    assert evidence(("TT",), "Det var ett utmärkt attentat") == ""
    assert evidence(("Anadolu Ajansı",), "Anadolu Ajansı'na konuşan vali") != ""


def test_the_table_covers_thirty_languages_and_every_kind() -> None:
    rows = load_tsv("entities.tsv")
    langs = {lang.strip() for r in rows for lang in r["langs"].split(",")}
    wanted = "ar bg cs da de el es et fa fi fr he hi hr hu id it ja ko lt lv nl no pl pt ro ru sk sl sr sv tr uk vi zh"
    assert len(set(wanted.split()) & langs) >= 30
    kinds = {r["type"] for r in rows}
    assert {"agency", "media", "parliament", "court", "ministry"} <= kinds
    agencies = {lang.strip() for r in rows if r["type"] == "agency" for lang in r["langs"].split(",")}
    assert len(agencies) >= 30
    countries = load_toml("countries.toml")
    assert all(r.get("country") in (None, "-", "") or r["country"] in countries for r in rows)


def test_a_calque_shared_by_two_institutions_is_settled_by_the_evidence() -> None:
    text = "The State Assembly adopted the budget."
    assert repair(text).text == text  # Estonia's or Slovenia's: a careful editor would not guess
    assert repair(text, "et").text == "The Riigikogu adopted the budget."
    assert repair(text, "sl").text == "The National Assembly adopted the budget."
    corrected = repair(text, "et", original="Državni zbor je sprejel proračun.")
    assert corrected.text == "The National Assembly adopted the budget."
    assert "Državni zbor" in corrected.changes[0]["reason"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The Second German channel reported it.", None, "ZDF reported it."),
        ("The Island network aired the footage.", "ar", "Al Jazeera aired the footage."),
        ("The Globe network aired the debate.", "pt", "TV Globo aired the debate."),
        ("The Globe network aired the debate.", None, "The Globe network aired the debate."),
    ],
)
def test_broadcasters_in_translated_shapes(text: str, lang: str | None, expected: str) -> None:
    assert _fix(text, lang) == expected
