"""RSS and Atom feeds: decoded like a browser, every text field plain text, one article per item."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from tasks.article import Article, stable_id
from tasks.stages.caps import MAX_FEED_ITEMS
from tasks.stages.ingest.decode import as_utf8_declared, decode_bytes
from tasks.stages.ingest.markup import clean, html_to_text, inline_text
from tasks.stages.ingest.reports import Rejected
from tasks.stages.ingest.titles import (
    FALLBACK_NOTE,
    drop_leading_headline,
    first_sentence,
    is_generic,
    site_names,
    strip_site,
)


def parse_feed(data: bytes, headers: Mapping[str, str] | None = None) -> Any:
    """feedparser's reading of an RSS or Atom document; HTTP headers (content-location, -type) when fetched.

    The bytes are decoded here (BOM, HTTP charset, XML declaration, then detection) and handed to feedparser
    as UTF-8 that says so: left to itself it reads an undeclared KOI8-R or EUC-JP feed as windows-1252.
    The decoding's notes are in `parsed.feed["ingest_notes"]`.
    """
    import feedparser

    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    decoded = decode_bytes(data, content_type=lowered.get("content-type"), markup="xml")
    if "\x00" in decoded.text:
        raise Rejected("binary file (contains NUL bytes)")
    text = as_utf8_declared(clean(decoded.text), "xml")
    response = {"content-type": "application/xml; charset=utf-8"}
    if lowered.get("content-location"):
        response["content-location"] = lowered["content-location"]
    try:
        parsed = feedparser.parse(text.encode("utf-8"), response_headers=response)
    except Exception as exc:  # its loose parser trips over some junk (`&#xD800;`) instead of marking it bozo
        raise Rejected(f"not a readable feed ({type(exc).__name__}: {exc})") from None
    if not parsed.entries:
        reason = f"not a readable feed ({parsed.get('bozo_exception', 'no items')})"
        raise Rejected(reason if parsed.bozo else "feed has no items")
    parsed.feed["ingest_notes"] = tuple(decoded.notes)
    return parsed


def entry_text(entry: Any) -> str:
    """Plain text of a feed item: its full content when the feed carries it, else its summary."""
    content = entry.get("content") or []
    raw = content[0].get("value", "") if content else entry.get("summary", "")
    return html_to_text(raw or "")


def feed_sites(feed: Any) -> list[str]:
    """The names a feed's site goes by (its title, its link's host)."""
    return site_names([inline_text(feed.get("title"))], feed.get("link"))


def entry_title(entry: Any, feed: Any, body: str) -> tuple[str, str | None]:
    """A feed item's headline as plain text without the site name; the first sentence (and a note) if none."""
    sites = feed_sites(feed)
    title = strip_site(inline_text(entry.get("title")), sites)
    if title and not is_generic(title, sites):
        return title, None
    return first_sentence(body), FALLBACK_NOTE


def read_feed(name: str, data: bytes, *, max_items: int = MAX_FEED_ITEMS) -> Iterator[Article | Rejected]:
    """An RSS or Atom feed: one article per item, at most `max_items`; a feed feedparser cannot read is
    rejected whole."""
    parsed = parse_feed(data)
    feed_lang = parsed.feed.get("language")
    outlet = inline_text(parsed.feed.get("title")) or None
    for index, entry in enumerate(parsed.entries[:max_items]):
        key = entry.get("id") or entry.get("link") or str(index)
        item = f"{name}#{key}"
        body = entry_text(entry)
        if not body:
            yield Rejected("feed item without text", source=item)
            continue
        title, title_note = entry_title(entry, parsed.feed, body)
        if title_note is None:  # a headline taken from the body stays in the body
            body = "\n\n".join(
                drop_leading_headline(body.split("\n\n"), [title, inline_text(entry.get("title"))])
            )
        notes = ["feed item without link"] if not entry.get("link") else []
        if not entry.get("published"):
            notes.append("feed item without date")
        if parsed.bozo:
            notes.append("feed is not well-formed XML; items recovered")
        notes += [*parsed.feed["ingest_notes"], *([title_note] if title_note else [])]
        yield Article(
            id=stable_id(item, title, body),
            source=item,
            format="feed",
            title=title,
            body=body,
            url=entry.get("link"),
            outlet=outlet,
            published=entry.get("published"),
            author=inline_text(entry.get("author")) or None,
            lang_hint=entry.get("language") or feed_lang,
            notes=tuple(notes),
        )
    if len(parsed.entries) > max_items:
        extra = len(parsed.entries) - max_items
        yield Rejected(
            f"{extra:,} items beyond the {max_items:,} read per feed (ingest.max_feed_items)", name
        )
