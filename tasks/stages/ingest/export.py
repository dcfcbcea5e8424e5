"""JSON-lines export of an ingest: one line per article read, one per input not read (and why)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tasks.stages.ingest.files import ingest

ARTICLE_FIELDS = ("id", "source", "url", "title", "body", "lang_hint", "published", "notes")


def ingest_records(paths: Iterable[str | Path], max_bytes: int = 5_000_000) -> Iterator[dict[str, Any]]:
    """Read the inputs; yield each article's fields, then a line per rejected or duplicate input."""
    result = ingest(paths, max_bytes=max_bytes)
    for article in result.articles:
        record = {name: getattr(article, name) for name in ARTICLE_FIELDS}
        record["notes"] = list(article.notes)
        yield record
    for line in result.report:
        if line.status == "included":
            continue
        record = {"source": line.source, "status": line.status, "reason": line.reason}
        if line.duplicate_of:
            record["duplicate_of"] = line.duplicate_of
        yield record
