"""Caps on untrusted input: how much text one article may carry into translation and summaries."""

from __future__ import annotations

import dataclasses
import re

from tasks.article import Article

MAX_CHARS = 100_000  # about 15,000 words: longer than almost any real article, far short of a 5 MB page
MAX_FEED_ITEMS = 200
# An item or entry start tag, with or without a namespace prefix.
_ENTRY_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s/>]", re.IGNORECASE)


def feed_entries(data: bytes) -> int:
    """How many items a feed document holds, counted without parsing it (parsing is what costs: feedparser
    takes about a minute for 160,000 items)."""
    # UTF-16 and UTF-32 put NUL bytes between the letters of every tag: without them the tags show.
    return len(_ENTRY_TAG.findall(data.replace(b"\x00", b"") if b"\x00" in data[:4096] else data))


def cap_article(article: Article, max_chars: int = MAX_CHARS) -> tuple[Article, str | None]:
    """The article with its body cut at the last paragraph end within `max_chars` (else the last sentence end,
    else the last space), and the note saying so; the article unchanged and None when it fits."""
    body = article.body
    if len(body) <= max_chars:
        return article, None
    cut = body.rfind("\n\n", 0, max_chars + 1)
    if cut <= 0:
        cut = body.rfind(". ", 0, max_chars) + 1 or body.rfind(" ", 0, max_chars + 1)
    kept = body[: cut if cut > 0 else max_chars].rstrip()
    note = f"text cut at {len(kept):,} of {len(body):,} characters (ingest.max_chars)"
    return dataclasses.replace(article, body=kept, notes=(*article.notes, note)), note
