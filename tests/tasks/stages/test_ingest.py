import json

import pytest

from tasks.stages.ingest import expand_inputs, ingest
from tests.conftest import SEEDS


def _by_source(result):
    return {r.source: r for r in result.report}


def test_every_seed_file_and_feed_item_is_accounted_for():
    result = ingest([SEEDS])
    files = {name for _, name in expand_inputs([SEEDS])}
    sources = {r.source.split("#")[0] for r in result.report}
    assert files == sources
    assert all(r.status in ("included", "duplicate") for r in result.report), result.report
    assert len(result.articles) == sum(r.status == "included" for r in result.report)
    assert {a.format for a in result.articles} >= {"txt", "html", "json", "feed"}


def test_ids_are_stable_across_runs_and_differ_between_articles():
    first, second = ingest([SEEDS]), ingest([SEEDS])
    assert [a.id for a in first.articles] == [a.id for a in second.articles]
    assert len({a.id for a in first.articles}) == len(first.articles)


def test_html_keeps_the_article_and_its_metadata_and_drops_the_chrome(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<html lang="de"><head><title>Raketen auf Bagdad</title>'
        '<meta property="og:site_name" content="Beispiel Zeitung">'
        '<link rel="canonical" href="https://example.de/raketen"></head><body>'
        "<nav>Startseite Politik Sport Kultur Impressum</nav><article><h1>Raketen auf Bagdad</h1>"
        "<p>Die grüne Zone in Bagdad ist am Sonntag von zwei Raketen getroffen worden, teilte das Militär mit.</p>"
        "<p>Eine der Raketen wurde von der Luftabwehr abgefangen, die zweite beschädigte zwei Fahrzeuge.</p>"
        "</article><footer>Cookie-Einstellungen Datenschutz</footer></body></html>"
    )
    (article,) = ingest([page]).articles
    assert article.title == "Raketen auf Bagdad"
    assert article.body.count("\n\n") == 1
    assert "Startseite" not in article.body and "Cookie" not in article.body
    assert (article.lang_hint, article.url, article.outlet) == (
        "de",
        "https://example.de/raketen",
        "Beispiel Zeitung",
    )


def test_json_list_rejects_only_the_bad_record(tmp_path):
    path = tmp_path / "records.json"
    path.write_text(
        json.dumps([{"title": "A", "text": "Alpha text."}, {"title": "No text"}, ["not", "object"]])
    )
    result = ingest([path])
    assert [a.title for a in result.articles] == ["A"]
    statuses = [(r.source, r.status) for r in result.report]
    assert statuses == [
        ("records.json#0", "included"),
        ("records.json#1", "rejected"),
        ("records.json#2", "rejected"),
    ]
    assert "without a text" in result.report[1].reason


def test_feed_items_become_articles_with_notes_for_missing_fields(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><language>fr</language>'
        "<item><title>Un</title><link>https://example.fr/1</link><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate>"
        "<description>&lt;p&gt;Premier paragraphe.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;</description></item>"
        "<item><title>Deux</title><description>Sans lien ni date.</description></item>"
        "<item><title>Vide</title><link>https://example.fr/3</link></item>"
        "</channel></rss>"
    )
    result = ingest([feed])
    first, second = result.articles
    assert first.body == "Premier paragraphe.\n\nSecond."
    assert (first.lang_hint, first.outlet, first.url) == ("fr", "Wire", "https://example.fr/1")
    assert set(second.notes) == {"feed item without link", "feed item without date"}
    assert [r.status for r in result.report] == ["included", "included", "rejected"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"   \n\n  ", "empty file"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
        ("broken.json", b'{"title": "x", ', "malformed JSON"),
        ("notafeed.xml", b"this is not xml at all", "not a readable feed"),
        ("nothing.html", b"<html><body><nav>Home</nav></body></html>", "no extractable text"),
        ("slides.pptx", b"PK\x03\x04", "unsupported file type"),
        ("headline-only.txt", b"Just a headline\n", "no body"),
    ],
)
def test_bad_inputs_are_rejected_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("Headline\n\nA body paragraph.")
    result = ingest([tmp_path])
    report = _by_source(result)
    assert report[f"{tmp_path.name}/{name}"].status == "rejected"
    assert reason in report[f"{tmp_path.name}/{name}"].reason
    assert report[f"{tmp_path.name}/good.txt"].status == "included"


def test_oversized_input_is_rejected_by_the_configured_limit(tmp_path):
    (tmp_path / "big.txt").write_text("Headline\n\n" + "word " * 1000)
    (report,) = ingest([tmp_path / "big.txt"], max_bytes=1000).report
    assert report.status == "rejected" and "limit" in report.reason


def test_legacy_text_is_decoded_by_detection_with_a_note(tmp_path):
    (tmp_path / "latin1.txt").write_bytes(
        "Titre\n\nLe caf\xe9 est ouvert et tout va bien ici.".encode("latin-1")
    )
    (article,) = ingest([tmp_path]).articles
    assert article.body == "Le caf\xe9 est ouvert et tout va bien ici."
    assert any(note.startswith("encoding detected as") for note in article.notes)


def test_broken_utf8_is_replaced_only_where_broken_with_a_note(tmp_path):
    text = "Titre\n\n" + "Ça marche très bien, déjà vu à Noël. " * 20
    (tmp_path / "broken.txt").write_bytes(text.encode("utf-8") + b"\xff fin.")
    (article,) = ingest([tmp_path]).articles
    assert article.body.count("\ufffd") == 1 and "très bien, déjà vu à Noël" in article.body
    assert any("replaced with U+FFFD" in note for note in article.notes)


def test_duplicate_files_are_reported_against_the_first(tmp_path):
    (tmp_path / "a.txt").write_text("Headline\n\nSame body.")
    (tmp_path / "b.txt").write_text("Headline\n\n  Same   body.\n")
    result = ingest([tmp_path])
    first, second = result.report
    assert (first.status, second.status) == ("included", "duplicate")
    assert second.duplicate_of == first.article_id


def test_missing_input_is_rejected_not_raised(tmp_path):
    (report,) = ingest([tmp_path / "missing.txt"]).report
    assert (report.status, report.reason) == ("rejected", "no such file")


def test_a_link_out_of_an_input_folder_is_rejected(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("Secret\n\nNot for the digest.")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "ok.txt").write_text("Headline\n\nA body.")
    result = ingest([folder])
    assert [a.title for a in result.articles] == ["Headline"]
    assert _by_source(result)["inputs/leak.txt"].reason == "link to a file outside the input folder"


def test_a_20_mb_article_is_rejected_by_the_default_limit(tmp_path):
    from tasks.config import load_config
    from tasks.pipeline import open_run, run_ingest

    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "huge.txt").write_text("Headline\n\n" + "word " * 4_000_000)
    (folder / "ok.txt").write_text("Headline\n\nA body paragraph.")
    config = load_config(overrides={"input": [str(folder)], "out": str(tmp_path / "out")})
    run = open_run(config, "2026-11-24")
    assert run_ingest(run) == [0]
    report = {line["source"]: line for line in run.store.get_json("ingest.json")}
    assert report["inputs/huge.txt"]["status"] == "rejected"
    assert report["inputs/huge.txt"]["reason"] == "file is 20,000,010 bytes, over the 5,000,000-byte limit"
    assert report["inputs/ok.txt"]["status"] == "included"
    assert run.store.article_ids("ingest") == [report["inputs/ok.txt"]["article_id"]]


def test_a_bozo_feed_with_readable_items_keeps_them_with_a_note(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire & Co</title>'
        b"<item><title>Un</title><link>https://example.fr/1</link><description>Premier texte.</description></item>"
        b"<item><title>Deux</title><link>https://example.fr/2</link><description>Second texte.</description></item>"
        b"</channel>"  # unescaped `&` and no closing </rss>: feedparser marks it bozo and recovers the items
    )
    result = ingest([feed])
    assert [a.title for a in result.articles] == ["Un", "Deux"]
    assert [r.status for r in result.report] == ["included", "included"]
    assert all("feed is not well-formed XML; items recovered" in r.notes for r in result.report)
    assert result.articles[0].outlet == "Wire & Co"


def test_a_feed_that_trips_feedparser_is_rejected_not_raised(tmp_path):
    (tmp_path / "junk.xml").write_bytes(b"<rss><a<&#xD800;</rss>")
    (tmp_path / "good.txt").write_text("Headline\n\nA body paragraph.")
    report = _by_source(ingest([tmp_path]))
    assert report[f"{tmp_path.name}/junk.xml"].status == "rejected"
    assert "not a readable feed" in report[f"{tmp_path.name}/junk.xml"].reason
    assert report[f"{tmp_path.name}/good.txt"].status == "included"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[" * 5000, "malformed JSON: nested too deeply"),
        ('{"text": "x", "extra": ' + "[" * 5000 + "]" * 5000 + "}", "malformed JSON: nested too deeply"),
        ('{"title": "Only markup", "text": "<p> </p><p><script>x()</script></p>"}', "only markup"),
    ],
)
def test_json_too_deep_or_without_text_is_rejected(tmp_path, content, reason):
    (tmp_path / "bad.json").write_text(content)
    (report,) = ingest([tmp_path / "bad.json"]).report
    assert report.status == "rejected" and reason in report.reason


def test_json_escapes_utf8_cannot_encode_are_replaced_not_raised(tmp_path):
    from tasks.article import to_json

    (tmp_path / "s.json").write_text('{"title": "Caf\\ud800", "text": "<p>Un\\u001f texte \\udfff ici.</p>"}')
    (article,) = ingest([tmp_path / "s.json"]).articles
    assert (article.title, article.body) == ("Caf\ufffd", "Un texte \ufffd ici.")
    assert "\ufffd" in to_json(article).encode("utf-8").decode("utf-8")  # the run store can write it


def test_a_missing_path_is_reported_by_the_path_given(tmp_path):
    missing = tmp_path / "typo" / "nope.txt"
    result = ingest([missing])
    assert [(r.source, r.status, r.reason) for r in result.report] == [
        (str(missing), "rejected", "no such file")
    ]


def test_no_article_at_all_names_every_path_given(tmp_path):
    from tasks.stages.ingest import NoArticles, require_articles

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    paths = [tmp_path / "nope", empty]
    with pytest.raises(NoArticles) as refused:
        require_articles(ingest(paths), paths)
    message = str(refused.value)
    assert str(tmp_path / "nope") in message and str(empty) in message and "empty file" in message
    assert require_articles(ingest([SEEDS]), [SEEDS]).articles  # articles: nothing to say


def test_an_undated_input_is_received_at_its_file_time_never_after_the_run_date(tmp_path):
    import datetime as dt
    import os

    path = tmp_path / "a.txt"
    path.write_text("Headline\n\nBody text of the article.")
    stamp = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    (article,) = ingest([path], default_date="2026-11-24").articles
    assert article.published is None and article.received == "2026-11-23T07:30:00+00:00"
    (later,) = ingest([path], default_date="2026-11-20").articles  # a backdated run
    assert later.received == "2026-11-20T23:59:59+00:00"
    dated = tmp_path / "b.json"
    dated.write_text(json.dumps({"title": "T", "text": "Body text.", "published": "2026-11-01"}))
    (article,) = ingest([dated], default_date="2026-11-24").articles
    assert article.published == "2026-11-01" and article.received is None


def test_excluded_folders_inside_an_input_are_not_read(tmp_path):
    (tmp_path / "a.txt").write_text("Headline\n\nBody.")
    (tmp_path / "out" / "2026-11-24").mkdir(parents=True)
    (tmp_path / "out" / "2026-11-24" / "digest.txt").write_text("BRIEFING\n\nOld digest.")
    names = [name for _, name in expand_inputs([tmp_path], exclude=[tmp_path / "out"])]
    assert names == [f"{tmp_path.name}/a.txt"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-8-sig"])
def test_text_and_json_files_with_a_bom_are_text(tmp_path, codec):
    (tmp_path / "story.txt").write_bytes("Überschrift\n\nTexte en français, 日本語も.".encode(codec))
    (tmp_path / "story.json").write_bytes(json.dumps({"title": "Заголовок", "text": "Текст."}).encode(codec))
    result = ingest([tmp_path])
    assert [(a.title, a.body) for a in result.articles] == [
        ("Заголовок", "Текст."),
        ("Überschrift", "Texte en français, 日本語も."),
    ]


def test_text_and_json_bodies_do_not_repeat_their_headline(tmp_path):
    (tmp_path / "a.txt").write_text("Storm hits coast\n\nStorm hits coast\n\nThe storm arrived at noon.")
    (tmp_path / "b.json").write_text(
        json.dumps(
            {"title": "Rates rise | Wire", "outlet": "Wire", "text": "<p>Rates rise</p><p>Banks moved.</p>"}
        )
    )
    articles = {a.format: a for a in ingest([tmp_path]).articles}
    assert (articles["txt"].title, articles["txt"].body) == ("Storm hits coast", "The storm arrived at noon.")
    assert (articles["json"].title, articles["json"].body) == ("Rates rise", "Banks moved.")
