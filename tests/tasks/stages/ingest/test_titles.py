import pytest

from tasks.stages.ingest.titles import (
    FALLBACK_NOTE,
    choose_title,
    drop_leading_headline,
    first_sentence,
    is_generic,
    site_names,
    strip_site,
)


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        (
            "Käsekuchen ohne Boden | Backen macht glücklich",
            ["Backen macht glücklich"],
            "Käsekuchen ohne Boden",
        ),
        (
            "Merkel trifft Macron - DER SPIEGEL",
            site_names([], "https://www.spiegel.de/a.html"),
            "Merkel trifft Macron",
        ),
        (
            "Merkel trifft Macron – Politik – Süddeutsche Zeitung",
            ["Süddeutsche Zeitung"],
            "Merkel trifft Macron",
        ),
        (
            "SPIEGEL: Merkel trifft Macron in Paris",
            site_names([], "https://www.spiegel.de/"),
            "Merkel trifft Macron in Paris",
        ),
        ("Le Quotidien — Le plan pour les hôpitaux", ["Le Quotidien"], "Le plan pour les hôpitaux"),
        ("习近平会见美国总统-新华网", [], "习近平会见美国总统"),
        ("习近平会见美国总统_新华网", ["新华网"], "习近平会见美国总统"),
        ("Storm hits coast | BBC News", [], "Storm hits coast"),
        ("Storm hits coast | News | example.com", [], "Storm hits coast"),
        # No site name to remove: a dash or pipe inside a headline stays.
        (
            "Ukraine-Krieg - Selenskyj fordert mehr Waffen",
            [],
            "Ukraine-Krieg - Selenskyj fordert mehr Waffen",
        ),
        ("Bayern gewinnt - Müller trifft doppelt", [], "Bayern gewinnt - Müller trifft doppelt"),
        ("Explainer | Why prices rise", [], "Explainer | Why prices rise"),
    ],
)
def test_site_names_are_removed_from_either_side(title, sites, expected):
    assert strip_site(title, sites) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Hauptmenü",
        "Themen",
        "Home",
        "Startseite",
        "Accueil",
        "Inicio",
        "WordPress",
        "TYPO3",
        "Главная",
        "首页",
    ],
)
def test_generic_page_titles_are_recognised(title):
    assert is_generic(title)


def test_a_home_page_titled_with_the_site_name_has_no_headline():
    assert strip_site("Startseite - Stadt Musterhausen") == ""
    assert not is_generic("Bayern gewinnt den Pokal")
    assert is_generic("Backen macht glücklich", ["Backen macht glücklich"])


def test_a_visible_heading_that_agrees_with_the_metadata_wins():
    meta = ["Merkel trifft Macron in Paris | Politik | Beispiel", "Merkel trifft Macron in Paris - Beispiel"]
    title, note = choose_title(meta, ["Beispiel", "Merkel trifft Macron in Paris"], ["Beispiel"], "Body.")
    assert (title, note) == ("Merkel trifft Macron in Paris", None)


def test_a_section_heading_does_not_beat_the_metadata_title():
    title, _ = choose_title(["Neue Regeln für Bäcker beschlossen | Beispiel"], ["Politik"], ["Beispiel"], "x")
    assert title == "Neue Regeln für Bäcker beschlossen"


def test_without_any_usable_title_the_first_sentence_is_used_and_noted():
    body = "Der Rat hat am Mittwoch entschieden. Danach ging es weiter.\n\nZweiter Absatz."
    assert choose_title(["Hauptmenü", "Startseite | Beispiel"], ["Themen"], ["Beispiel"], body) == (
        "Der Rat hat am Mittwoch entschieden.",
        FALLBACK_NOTE,
    )
    assert first_sentence("会议指出，形势总体稳定。各部门要加强协调。") == "会议指出，形势总体稳定。"
    assert first_sentence("word " * 100).endswith("…")


def test_the_body_does_not_start_with_its_own_headline():
    paragraphs = ["Merkel trifft Macron", "Die Kanzlerin reiste am Mittwoch nach Paris.", "Mehr dazu."]
    assert drop_leading_headline(paragraphs, ["Merkel trifft Macron."]) == paragraphs[1:]
    assert drop_leading_headline(["Nur ein Absatz"], ["Nur ein Absatz"]) == ["Nur ein Absatz"]


def test_a_headline_run_into_the_first_paragraph_is_cut_off():
    paragraphs = ["国务院常务会议部署稳就业工作 2026-11-25 国务院总理周三主持会议。"]
    assert drop_leading_headline(paragraphs, ["国务院常务会议部署稳就业工作"]) == [
        "2026-11-25 国务院总理周三主持会议。"
    ]
    assert drop_leading_headline(["Storm hits coast again"], ["Storm"]) == ["Storm hits coast again"]


def test_a_kicker_in_the_heading_is_left_out_when_the_metadata_title_is_inside_it():
    meta = ["Selenskyj fordert mehr Waffen vom Westen | Beispiel"]
    title, _ = choose_title(
        meta, ["Ukraine-Krieg: Selenskyj fordert mehr Waffen vom Westen"], ["Beispiel"], "x"
    )
    assert title == "Selenskyj fordert mehr Waffen vom Westen"


def test_a_truncated_metadata_title_does_not_shorten_the_heading():
    heading = "Regierung beschließt neue Regeln für Bäcker und Konditoren in ganz Deutschland"
    title, _ = choose_title(
        ["Regierung beschließt neue Regeln für Bäcker und Konditoren in…"], [heading], [], "x"
    )
    assert title == heading
