import json

import pytest

from tasks.ingest import expand_inputs, ingest

from ..conftest import SEEDS


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


def test_invalid_utf8_is_decoded_with_a_note(tmp_path):
    (tmp_path / "latin1.txt").write_bytes(
        "Titre\n\nLe caf\xe9 est ouvert et tout va bien ici.".encode("latin-1")
    )
    (article,) = ingest([tmp_path]).articles
    assert "\ufffd" in article.body
    assert "invalid UTF-8 replaced with U+FFFD" in article.notes


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
