from urllib.parse import urlsplit

import pytest

from tasks.article import Article
from tasks.config import FetchConfig
from tasks.stages.fetch.http import fetch_source
from tasks.stages.fetch.sources import Source
from tasks.stages.ingest import IngestResult, InputReport
from tasks.storage.seen import SeenStore, normalise_url
from tasks.storage.store import Store
from tests.support.newsserver import NewsServer, Reply, news_site, page, wire_feed, wire_items

D1, D2, D3 = "2026-11-24", "2026-11-25", "2026-11-26"
CONFIG = FetchConfig(
    timeout=0.5, retries=0, backoff=0, max_bytes=1_000_000, allow_private_networks=["127.0.0.1/32"]
)


def article(
    body="Dockers stopped work on Monday.", url="https://example.com/a", source="wire#1", title="Strike"
):
    return Article(id=f"{source}:{hash(body)}", source=source, format="html", title=title, body=body, url=url)


@pytest.fixture
def seen(tmp_path):
    return SeenStore(Store(str(tmp_path / "store")))


def test_seen_on_a_later_day_update_when_the_text_changed_and_a_rerun_changes_nothing(seen):
    first = article()
    assert seen.classify(first, D1) == "new"
    seen.remember(first, D1)
    assert seen.classify(first, D1) == "new"  # a rerun of the day reports it again
    assert seen.classify(first, D2) == "seen"

    changed = article(body="Dockers stopped work on Monday; talks on Thursday.")
    assert seen.classify(changed, D2) == "update"
    seen.remember(changed, D2)
    assert seen.classify(changed, D2) == "update"  # still an update when day 2 is rerun
    assert seen.classify(changed, D3) == "seen"
    assert seen.classify(first, D3) == "update"  # the old text again is a change too
    assert seen.record(changed)["first"] == D1


def test_the_key_is_the_canonical_url_else_the_source(seen):
    seen.remember(article(), D1)
    same_page = article(url="HTTPS://Example.com:443/a?utm_source=rss#top", source="other-feed#9")
    assert seen.classify(same_page, D2) == "seen"
    spacing = article(body="Dockers  stopped work\non MONDAY.", url="https://example.com/a")
    assert seen.classify(spacing, D2) == "seen"  # the fingerprint ignores case and spacing
    assert seen.classify(article(url="https://example.com/b"), D2) == "new"

    seen.remember(article(url=None, source="wire#7"), D1)
    assert seen.classify(article(url=None, source="wire#7"), D2) == "seen"
    assert seen.classify(article(url=None, source="wire#8"), D2) == "new"
    assert normalise_url("http://EXAMPLE.com:8080/a?b=1&utm_medium=x") == "http://example.com:8080/a?b=1"


def test_apply_drops_seen_articles_and_labels_updates(seen):
    old, unchanged = article(), article(url="https://example.com/c", source="wire#3", body="Same text.")
    seen.remember(old, D1)
    seen.remember(unchanged, D1)
    updated = article(body="New text.")
    fresh = article(url="https://example.com/new", source="wire#2", body="Brand new.")
    report = [
        InputReport(source=a.source, status="included", article_id=a.id) for a in (updated, unchanged, fresh)
    ]
    report.append(InputReport(source="wire#4", status="rejected", reason="HTTP 500"))
    result = seen.apply(IngestResult([updated, unchanged, fresh], report), D2)

    assert [a.id for a in result.articles] == [updated.id, fresh.id]
    statuses = [(r.source, r.status, r.reason) for r in result.report]
    assert statuses == [
        ("wire#1", "included", f"update of article {old.id}, first reported on {D1}"),
        ("wire#3", "seen", f"already reported on {D1}"),
        ("wire#2", "included", ""),
        ("wire#4", "rejected", "HTTP 500"),
    ]
    assert result.report[0].notes == ["update"]


def test_incremental_runs_across_two_dates_over_http(tmp_path):
    store = Store(str(tmp_path / "store"))
    with NewsServer() as site:
        news_site(site)
        live = site.url("/live/sequia.html")
        site.routes["/live/sequia.html"] = Reply(
            body=page(
                "es", "Directo: la sequía", ["Los embalses siguen al 23 %.", "Sin lluvia a la vista."], live
            ),
            etag='"live-1"',
        )
        sources = [
            Source(kind="feed", url=site.url("/rss.xml"), name="Wire"),
            Source(kind="page", url=live, name="Directo"),
        ]

        def run(date):
            site.reset_log()
            seen = SeenStore(store)
            results = [seen.apply(fetch_source(s, store, CONFIG, date), date) for s in sources]
            articles = [a for r in results for a in r.articles]
            report = {line.source: line for r in results for line in r.report}
            return articles, report, sorted(urlsplit(h.path).path for h in site.hits)

        day1, report1, _ = run(D1)
        assert len(day1) == 5 and all(line.status == "included" for line in report1.values())
        rerun, _, hits = run(D1)
        assert hits == ["/live/sequia.html", "/rss.xml"]  # two 304s
        assert {a.id for a in rerun} == {a.id for a in day1}  # an Airflow retry or a rerun loses nothing

        # Day 2: a new item, the French article rewritten (the feed says so), the live page changed.
        items = wire_items(site.base)
        fr = items[0]
        items[0] = (*fr[:4], "Tue, 24 Nov 2026 12:00:00 GMT")
        fr_page = site.routes["/fr/greve-port.html"]
        fr_page.body = fr_page.body.replace(b"jeudi", b"mercredi")
        bridge = (
            "wire-bridge",
            site.url("/en/bridge.html"),
            "Bridge",
            "Bridge.",
            "Tue, 24 Nov 2026 06:00:00 GMT",
        )
        site.routes["/rss.xml"] = wire_feed(site.base, [bridge, *items], '"rss-v2"')
        site.routes["/live/sequia.html"].body = site.routes["/live/sequia.html"].body.replace(
            b"siguen al 23", b"siguen al 21"
        )
        site.routes["/live/sequia.html"].etag = '"live-2"'

        day2, report2, hits = run(D2)
        # Nothing fetched twice: the feed, the new item, the changed item, the changed page.
        assert hits == ["/en/bridge.html", "/fr/greve-port.html", "/live/sequia.html", "/rss.xml"]
        statuses = {source: line.status for source, line in report2.items()}
        assert statuses == {
            "wire#wire-bridge": "included",
            "wire#wire-fr": "included",
            "wire#wire-de": "seen",
            "wire#wire-es": "seen",
            "wire#wire-en": "seen",
            f"directo#{live}": "included",
        }
        old_fr = next(a for a in day1 if a.source == "wire#wire-fr")
        assert report2["wire#wire-fr"].reason == f"update of article {old_fr.id}, first reported on {D1}"
        assert report2[f"directo#{live}"].notes == ["update"]
        assert report2["wire#wire-de"].reason == f"already reported on {D1}"
        assert sorted(a.source for a in day2) == ["directo#" + live, "wire#wire-bridge", "wire#wire-fr"]
        assert "mercredi" in next(a for a in day2 if a.source == "wire#wire-fr").body
        assert {a.lang_hint for a in day2} == {"en", "fr", "es"}

        rerun2, report2b, hits = run(D2)
        assert hits == ["/live/sequia.html", "/rss.xml"]
        assert sorted(a.id for a in rerun2) == sorted(a.id for a in day2)
        assert report2b["wire#wire-fr"].notes == ["update"]

        day3, report3, hits = run(D3)
        assert day3 == [] and hits == ["/live/sequia.html", "/rss.xml"]
        assert [line.status for line in report3.values()] == ["seen", "seen"]


def test_an_on_demand_run_reads_the_seen_store_but_never_changes_what_a_daily_run_reports(tmp_path):
    store = Store(str(tmp_path / "store"))
    with NewsServer() as site:
        news_site(site)
        source = Source(kind="feed", url=site.url("/rss.xml"), name="Wire")
        on_demand = CONFIG.model_copy(update={"record_seen": False})

        def run(date, config, record=True):
            result = SeenStore(store, record=record).apply(fetch_source(source, store, config, date), date)
            return {line.source: line.status for line in result.report}

        # An editor's run, and one back-dated a week: both see all four articles...
        assert set(run(D2, on_demand, record=False).values()) == {"included"}
        assert set(run("2026-11-18", on_demand, record=False).values()) == {"included"}
        assert store.keys("seen") == [] and not store.exists(f"http/{source.id}.json")
        # ...and the daily runs after them still report every one of them, then remember them.
        site.reset_log()
        daily = run(D2, CONFIG)
        assert list(daily.values()) == ["included"] * 4
        assert [h.status for h in site.hits if h.path == "/rss.xml"] == [200]  # no 304 from their state
        assert set(run(D3, CONFIG).values()) == {"seen"}
        # An on-demand run after the daily one reads what it reported.
        assert set(run(D3, on_demand, record=False).values()) == {"seen"}
