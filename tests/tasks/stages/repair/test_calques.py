"""Entity calques: the table, the variants generated from source names, and where they are replaced."""

from __future__ import annotations

import pytest

from tasks.stages.repair.calques import _index, find
from tasks.stages.repair.datafiles import load_toml, load_tsv
from tasks.stages.repair.edits import Context, Document
from tasks.stages.repair.variants import expand, from_source


def _fix(text: str, lang: str | None = None) -> str:
    doc = Document(text)
    doc.apply(find(text, Context(lang)))
    return doc.text


def test_the_table_covers_150_entities_from_the_eight_source_languages() -> None:
    rows = load_tsv("entities.tsv")
    assert len(rows) >= 150 and len({r["id"] for r in rows}) == len(rows)
    langs = {lang.strip() for r in rows for lang in r["langs"].split(",")}
    assert {"fr", "de", "es", "it", "pt", "ru", "ar", "tr"} <= langs


def test_hand_patterns_expand_choices_and_optional_words() -> None:
    assert sorted(expand("{UN |}Fund for [the] Children")) == [
        "Fund for Children",
        "Fund for the Children",
        "UN Fund for Children",
        "UN Fund for the Children",
    ]


@pytest.mark.parametrize(
    ("lang", "name", "calque"),
    [
        ("fr", "Organisation internationale du travail", "International Organization of Labour"),
        ("fr", "Agence France-Presse", "France Press Agency"),
        ("fr", "Banque centrale européenne", "Central European Bank"),
        ("de", "Deutsche Presse-Agentur", "German Press Agency"),
        ("ar", "جامعة الدول العربية", "University of Arab States"),
        ("ru", "Министерство иностранных дел", "Ministry of Foreign Deeds"),
        ("tr", "Anadolu Ajansı", "Anatolian Agency"),
    ],
)
def test_variants_are_generated_from_the_source_language_name(lang: str, name: str, calque: str) -> None:
    assert calque in set(from_source(lang, name, load_toml("glossary.toml")))


def test_no_variant_is_an_established_name_or_part_of_one() -> None:
    index, norm = _index()
    accepted = [
        norm.words(n) for r in load_tsv("entities.tsv") for n in r["accepted"].split(";") if n.strip()
    ]
    for variants in index.values():
        for variant in variants:
            for name in accepted:
                n = len(variant.words)
                assert all(name[i : i + n] != variant.words for i in range(len(name) - n + 1)), variant


def test_the_calque_and_its_article_are_replaced_and_the_acronym_is_not_doubled() -> None:
    assert _fix("told the France Media Agency that") == "told Agence France-Presse (AFP) that"
    assert _fix("The High Commissariat for Refugees (HCR) said") == "The UN refugee agency (UNHCR) said"
    assert (
        _fix("a report of the World Organisation of Health")
        == "a report of the World Health Organization (WHO)"
    )


def test_ambiguous_calques_need_the_source_language_as_evidence() -> None:
    assert (
        _fix("the Central European Bank raised rates", "fr") == "the European Central Bank (ECB) raised rates"
    )
    assert _fix("the Central European Bank raised rates", None) == "the Central European Bank raised rates"
    assert _fix("the Central European Bank raised rates", "de") == "the Central European Bank raised rates"


def test_established_names_lower_case_phrases_and_longer_names_are_left_alone() -> None:
    for text in (
        "Agence France-Presse (AFP) and the International Labour Organization said",
        "the German press agency dpa said",
        "a national audience watched",
        "the Supreme Tribunal of Justice ruled",
    ):
        assert _fix(text, "es") == text
