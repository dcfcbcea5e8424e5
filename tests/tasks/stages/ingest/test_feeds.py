import pytest

from tasks.stages.ingest import ingest
from tasks.stages.ingest.titles import FALLBACK_NOTE
from tests.support.pages import ENCODINGS, TEXTS, build_feed

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Wire &amp; Co</title><link>https://wire.example/</link>
<item><title>don&amp;#x2019;t panic</title><link>https://wire.example/1</link>
<description>It&amp;#x2019;s &amp;quot;plain&amp;quot; text, no tags at all.</description></item>
<item><title>&lt;br /&gt;</title><link>https://wire.example/2</link>
<description><![CDATA[<p>First paragraph here.</p><script>alert("x")</script><style>p{color:red}</style>
<!-- a hidden comment --><p>Second paragraph.</p>]]></description></item>
<item><title>&lt;![CDATA[]]&gt;</title><link>https://wire.example/3</link>
<description>&lt;script&gt;var tracking = 1;&lt;/script&gt;Real text of the third item.</description></item>
<item><title><![CDATA[Headline with <b>bold</b> &amp; more | Wire & Co]]></title><link>https://wire.example/4</link>
<content:encoded><![CDATA[<h1>Headline with bold &amp; more</h1><p>Body &eacute;t&eacute; &#8212; here.</p>
<noscript>Enable JavaScript</noscript>]]></content:encoded></item>
</channel></rss>"""


@pytest.fixture
def articles(tmp_path):
    (tmp_path / "wire.xml").write_text(FEED, encoding="utf-8")
    return ingest([tmp_path / "wire.xml"]).articles


def test_entities_are_decoded_in_values_without_tags(articles):
    assert (articles[0].title, articles[0].body) == ("don’t panic", 'It’s "plain" text, no tags at all.')
    assert articles[0].outlet == "Wire & Co"


def test_scripts_styles_and_comments_never_become_text(articles):
    text = " ".join(a.title + " " + a.body for a in articles)
    for leak in ("alert", "tracking", "color:red", "hidden comment", "Enable JavaScript"):
        assert leak not in text
    assert articles[1].body == "First paragraph here.\n\nSecond paragraph."


def test_titles_that_are_only_markup_fall_back_to_the_first_sentence(articles):
    assert (articles[1].title, articles[2].title) == ("First paragraph here.", "Real text of the third item.")
    assert FALLBACK_NOTE in articles[1].notes and FALLBACK_NOTE in articles[2].notes


def test_markup_and_site_name_leave_the_title_and_the_body_does_not_repeat_it(articles):
    assert articles[3].title == "Headline with bold & more"
    assert articles[3].body == "Body été — here."


@pytest.mark.parametrize(("lang", "codec", "label"), ENCODINGS)
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_feeds_in_any_encoding_give_their_titles_and_text(tmp_path, lang, codec, label, declared):
    (tmp_path / "feed.xml").write_bytes(build_feed(lang, codec, label, declared))
    result = ingest([tmp_path / "feed.xml"])
    _, headline, paragraphs, _ = TEXTS[lang]
    assert [a.title for a in result.articles] == [f"{headline} 1", f"{headline} 2"]
    assert paragraphs[1] in result.articles[0].body and paragraphs[2] in result.articles[1].body
    assert all("\ufffd" not in a.title + a.body for a in result.articles)


def test_an_unclosed_tag_in_a_title_does_not_swallow_the_rest(tmp_path):
    from tasks.stages.ingest import inline_text

    assert inline_text("Bridge repairs <svg onload=alert(9)> finish early") == "Bridge repairs finish early"
    assert inline_text("Quiet <script>alert(1)</script>day") == "Quiet day"
