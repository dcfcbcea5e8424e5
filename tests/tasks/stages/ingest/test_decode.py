import codecs

import pytest

from tasks.stages.ingest.decode import codec_name, decode_bytes
from tests.support.pages import DECLARATIONS, ENCODINGS, build_feed, build_page

PAGES = [(lang, codec, label, declared) for lang, codec, label in ENCODINGS for declared in DECLARATIONS]


@pytest.mark.parametrize(("lang", "codec", "label", "declared"), PAGES)
def test_pages_in_every_encoding_decode_to_their_text(lang, codec, label, declared):
    page = build_page(lang, codec, label, declared)
    decoded = decode_bytes(page.data, markup="html")
    assert "\ufffd" not in decoded.text
    for paragraph in page.paragraphs:
        assert paragraph in decoded.text.replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize(("lang", "codec", "label"), ENCODINGS)
@pytest.mark.parametrize("declared", [True, False])
def test_feeds_with_and_without_a_declared_encoding_decode(lang, codec, label, declared):
    decoded = decode_bytes(build_feed(lang, codec, label, declared), markup="xml")
    assert "\ufffd" not in decoded.text
    assert build_page(lang, codec, label, "none").headline in decoded.text


def test_the_http_charset_wins_over_the_page_and_a_bom_over_both():
    text = "<html><head><meta charset='windows-1251'></head><body>Żółć gęślą jaźń</body></html>"
    data = text.encode("iso-8859-2")
    assert (
        "Żółć gęślą jaźń"
        in decode_bytes(data, content_type="text/html; charset=ISO-8859-2", markup="html").text
    )
    bom = codecs.BOM_UTF8 + text.encode("utf-8")
    decoded = decode_bytes(bom, content_type="text/html; charset=koi8-r", markup="html")
    assert ("Żółć gęślą jaźń" in decoded.text, decoded.how) == (True, "bom")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_or_without_a_bom_are_text(codec):
    text = "<?xml version='1.0'?><rss><channel><title>Ünïcödé 漢字 текст</title></channel></rss>"
    decoded = decode_bytes(text.encode(codec), markup="xml")
    assert "Ünïcödé 漢字 текст" in decoded.text and "\x00" not in decoded.text


def test_a_legacy_label_on_utf8_bytes_is_read_as_utf8_with_a_note():
    data = "<meta charset='iso-8859-1'><p>Grüße aus Köln — schön, dass es klappt.</p>".encode()
    decoded = decode_bytes(data, markup="html")
    assert "Grüße aus Köln — schön" in decoded.text
    assert decoded.notes == ["declared iso-8859-1 (meta) but the bytes are UTF-8; read as UTF-8"]


def test_broken_bytes_in_a_declared_encoding_are_the_only_replacements_and_a_note_says_so():
    data = "<meta charset='utf-8'><p>Ça coûte très cher à Noël, déjà.</p>".encode() * 5 + b"<p>\xff\xfe!</p>"
    decoded = decode_bytes(data, markup="html")
    assert decoded.text.count("\ufffd") == 2 and "Ça coûte très cher à Noël" in decoded.text
    assert decoded.notes == ["2 undecodable byte sequence(s) in utf_8 replaced with U+FFFD"]


def test_a_wrong_declaration_falls_back_to_detection():
    data = (
        "<meta charset='utf-8'><p>" + "Президент заявил, что переговоры продолжатся. " * 5 + "</p>"
    ).encode("koi8-r")
    decoded = decode_bytes(data, markup="html")
    assert "Президент заявил, что переговоры продолжатся." in decoded.text
    assert decoded.how == "detected" and "declared utf_8 does not fit the bytes" in decoded.notes[-1]


def test_unknown_and_dangerous_labels_are_ignored():
    assert codec_name("utf-7") is None and codec_name("base64") is None and codec_name("rot13") is None
    assert codec_name("no-such-charset") is None
    assert (codec_name("ISO-8859-1"), codec_name("gb2312"), codec_name("tis-620")) == (
        "cp1252",
        "gb18030",
        "cp874",
    )
    decoded = decode_bytes(b"<meta charset='x-nothing'><p>plain words</p>", markup="html")
    assert decoded.text.endswith("plain words</p>") and "unknown charset 'x-nothing'" in decoded.notes[0]


@pytest.mark.parametrize("codec", ["cp037", "cp500"])
def test_an_ebcdic_feed_is_read_by_the_code_page_its_declaration_names(codec):
    text = f"<?xml version='1.0' encoding='{codec}'?><rss><channel><title>Café über</title></channel></rss>"
    decoded = decode_bytes(text.encode(codec), markup="xml")
    assert decoded.text == text and decoded.encoding == codec


@pytest.mark.parametrize(
    ("lang", "codec", "label"),
    [("pl", "cp1250", "iso-8859-1"), ("cs", "cp1250", "iso-8859-1"), ("ru", "cp1251", "koi8-r")],
)
def test_a_legacy_declaration_that_reads_as_nonsense_is_overruled_with_a_note(lang, codec, label):
    page = build_page(lang, codec, label, "meta")  # the page says `label`, its bytes are `codec`
    decoded = decode_bytes(page.data, markup="html")
    assert all(p in decoded.text for p in page.paragraphs)
    assert decoded.notes == [f"declared {label} (meta) does not fit the text; read as {codec}"]
