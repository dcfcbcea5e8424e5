import time
from pathlib import Path

import pytest

from tasks.config import FetchConfig
from tasks.stages.fetch.http import fetch_source
from tasks.stages.fetch.sources import Source
from tasks.storage.store import Store
from tests.support.newsserver import PAGES, SLUGS, NewsServer, Reply, news_site, wire_feed, wire_items

CONFIG = FetchConfig(
    timeout=0.3,
    deadline=5,
    retries=1,
    backoff=0.01,
    max_bytes=1_000_000,
    max_redirects=3,
    user_agent="briefing-test/1",
    allow_private_networks=["127.0.0.1/32"],  # the test site; every other private address stays refused
)
DAY1, DAY2 = "2026-11-24", "2026-11-25"


@pytest.fixture
def site():
    with NewsServer() as server:
        news_site(server)
        yield server


@pytest.fixture
def store(tmp_path):
    return Store(str(tmp_path / "store"))


def feed(server, path, **kw):
    return Source(kind="feed", url=server.url(path), **kw)


def lines(result):
    return {r.source: r for r in result.report}


def test_feed_items_are_followed_to_pages_in_four_languages(site, store):
    result = fetch_source(feed(site, "/rss.xml", name="Example Wire"), store, CONFIG, DAY1)

    assert [r.status for r in result.report] == ["included"] * 4
    assert [r.source for r in result.report] == [f"example-wire#wire-{lang}" for lang in PAGES]
    by_lang = {a.lang_hint: a for a in result.articles}
    assert set(by_lang) == {"fr", "de", "es", "en"}  # the page's language, not the feed's `en`
    fr = by_lang["fr"]
    assert fr.title == PAGES["fr"][0]
    assert fr.body.split("\n\n") == PAGES["fr"][1]  # the page text, not the feed summary
    assert "Home" not in fr.body and "Cookies" not in fr.body
    assert fr.url == site.url("/fr/greve-port.html")  # canonical: tracking query gone
    assert fr.published == "2026-11-23T07:00:00+00:00"
    assert fr.author == "Wire Desk"
    assert (fr.format, fr.outlet) == ("html", "Example Wire")  # the page names no site: the feed's title
    assert all(site.hits[i].headers["user-agent"] == "briefing-test/1" for i in range(len(site.hits)))
    assert len(site.hits) == 5


def test_an_unchanged_feed_costs_one_304_and_a_rerun_of_the_day_loses_nothing(site, store):
    source = feed(site, "/rss.xml")
    first = fetch_source(source, store, CONFIG, DAY1)
    site.reset_log()

    rerun = fetch_source(source, store, CONFIG, DAY1)
    assert [(h.path, h.status) for h in site.hits] == [("/rss.xml", 304)]
    assert site.hits[0].headers["if-none-match"] == '"rss-v1"'
    assert [a.id for a in rerun.articles] == [a.id for a in first.articles]

    site.reset_log()
    next_day = fetch_source(source, store, CONFIG, DAY2)
    assert [(h.path, h.status) for h in site.hits] == [("/rss.xml", 304)]
    assert next_day.articles == []
    (line,) = next_day.report
    assert (line.source, line.status) == (source.id, "seen")
    assert line.reason == f"not modified since {DAY1} (HTTP 304)"


def test_a_changed_feed_fetches_only_its_new_and_changed_items(site, store):
    source = feed(site, "/rss.xml")
    first = fetch_source(source, store, CONFIG, DAY1)
    site.routes["/rss.xml"].etag = '"rss-v2"'  # same items, new validator: items must not be refetched
    site.reset_log()

    second = fetch_source(source, store, CONFIG, DAY2)
    assert [(h.path, h.status) for h in site.hits] == [("/rss.xml", 200)]
    assert second.articles == first.articles

    bridge = (
        "wire-bridge",
        site.url("/en/bridge.html"),
        "Bridge",
        "Bridge.",
        "Tue, 24 Nov 2026 06:00:00 GMT",
    )
    site.routes["/rss.xml"] = wire_feed(site.base, [bridge, *wire_items(site.base)], '"rss-v3"')
    site.reset_log()
    third = fetch_source(source, store, CONFIG, DAY2)
    assert sorted(h.path for h in site.hits) == ["/en/bridge.html", "/rss.xml"]
    assert len(third.articles) == 5


def test_failing_items_fall_back_to_the_summary_or_are_rejected_and_retried_next_run(site, store):
    source = feed(site, "/atom.xml", name="Atom")
    result = fetch_source(source, store, CONFIG, DAY1)
    report = lines(result)
    assert len(report) == 6 and len(result.articles) == 5

    bridge = next(a for a in result.articles if a.source == "atom#urn:bridge")
    assert bridge.url == site.url("/en/bridge.html") and bridge.format == "html"
    assert bridge.published == "2026-11-24T06:00:00+00:00"

    def fallback(key):
        line = report[f"atom#{key}"]
        assert line.status == "included"
        article = next(a for a in result.articles if a.id == line.article_id)
        assert article.format == "feed" and article.body.endswith("summary is the text.")
        (note,) = line.notes
        assert note.startswith("text from feed summary: ")
        return note

    assert "redirect loop" in fallback("urn:loop") and "/loop-a -> " in fallback("urn:loop")
    assert "read timeout after 0.3 s (2 attempts)" in fallback("urn:slow")
    assert "over the 1,000,000-byte limit" in fallback("urn:big")
    assert "only http and https" in fallback("urn:ftp")
    broken = report["atom#urn:error"]
    assert broken.status == "rejected"
    assert broken.reason == (
        "page not used: HTTP 500 Internal Server Error (2 attempts); no feed summary to fall back on"
    )
    assert site.count("/error") == 2 and site.count("/slow") == 2 and site.count("/loop-a") == 1

    # The failed item is retried next run: the feed comes in full (no validators kept), and only
    # the item that failed is fetched again.
    site.reset_log()
    site.routes["/error"] = site.routes["/en/bridge.html"]
    again = fetch_source(source, store, CONFIG, DAY2)
    assert "if-modified-since" not in site.hits[0].headers
    assert sorted(h.path for h in site.hits) == ["/atom.xml", "/error"]
    assert lines(again)["atom#urn:error"].status == "included"
    assert len(again.articles) == 6

    site.reset_log()
    fetch_source(source, store, CONFIG, DAY2)
    assert [(h.path, h.status) for h in site.hits] == [("/atom.xml", 304)]


@pytest.mark.parametrize(
    ("path", "reason", "requests"),
    [
        ("/error", "HTTP 500 Internal Server Error (2 attempts)", 2),
        ("/missing.xml", "HTTP 404 Not Found", 1),
        ("/slow", "read timeout after 0.3 s (2 attempts)", 2),
        ("/big", "response of 10,485,760 bytes is over the 1,000,000-byte limit", 1),
        ("/big-stream", "response over the 1,000,000-byte limit", 1),
        ("/not-a-feed.html", "not a readable feed", 1),
        ("/loop-a", "redirect loop: {base}/loop-a -> {base}/loop-b -> {base}/loop-a", 1),
        ("/to-ftp", "redirected to a URL that is not fetched: only http and https", 1),
    ],
)
def test_a_failing_source_is_one_rejected_line_and_never_an_exception(site, store, path, reason, requests):
    source = feed(site, path)
    result = fetch_source(source, store, CONFIG, DAY1)
    assert result.articles == []
    (line,) = result.report
    assert (line.source, line.status) == (source.id, "rejected")
    assert line.reason.startswith(reason.format(base=site.base)), line.reason
    assert site.count(path) == requests
    assert not store.exists(f"http/{source.id}.json")  # nothing remembered: the next run tries again


def test_a_response_that_trickles_in_is_cut_at_the_deadline(site, store):
    site.routes["/trickle.xml"] = Reply(size=65536 * 10, pause=0.1)
    config = CONFIG.model_copy(update={"deadline": 0.35, "retries": 0})
    started = time.monotonic()
    result = fetch_source(feed(site, "/trickle.xml"), store, config, DAY1)
    assert result.report[0].reason == "response took longer than 0.35 s"
    assert time.monotonic() - started < 1.0


def test_too_many_redirects(site, store):
    for i in range(5):
        site.routes[f"/hop{i}"] = Reply(302, headers={"Location": f"/hop{i + 1}"})
    result = fetch_source(feed(site, "/hop0"), store, CONFIG, DAY1)
    assert result.report[0].reason.startswith("more than 3 redirects")
    assert site.count("/hop4") == 0


def test_a_page_source_is_fetched_once_and_then_not_modified(site, store):
    site.routes["/de/strassenbahn.html"].etag = '"tram-1"'
    source = Source(kind="page", url=site.url("/de/strassenbahn.html"), lang="de", tags=("germany",))
    (article,) = fetch_source(source, store, CONFIG, DAY1).articles
    assert article.source == f"{source.id}#{source.url}"
    assert (article.title, article.lang_hint, article.author) == (PAGES["de"][0], "de", "Staff reporter")
    site.reset_log()
    second = fetch_source(source, store, CONFIG, DAY2)
    assert [(h.path, h.status) for h in site.hits] == [("/de/strassenbahn.html", 304)]
    assert second.articles == [] and second.report[0].status == "seen"


def test_the_item_limit_and_the_per_host_concurrency_limit(site, store):
    for lang in PAGES:
        site.routes[f"/{lang}/{SLUGS[lang]}.html"].delay = 0.15
    config = CONFIG.model_copy(update={"per_host_concurrency": 2})
    started = time.monotonic()
    result = fetch_source(feed(site, "/rss.xml", limit=3), store, config, DAY1)
    elapsed = time.monotonic() - started
    assert [r.status for r in result.report] == ["included", "included", "included", "rejected"]
    # Items past the limit are one line for the source, not one per item (a feed may hold 100,000).
    assert result.report[3].reason == "1 more item beyond the source's limit of 3 items"
    assert result.report[3].source == feed(site, "/rss.xml", limit=3).id
    assert site.count("/en/library-reopens.html") == 0
    assert site.max_in_flight == 2  # pages in parallel, but never more than two at once on one host
    assert elapsed >= 0.3  # three pages, two at a time: at least two rounds


SECRET = "ami-0secret-instance-credentials"


@pytest.fixture
def inside():
    """A second server on another loopback address, which is not on the allow-list: an internal host."""
    with NewsServer("127.0.0.2") as server:
        server.routes["/latest/meta-data/"] = Reply(
            body=f"<html><body><h1>Metadata</h1><p>{SECRET} {SECRET}</p><p>{SECRET}</p></body></html>".encode()
        )
        yield server


def test_item_links_into_a_network_not_allowed_are_refused_even_when_the_feed_is_allowed(site, inside, store):
    secret_path = f"{inside.port}/latest/meta-data/"
    site.routes["/to-inside"] = Reply(302, headers={"Location": f"http://127.0.0.2:{secret_path}"})
    items = [
        (
            "direct",
            f"http://127.0.0.2:{secret_path}",
            "Direct",
            "Direct summary.",
            "Mon, 23 Nov 2026 07:00:00 GMT",
        ),
        (
            "redirect",
            site.url("/to-inside"),
            "Redirect",
            "Redirect summary.",
            "Mon, 23 Nov 2026 07:00:00 GMT",
        ),
        (
            "mapped",
            f"http://[::ffff:127.0.0.2]:{secret_path}",
            "Mapped",
            "Mapped.",
            "Mon, 23 Nov 2026 07:00:00 GMT",
        ),
        *wire_items(site.base)[:1],
    ]
    site.routes["/mixed.xml"] = wire_feed(site.base, items, '"mixed"')

    result = fetch_source(feed(site, "/mixed.xml", name="Mixed"), store, CONFIG, DAY1)

    report = lines(result)
    for key, why in (
        ("direct", "127.0.0.2 is a loopback address"),
        ("redirect", f"redirected to http://127.0.0.2:{secret_path}: 127.0.0.2 is a loopback address"),
        ("mapped", "::ffff:127.0.0.2 is a loopback address (it reaches 127.0.0.2)"),
    ):
        line = report[f"mixed#{key}"]
        assert line.status == "rejected" and line.reason.startswith(f"refused: {why}"), line.reason
        assert "fetch.allow_private_networks" in line.reason
    assert report["mixed#wire-fr"].status == "included"  # the run goes on
    assert inside.hits == []  # nothing ever reached the internal host
    assert site.count("/to-inside") == 1
    assert not any(SECRET in a.body or SECRET in a.title for a in result.articles)
    stored = [p.read_text() for p in Path(store.root).rglob("*") if p.is_file()]
    assert stored and not any(SECRET in text for text in stored)


def test_a_source_on_a_private_address_is_refused_unless_its_network_is_allowed(site, store):
    source = feed(site, "/rss.xml")
    refused = fetch_source(source, store, FetchConfig(retries=0), DAY1)
    (line,) = refused.report
    assert line.status == "rejected"
    assert line.reason.startswith("refused: 127.0.0.1 is a loopback address; not fetched")
    assert site.hits == []
    allowed = FetchConfig(retries=0, allow_private_networks=["127.0.0.0/30"])
    assert len(fetch_source(source, store, allowed, DAY1).articles) == 4


def test_processing_stops_at_the_limit_and_repeated_items_are_one(site, store, monkeypatch):
    import tasks.stages.fetch.http as http

    items = [(f"item-{i}", "", f"Title {i}", f"Summary number {i}.", "") for i in range(200)]
    site.routes["/many.xml"] = wire_feed(site.base, items + items[:50], '"many"')
    texts = []
    real = http.entry_text
    monkeypatch.setattr(http, "entry_text", lambda entry: texts.append(entry) or real(entry))

    result = fetch_source(feed(site, "/many.xml", name="Many", limit=5), store, CONFIG, DAY1)
    assert [r.source for r in result.report[:5]] == [f"many#item-{i}" for i in range(5)]
    assert result.report[5].reason == "195 more items beyond the source's limit of 5 items"
    assert len(result.report) == 6
    assert (
        len(texts) <= 10
    )  # the text of items past the limit is never extracted (5 fingerprints, 5 summaries)


def test_a_feed_with_more_items_than_are_parsed_is_rejected_unparsed(site, store, monkeypatch):
    import tasks.stages.fetch.http as http

    entry = '<rss:item rdf:about="x"><rss:title>t</rss:title></rss:item>'
    body = f'<?xml version="1.0"?><rdf:RDF xmlns:rdf="r" xmlns:rss="s">{entry * 60}</rdf:RDF>'
    site.routes["/huge.rdf"] = Reply(body=body.encode(), content_type="application/rdf+xml")
    monkeypatch.setattr(http, "parse_feed", lambda *a: pytest.fail("parsed"))
    result = fetch_source(
        feed(site, "/huge.rdf"), store, CONFIG.model_copy(update={"max_feed_entries": 50}), DAY1
    )
    (line,) = result.report
    assert line.reason == "feed of 60 items, more than the 50 parsed (fetch.max_feed_entries)"


def test_pages_and_feeds_are_decoded_by_their_http_charset_or_by_detection(site, store):
    from tests.support.pages import TEXTS, build_feed, build_page

    polish = build_page("pl", "cp1250", "windows-1250", "none")  # charset only in the HTTP header
    site.routes["/pl.html"] = Reply(body=polish.data, content_type="text/html; charset=windows-1250")
    site.routes["/text-xml.rss"] = Reply(
        body=build_feed("ru", "koi8-r", "koi8-r", False), content_type="text/xml"
    )
    page = fetch_source(Source(kind="page", url=site.url("/pl.html")), store, CONFIG, DAY1)
    (article,) = page.articles
    assert article.title == polish.headline and polish.paragraphs[0] in article.body
    assert page.report[0].notes == []  # declared in HTTP: nothing to say
    site.routes["/pl-guess.html"] = Reply(body=polish.data, content_type="text/html")
    guessed = fetch_source(Source(kind="page", url=site.url("/pl-guess.html")), store, CONFIG, DAY1)
    assert guessed.articles[0].body == article.body
    assert guessed.report[0].notes == ["encoding detected as cp1250"]
    # A feed served as text/xml without a charset (which feedparser would read as US-ASCII): detected.
    items = fetch_source(feed(site, "/text-xml.rss"), store, CONFIG, DAY1)
    _, headline, paragraphs, _ = TEXTS["ru"]
    assert [a.title for a in items.articles] == [f"{headline} 1", f"{headline} 2"]
    assert paragraphs[1] in items.articles[0].body
    assert all("\ufffd" not in a.body for a in items.articles)
