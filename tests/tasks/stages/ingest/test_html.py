import json

import pytest

from tasks.stages.ingest import ingest
from tasks.stages.ingest.titles import FALLBACK_NOTE
from tests.support.pages import all_pages, page_html

PAGES = all_pages()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_a_page_in_any_encoding_gives_its_text_and_its_headline(tmp_path, page):
    (tmp_path / page.name).write_bytes(page.data)
    (article,) = ingest([tmp_path / page.name]).articles
    assert "\ufffd" not in article.title + article.body
    assert article.title == page.headline
    assert not article.body.startswith(page.headline)
    found = [p for p in page.paragraphs if p in article.body]
    assert len(found) >= 2, article.body  # trafilatura may leave a short closing paragraph out
    assert page.site not in article.body


def test_a_page_without_a_charset_is_decoded_and_the_guess_noted(tmp_path):
    page = next(p for p in PAGES if p.name == "ru-koi8-r-none.html")
    (tmp_path / page.name).write_bytes(page.data)
    (article,) = ingest([tmp_path]).articles
    assert "encoding detected as koi8_r" in article.notes


def _write(tmp_path, html: str, name: str = "page.html"):
    (tmp_path / name).write_text(html, encoding="utf-8")
    return ingest([tmp_path / name])


def test_the_json_ld_headline_is_used_when_the_title_tag_is_generic(tmp_path):
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Beispiel"},
        {"@type": "NewsArticle", "headline": "Regierung beschließt neue Regeln für Bäcker"},
    ]}  # fmt: skip
    html = page_html("de", "Startseite", og=False, h1=False).replace(
        "</head>", f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
    )
    (article,) = _write(tmp_path, html).articles
    assert article.title == "Regierung beschließt neue Regeln für Bäcker"


def test_a_page_with_only_generic_titles_takes_its_first_sentence_with_a_note(tmp_path):
    html = page_html("en", "Home", og=False, h1=False)
    (article,) = _write(tmp_path, html).articles
    assert article.title.startswith("The city council on Wednesday approved a housing plan")
    assert FALLBACK_NOTE in article.notes
    assert article.body.startswith("The city council on Wednesday")


def test_an_h1_that_is_the_site_logo_is_not_the_headline(tmp_path):
    html = page_html("fr", "Le gouvernement présente un plan pour les hôpitaux | Le Quotidien", og=False)
    html = html.replace('<div class="logo">Le Quotidien</div>', "<h1>Le Quotidien</h1>")
    (article,) = _write(tmp_path, html).articles
    assert article.title == "Le gouvernement présente un plan pour les hôpitaux"


def test_a_short_first_sentence_used_as_the_title_stays_in_the_body(tmp_path):
    html = page_html("en", "Home", og=False, h1=False).replace(
        "<p>The city council", "<p>Rents are rising. The city council"
    )
    (article,) = _write(tmp_path, html).articles
    assert article.title == "Rents are rising."
    assert article.body.startswith("Rents are rising. The city council")


def test_the_language_hint_falls_back_to_og_locale(tmp_path):
    html = page_html("de", "Titel").replace('<html lang="de">', "<html>")
    html = html.replace("</head>", '<meta property="og:locale" content="de_DE"></head>')
    (article,) = _write(tmp_path, html).articles
    assert article.lang_hint == "de-DE"


def test_a_line_break_in_the_heading_separates_its_words(tmp_path):
    html = page_html("en", "City council approves new housing plan | The Daily Ledger", og=False)
    html = html.replace("<h1>City council approves", "<h1>City council<br>approves")
    (article,) = _write(tmp_path, html).articles
    assert article.title == "City council approves new housing plan"
