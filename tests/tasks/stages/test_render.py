import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tasks.article import Article, Detection, Flag, Repair, Story, Summary, Translation
from tasks.stages.render import (
    FORMATS,
    UnknownTemplate,
    digest_context,
    plain,
    render_digest,
    safe_link,
    story_view,
)


def _article(id, lang, title, body, english=None, **kw):
    translation = (
        Translation(title=english, body=body, model="opus-mt", backend="transformers") if english else None
    )
    return Article(
        id=id,
        source=f"seeds/{id}.txt",
        format="txt",
        title=title,
        body=body,
        detection=Detection(lang=lang, confidence=0.99, reliable=True),
        translation=translation,
        **kw,
    )


def sample_records() -> tuple[list[Story], dict[str, Article]]:
    """Three stories that use every part of the digest: translated sources, RTL text, each kind of flag."""
    articles = [
        _article(
            "a1",
            "fr",
            "Irak : deux roquettes visent la zone verte de Bagdad, près de l'ambassade américaine",
            "Deux roquettes ont été tirées dimanche soir sur la zone verte de Bagdad.",
            english="Iraq: two rockets target Baghdad's Green Zone near the US embassy",
            url="https://news.example.fr/monde/irak-roquettes-zone-verte",
            outlet="Agence Presse Monde",
            published="2026-11-22",
        ),
        _article(
            "a2",
            "de",
            "Raketen auf die Grüne Zone in Bagdad",
            "Zwei Raketen wurden am Sonntagabend auf die Grüne Zone abgefeuert.",
            english="Rockets fired at Baghdad's Green Zone",
            url="https://zeitung.example.de/ausland/bagdad-raketen-gruene-zone-" + "x" * 120,
            outlet="Beispiel Zeitung",
        ),
        _article(
            "a3",
            "ar",
            "مصر وروسيا توقعان اتفاقا لتوريد 3.5 مليون طن من القمح",
            "وقعت مصر وروسيا اتفاقا لتوريد القمح.",
            url="javascript:alert(1)",
            outlet="الخبر المثال",
            flags=(
                Flag(
                    "not-translated",
                    "not translated: model unavailable (Helsinki-NLP/opus-mt-ar-en)",
                    "translate",
                ),
            ),
        ),
        _article(
            "a4",
            "en",
            "Belgian dockworkers begin 48-hour strike, halting container traffic at Antwerp",
            "Dockworkers at the port of Antwerp-Bruges walked off the job at 6 a.m. on Monday.",
            url="https://wire.example.com/antwerp-strike",
            outlet="Example Wire",
        ),
        _article(
            "a5",
            "es",
            "Huelga en el puerto de Amberes",
            "Los estibadores del puerto de Amberes iniciaron una huelga de 48 horas.",
            english="Strike at the port of Antwerp",
            outlet=None,
            flags=(Flag("language-uncertain", "language uncertain: es (0.62)", "detect"),),
        ),
    ]
    articles[4] = replace(
        articles[4],
        repair=Repair(
            title="Strike at the port of Antwerp",
            body="Dockers at the port of Antwerp began a 48-hour strike.",
            changes=({"rule": "calque"}, {"rule": "number"}),
            flags=({"kind": "number", "message": "8.000 may mean 8,000"},),
        ),
    )
    by_id = {a.id: a for a in articles}
    stories = [
        Story(
            id="s-baghdad",
            article_ids=("a1", "a2"),
            headline="Iraq: two rockets target Baghdad's Green Zone near the US embassy",
            summary=Summary(
                text="Two rockets were fired at Baghdad's Green Zone on Sunday evening; one was destroyed in "
                "flight by the embassy's C-RAM system and nobody was hurt, Iraqi security forces said.",
                method="chunked",
                model="/models/distilbart-cnn-12-6",
                chunks=2,
            ),
        ),
        Story(
            id="s-antwerp",
            article_ids=("a4", "a5"),
            headline="Belgian dockworkers begin 48-hour strike, halting container traffic at Antwerp",
            summary=Summary(
                text="Dockworkers at Antwerp-Bruges walked off the job for 48 hours, leaving dozens of ships "
                "waiting at anchor at Europe's second-busiest port.",
                method="single",
                model="sshleifer/distilbart-cnn-12-6",
            ),
        ),
        Story(
            id="s-wheat",
            article_ids=("a3",),
            headline="مصر وروسيا توقعان اتفاقا لتوريد 3.5 مليون طن من القمح",
            summary=Summary(
                text="وقعت مصر وروسيا اتفاقا لتوريد القمح.",
                method="extractive-fallback",
                flags=(
                    Flag("summary-fallback", "extractive summary: summary model unavailable", "summarise"),
                ),
            ),
        ),
    ]
    return stories, by_id


@pytest.fixture
def parts() -> dict[str, str]:
    stories, articles = sample_records()
    return render_digest(digest_context(stories, articles, "2026-11-24", 2, "Briefing"))


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def elements(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    return parser


def test_render_gives_email_html_text_and_page(parts):
    assert set(parts) == {"digest.html", "digest.txt", "page.html"} == set(FORMATS)
    for name in ("digest.html", "page.html"):
        assert parts[name].startswith("<!DOCTYPE html>")
    assert not parts["digest.txt"].lstrip().startswith("<")


def test_header_has_date_and_counts_and_toc_links_every_story(parts):
    for name in ("digest.html", "page.html"):
        text = " ".join(" ".join(elements(parts[name]).text).split())
        assert "Tuesday 24 November 2026" in text
        assert "3 stories · 5 articles · 5 languages · 2 rejected" in text
        hrefs = [a.get("href") for tag, a in elements(parts[name]).tags if tag == "a"]
        ids = [a.get("id") for tag, a in elements(parts[name]).tags if a.get("data-story")]
        assert ids == ["story-s-baghdad", "story-s-antwerp", "story-s-wheat"]
        assert [h for h in hrefs if h.startswith("#")] == [f"#{i}" for i in ids]
    text = parts["digest.txt"]
    assert "3 stories · 5 articles · 5 languages · 2 rejected" in text
    toc = text.split("IN THIS BRIEFING")[1].split("=" * 72)[0]
    assert " 1. Iraq: two rockets" in toc and " 3. مصر" in toc


def test_each_story_shows_summary_method_sources_and_flags(parts):
    text = parts["digest.txt"]
    assert "Model summary, read in 2 parts, distilbart-cnn-12-6" in text
    assert "Extractive summary: the lead sentences" in text
    assert "- Agence Presse Monde (French, translated, 22 Nov 2026)" in text
    assert "https://news.example.fr/monde/irak-roquettes-zone-verte" in text
    assert 'original: "Irak : deux roquettes visent' in text  # the original headline beneath the translation
    for flag in (
        "[!] not translated: model unavailable (Helsinki-NLP/opus-mt-ar-en)",
        "[!] Spanish source: language uncertain: es (0.62)",
        "[!] extractive summary: summary model unavailable",
        "[!] Spanish source: check against source: 8.000 may mean 8,000",
        "[!] 2 machine-translation repairs",
    ):
        assert flag in text
    html = parts["digest.html"]
    classes = [a.get("class") for _, a in elements(parts["page.html"]).tags]
    for kind in ("not-translated", "language-uncertain", "summary-fallback", "check-source", "repairs"):
        assert f"flag flag-{kind}" in classes
    assert "check against source: 8.000 may mean 8,000" in html


def test_only_http_links_survive(parts):
    for name in ("digest.html", "page.html"):
        hrefs = [a["href"] for tag, a in elements(parts[name]).tags if tag == "a"]
        external = [h for h in hrefs if not h.startswith("#")]
        assert len(external) == 3 and all(h.startswith("https://") for h in external)
    assert "javascript" not in "".join(parts.values())
    assert safe_link(" https://a.example/x ") == "https://a.example/x"
    for bad in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "//evil.example",
        "http://[::1",
        "https://",
        "http://a b",
    ):
        assert safe_link(bad) is None


def test_email_html_has_css_inlined_dark_mode_and_nothing_external(parts):
    html = parts["digest.html"]
    tags = elements(html).tags
    headline = next(a for tag, a in tags if tag == "h2")
    assert "font-size: 22px" in headline["style"]
    assert 'width="600"' in html and "max-width: 600px" in html
    head = html.split("<body")[0]
    assert head.index('<meta charset="utf-8">') < head.index("<style")
    (style,) = re.findall(r"<style[^>]*>(.*?)</style>", head, re.S)
    assert "@media (prefers-color-scheme: dark)" in style and "@media (max-width: 480px)" in style
    assert "font-family" not in style  # plain rules are inlined, only @media stays
    for markup in (html, parts["page.html"]):
        assert not any(
            tag in ("img", "link", "script", "iframe", "object") for tag, _ in elements(markup).tags
        )
        assert not re.search(r"url\(|@import|src=", markup)


def test_untrusted_text_is_made_plain_then_escaped():
    hostile = "<img src=x onerror=alert(1)>Rockets <b>hit</b> &lt;script&gt;alert(2)&lt;/script&gt;Baghdad"
    assert plain(hostile) == "Rockets hit Baghdad"
    assert plain("5 < 6 & 7 > 3") == "5 < 6 & 7 > 3"
    stories, articles = sample_records()
    articles["a4"] = replace(articles["a4"], title=hostile, outlet='"><svg onload=x>')
    stories[1] = replace(stories[1], headline="Tom & Jerry <3 Antwerp")
    parts = render_digest(digest_context(stories, articles, "2026-11-24", 0, "Briefing"))
    for name in ("digest.html", "page.html"):
        tags = elements(parts[name]).tags
        assert not any(tag in ("img", "svg", "script") for tag, _ in tags)
        assert "Rockets hit Baghdad" in parts[name]
        assert not any(key.startswith("on") for _, attrs in tags for key in attrs)
        assert "Tom &amp; Jerry &lt;3 Antwerp" in parts[name]
    assert "Tom & Jerry <3 Antwerp" in parts["digest.txt"]
    assert "onerror" not in "".join(parts.values()) and "alert(" not in "".join(parts.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EU passes <AI Act> after vote", "EU passes <AI Act> after vote"),
        ("EU passes &lt;AI Act&gt; after vote", "EU passes <AI Act> after vote"),
        ("Parliament debates <Big Tech> rules <b>today</b>", "Parliament debates <Big Tech> rules today"),
        ("<p>Vote on <Data Act></p><script>alert(1)</script>", "Vote on <Data Act>"),
        ("Unclosed <em", "Unclosed <em"),
        ("The <Big one> arrives", "The <Big one> arrives"),
        ("<b onclick>bold</b> <i class=x>it</i>", "bold it"),
    ],
)
def test_words_that_merely_look_like_tags_are_kept(text, expected):
    assert plain(text) == expected


@pytest.mark.parametrize("name", ["base", "../digest", "digest/../../etc", "Digest", "partials/story", ""])
def test_template_names_must_be_plain_and_allowed(name):
    context = digest_context(*sample_records(), "2026-11-24", 0, "Briefing")
    with pytest.raises(UnknownTemplate):
        render_digest(context, name, allowed=["digest"])
    with pytest.raises(UnknownTemplate):
        render_digest(context, name, allowed=["digest", name])


def test_a_template_symlinked_out_of_the_folder_is_refused(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    secret = tmp_path / "secret.html.j2"
    secret.write_text("secret")
    for suffix in FORMATS.values():
        (templates / f"evil.{suffix}").symlink_to(secret)
    context = digest_context(*sample_records(), "2026-11-24", 0, "Briefing")
    with pytest.raises(UnknownTemplate, match="outside"):
        render_digest(context, "evil", allowed=["evil"], templates_dir=templates)


def test_story_view_without_summary_or_flags():
    article = _article("x", "en", "Plain headline", "Body.")
    view = story_view(Story(id="s", article_ids=("x",), headline="Plain headline"), {"x": article})
    assert view["flags"] == [] and view["summary"] == "" and view["method_label"] == "No summary"
    # No outlet and no link: the source is named by its headline, never by its file name.
    assert view["sources"][0]["outlet"] == "" and view["sources"][0]["link"] is None
    assert view["sources"][0]["headline"] == "Plain headline" and view["sources"][0]["title"] == ""


HOSTILE = {
    "markets.txt": (
        '<script>alert("t1")</script>Markets <img src=x onerror=alert(1)> rally on rate hopes\n\n'
        "Stock markets in Europe rose on Tuesday as investors bet that interest rates would fall soon. "
        '<a href="javascript:alert(2)">Read more</a> <iframe src="https://evil.example/x"></iframe> '
        "&lt;script&gt;alert(3)&lt;/script&gt;Traders said the mood had improved after weeks of losses.\n"
    ),
    "harbour.html": (
        "<html><head><title>Harbour reopens after storm<script>alert(4)</script></title>"
        '<link rel="canonical" href="javascript:alert(5)"></head><body><article>'
        "<h1>Harbour reopens after storm</h1><script>document.write('alert(6)')</script>"
        "<p>The harbour reopened on Monday after a storm closed it for three days, the port authority said.</p>"
        '<p onclick="alert(7)">Ferries resumed their normal schedule <img src="x" onerror="alert(8)"> '
        "in the afternoon and the first cargo ships were unloaded by evening.</p></article></body></html>"
    ),
    "bridge.json": (
        '{"title": "Bridge repairs <svg onload=alert(9)> finish early", '
        '"text": "<p onmouseover=\\"alert(10)\\">Repairs to the old river bridge finished two weeks early, '
        'the city council said on Monday.</p><p>Traffic will return to both lanes from Wednesday morning.</p>", '
        '"url": "javascript:alert(11)", "outlet": "\\"><script>alert(12)</script>City Desk", "lang": "en"}'
    ),
    "feed.xml": (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire &lt;b onmouseover=alert(13)&gt;</title>'
        "<item><title><![CDATA[<script>alert(14)</script>Farmers protest new water rules]]></title>"
        "<link>javascript:alert(15)</link><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate>"
        "<description><![CDATA[<p>Farmers drove tractors into the town centre on Monday to protest against "
        "new water rules.<img src=x onerror=alert(16)></p><p>The regional government said it would meet "
        '<a href="javascript:alert(17)">their leaders</a> next week.</p>]]></description></item>'
        "</channel></rss>"
    ),
}


@pytest.mark.slow
def test_hostile_articles_do_not_survive_the_whole_pipeline(tiny_config, tmp_path):
    import email
    from email import policy

    from tasks.pipeline import open_run, run_all, run_deliver

    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, content in HOSTILE.items():
        (folder / name).write_text(content, encoding="utf-8")
    # No summary model: the extractive fallback copies body sentences, markup and all, into the summaries.
    summarise = tiny_config.summarise.model_copy(update={"model": "example/not-in-the-cache"})
    run = open_run(
        tiny_config.model_copy(update={"input": [str(folder)], "summarise": summarise}), "2026-11-24"
    )
    paths = run_all(run)
    (outcome,) = run_deliver(run, transport=f"outbox:{tmp_path / 'outbox'}")
    eml = email.message_from_bytes(Path(outcome["detail"]).read_bytes(), policy=policy.default)
    outputs = {name: Path(paths[name]).read_text() for name in FORMATS}
    outputs.update({f"email {p.get_content_type()}": p.get_content() for p in eml.iter_parts()})
    text = outputs["digest.txt"]
    for survivor in ("rally on rate hopes", "Harbour reopens after storm", "finish early", "Farmers protest"):
        assert survivor in text  # every hostile article made it into the digest, as text
    assert "Read more" in text and "Extractive summary" in text  # the summaries held the hostile body text
    for name, output in outputs.items():
        lowered = output.lower()
        for needle in (
            "<script",
            "javascript:",
            "onerror",
            "onload",
            "onclick",
            "onmouseover",
            "<iframe",
            "alert(",
        ):
            assert needle not in lowered, f"{needle!r} survived in {name}"
        if "html" in name:
            tags = elements(output).tags
            assert not any(key.startswith("on") for _, attrs in tags for key in attrs)
            hrefs = [attrs["href"] for tag, attrs in tags if tag == "a"]
            assert all(h.startswith(("#", "http://", "https://")) for h in hrefs)


def _undegraded() -> tuple[list[Story], dict[str, Article]]:
    stories, articles = sample_records()
    articles["a3"] = replace(articles["a3"], flags=())
    stories[2] = replace(stories[2], summary=replace(stories[2].summary, flags=()))
    return stories, articles


def test_a_degraded_digest_carries_a_banner_naming_what_is_missing(parts):
    for name in ("digest.html", "page.html"):
        text = " ".join(" ".join(elements(parts[name]).text).split())
        assert "Degraded run: some models were unavailable" in text
        assert "1 article in Arabic not translated: 1 of 2 translation models unavailable" in text
        assert "(Helsinki-NLP/opus-mt-ar-en)" in text and "briefing models pull" in text
        # The banner comes before the first story.
        assert text.index("Degraded run") < text.index("Story 1")
    assert "DEGRADED RUN: SOME MODELS WERE UNAVAILABLE" in parts["digest.txt"]


def test_a_complete_digest_has_no_banner_and_its_footer_says_only_what_was_done():
    stories, articles = _undegraded()
    parts = render_digest(digest_context(stories, articles, "2026-11-24", 0, "Briefing"))
    for part in parts.values():
        assert "Degraded" not in part and "DEGRADED" not in part and "models pull" not in part
    text = " ".join(parts["digest.txt"].split())
    assert "Machine-translated from French, German, Spanish." in text
    assert "Left untranslated: Arabic." in text  # a3 has no translation: the footer does not claim one
    assert "2 summaries written by a model, 1 by taking the lead sentences." in text


def test_badges_name_the_source_they_are_about():
    stories, articles = sample_records()
    articles["a2"] = replace(
        articles["a2"],
        translation=None,
        flags=(Flag("not-translated", "not translated: model unavailable (opus-mt-de-en)", "translate"),),
    )
    view = story_view(stories[0], articles)
    texts = [f["text"] for f in view["flags"]]
    assert "Beispiel Zeitung (German) not translated: model unavailable (opus-mt-de-en)" in texts
    assert not any("Agence Presse Monde" in t for t in texts)  # the translated source carries no badge


def test_sources_show_outlet_or_host_and_the_repaired_english_headline_over_the_original():
    article = _article(
        "n1",
        "en",
        "Home LATEST NEWS Strike at the port",
        "Body.",
        url="https://www.portnews.example/strike",
    )
    article = replace(article, repair=Repair(title="Strike at the port", body="Body."))
    (source,) = story_view(Story(id="s", article_ids=("n1",), headline="Strike"), {"n1": article})["sources"]
    assert source["outlet"] == "portnews.example"  # no site name: the host, never `n1.txt`
    assert source["headline"] == "Strike at the port"
    assert source["title"] == "Home LATEST NEWS Strike at the port"


def test_masthead_counts_leave_out_republished_copies():
    stories, articles = _undegraded()
    articles["dup"] = replace(articles["a4"], id="dup")
    stories[1] = replace(stories[1], duplicates={"dup": "a4"})
    context = digest_context(stories, articles, "2026-11-24", 0, "Briefing")
    assert context["counts"]["articles"] == 5 and context["counts"]["duplicates"] == 1
