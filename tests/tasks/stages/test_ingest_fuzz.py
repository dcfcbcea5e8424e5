"""Ingest on arbitrary bytes and arbitrary feed-like XML: it never raises, and every input is reported."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.article import to_json
from tasks.stages.ingest import IngestResult, ingest

_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that get past the first checks of each reader, so the examples reach the parsers.
_FRAGMENTS = [
    b'{"title": "T", "text": "',
    b'"text": "<p>',
    b"\\ud800\x1f",
    b'[{"body": "x"}, ',
    b"}\n{",
    b"[" * 64,
    b"<html><body><article><p>",
    b"</p></article>",
    b"<script>",
    b'<?xml version="1.0" encoding="iso-8859-1"?>',
    b"<rss><channel><item><title>",
    b"<description>",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\xc3\x28",
    b"\n\n",
    b"Headline\n\nBody text of an article.",
]
_BYTES = st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(_FRAGMENTS)), max_size=12).map(b"".join)
# Well-formed JSON of any shape, with the field names the reader looks for, so records reach it; strings
# may hold markup, control characters and lone surrogates (valid as `\ud800` escapes).
_STRING = st.lists(
    st.one_of(
        st.text(max_size=12), st.sampled_from(["\ud800", "\udfff", "\x00", "\x1f", "<p>", "</p>", "\n\n"])
    ),
    max_size=5,
).map("".join)
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _STRING),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["title", "headline", "text", "body", "content", "url", "date", "lang"]),
                st.text(max_size=5),
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=16,
).map(lambda value: json.dumps(value).encode("ascii"))

_NAME = st.one_of(
    st.sampled_from(
        [
            "rss",
            "channel",
            "item",
            "title",
            "link",
            "description",
            "pubDate",
            "guid",
            "feed",
            "entry",
            "content",
            "summary",
            "id",
            "published",
            "author",
            "language",
            "content:encoded",
            "dc:date",
        ]
    ),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.:-]{0,8}", fullmatch=True),
)
_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["&amp;", "&lt;p&gt;", "&#233;", "&#xD800;", "&nbsp;", "&undefined;", "&", "<", "]]>", "&e;"]
    ),
    st.text(max_size=20).map(lambda t: f"<![CDATA[<p>{t}</p>]]>"),
)
_ATTRIBUTE = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            ' href="https://example.org/a"',
            ' rel="alternate"',
            ' type="html"',
            ' xml:lang="fr"',
            ' xmlns="http://www.w3.org/2005/Atom"',
            ' isPermaLink="false"',
            " broken=",
        ]
    ),
)
_CLOSE = st.sampled_from(["proper", "proper", "missing", "mismatched", "self"])


def _element(name: str, attribute: str, children: list[str], close: str) -> str:
    inner = "".join(children)
    if close == "self":
        return f"<{name}{attribute}/>"
    end = {"proper": f"</{name}>", "missing": "", "mismatched": "</other>"}[close]
    return f"<{name}{attribute}>{inner}{end}"


_NODE = st.recursive(
    _TEXT,
    lambda children: st.builds(_element, _NAME, _ATTRIBUTE, st.lists(children, max_size=4), _CLOSE),
    max_leaves=24,
)
# Items shaped like RSS or Atom ones, so that some examples get past the parser to the item readers.
_FIELD = st.builds(
    _element,
    st.sampled_from(
        ["title", "link", "description", "summary", "content", "pubDate", "published", "guid", "id"]
    ),
    _ATTRIBUTE,
    st.lists(_TEXT, min_size=1, max_size=3),
    _CLOSE,
)
_ITEM = st.builds(
    _element, st.sampled_from(["item", "entry"]), st.just(""), st.lists(_FIELD, max_size=6), _CLOSE
)
_PROLOGUE = st.sampled_from(
    [
        "",
        '<?xml version="1.0"?>',
        '<?xml version="1.0" encoding="utf-8"?>',
        '<?xml version="1.0" encoding="bogus-charset"?>',
        '<!DOCTYPE rss [<!ENTITY e "entity text">]>',
    ]
)
_FEED = st.builds(
    lambda prologue, root, body, close: prologue + _element(root, "", body, close),
    _PROLOGUE,
    st.sampled_from(["rss", "feed", "rdf:RDF", "channel"]),
    st.lists(st.one_of(_ITEM, _NODE), max_size=5),
    _CLOSE,
)


def _check_every_input_reported(result: IngestResult, names: list[str]) -> None:
    for name in names:
        lines = [r for r in result.report if r.source == name or r.source.startswith(f"{name}#")]
        assert lines, f"{name} has no report line"
        if any(r.source == name for r in lines):
            assert len(lines) == 1, f"{name} is reported both whole and by item"
    assert len(result.report) == sum(
        1 for r in result.report for n in names if r.source == n or r.source.startswith(f"{n}#")
    )
    for line in result.report:
        assert line.status in ("included", "rejected", "duplicate")
        assert line.status == "included" or line.reason
    included = [r.article_id for r in result.report if r.status == "included"]
    assert included == [a.id for a in result.articles]
    for article in result.articles:
        assert article.title.strip() and article.body.strip()
        to_json(article).encode("utf-8")  # what the run store writes


@_SETTINGS
@given(txt=_BYTES, html=_BYTES, json_bytes=_BYTES, xml=_BYTES, json_value=_JSON)
def test_arbitrary_bytes_in_every_format_are_read_or_rejected(
    txt: bytes, html: bytes, json_bytes: bytes, xml: bytes, json_value: bytes
) -> None:
    """One file per reader, each arbitrary bytes (and a JSON of any shape): ingest returns, each file is reported."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        contents = {"a.txt": txt, "b.html": html, "c.json": json_bytes, "d.xml": xml, "e.json": json_value}
        for name, data in contents.items():
            (folder / name).write_bytes(data)
        result = ingest([folder])
        _check_every_input_reported(result, [f"in/{name}" for name in contents])


@_SETTINGS
@given(feed=_FEED, encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_arbitrary_feed_xml_is_read_or_rejected(feed: str, encoding: str) -> None:
    """Feed-like XML with random elements, entities, CDATA and broken tags: items reported, nothing raised."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.xml"
        path.write_bytes(feed.encode(encoding, errors="replace"))
        result = ingest([path])
        _check_every_input_reported(result, ["feed.xml"])
