"""Ingest files and folders: each file read by the reader for its format, every input's fate reported."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from tasks.article import Article, stable_id
from tasks.stages.caps import MAX_CHARS, MAX_FEED_ITEMS, cap_article
from tasks.stages.ingest.decode import decode_bytes
from tasks.stages.ingest.feeds import read_feed
from tasks.stages.ingest.html import read_html
from tasks.stages.ingest.records import read_json, read_txt
from tasks.stages.ingest.reports import IngestResult, InputReport, NoArticles, Rejected

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "json",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}


def decode_file(data: bytes, markup: str) -> tuple[str, list[str]]:
    """A file's text decoded like a browser would, and the decoding's notes; binary and junk are rejected."""
    decoded = decode_bytes(data, markup=markup)
    text = decoded.text
    if "\x00" in text:
        raise Rejected("binary file (contains NUL bytes)")
    if text.count("\ufffd") > max(8, len(text) // 20):
        raise Rejected("not text (mostly undecodable bytes)")
    if sum(1 for ch in text[:10_000] if ch < " " and ch not in "\t\n\r\f") > len(text[:10_000]) // 20:
        raise Rejected("binary file (mostly control characters)")
    return text, decoded.notes


def read_file(
    path: Path, name: str, max_bytes: int, *, max_feed_items: int = MAX_FEED_ITEMS
) -> Iterator[Article | Rejected]:
    """Read one input file with the reader for its extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise Rejected(f"unsupported file type {path.suffix or '(none)'!r}")
    size = path.stat().st_size
    if size == 0:
        raise Rejected("empty file")
    if size > max_bytes:
        raise Rejected(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    data = path.read_bytes()
    if fmt == "feed":
        yield from read_feed(name, data, max_items=max_feed_items)
        return
    text, notes = decode_file(data, markup="html" if fmt == "html" else "text")
    if not text.strip():
        raise Rejected("empty file")
    reader = {"txt": read_txt, "html": read_html, "json": read_json}[fmt]
    for item in reader(name, text):
        if isinstance(item, Article) and notes:
            item = dataclasses.replace(item, notes=item.notes + tuple(notes))
        yield item


def expand_inputs(
    paths: Iterable[str | Path], *, exclude: Iterable[str | Path] = ()
) -> list[tuple[Path, str]]:
    """Every file under the given files and folders (hidden ones and `exclude`d folders aside), with its display
    name, in a stable order; a path that does not exist keeps the name it was given by."""
    skip = [Path(e).resolve() for e in exclude if e and "://" not in str(e)]
    files: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                # The run's own outputs (`--out` inside an input folder) are never read back as inputs.
                if any(child.resolve().is_relative_to(s) for s in skip):
                    continue
                files.append((child, f"{path.name}/{rel.as_posix()}"))
        else:
            files.append((path, path.name if path.exists() else str(raw)))
    return files


def _escapes(path: Path, name: str, inputs: list[Path]) -> bool:
    """Whether a file found inside an input folder is a link to somewhere outside it."""
    for root in inputs:
        if root.is_dir() and name.startswith(f"{root.name}/") and path.is_relative_to(root):
            return not path.resolve().is_relative_to(root.resolve())
    return False


def merge(
    result: IngestResult, articles: list[Article], report: list[InputReport], *, max_chars: int = MAX_CHARS
) -> IngestResult:
    """Add articles read elsewhere (fetched sources) to a result; a copy of an earlier article is a duplicate,
    a text longer than `max_chars` is cut (a note says so)."""
    merged = IngestResult(articles=list(result.articles), report=list(result.report))
    by_content = {_content_key(a): a.id for a in merged.articles}
    by_id = {a.id: a for a in articles}
    for line in report:
        article = by_id.get(line.article_id or "") if line.status == "included" else None
        if article is None:
            merged.report.append(line)
            continue
        original = by_content.setdefault(_content_key(article), article.id)
        if original != article.id:
            line = dataclasses.replace(
                line, status="duplicate", reason=f"same text as article {original}", duplicate_of=original
            )
        else:
            article, cut = cap_article(article, max_chars)
            if cut:
                line = dataclasses.replace(line, notes=[*line.notes, cut])
            merged.articles.append(article)
        merged.report.append(line)
    return merged


def _content_key(article: Article) -> str:
    return stable_id(article.title.casefold(), " ".join(article.body.split()).casefold())


def received_date(path: Path, run_date: str | None = None) -> str | None:
    """When an undated input arrived: its file's modification time, never later than the end of the run date
    (a backdated run over freshly copied files), else the run date; ISO 8601, UTC."""
    try:
        when: dt.datetime | None = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except (OSError, ValueError, OverflowError):
        when = None
    if run_date:
        end = dt.datetime.combine(dt.date.fromisoformat(run_date), dt.time(23, 59, 59), dt.UTC)
        when = min(when, end) if when else end
    return when.isoformat(timespec="seconds") if when else None


def require_articles(result: IngestResult, paths: Iterable[str | Path]) -> IngestResult:
    """The result, if it holds at least one article; else NoArticles naming every path given and why."""
    # Inputs that were read but brought nothing new (a copy, a feed item already reported) are not a mistake.
    if result.articles or any(line.status in ("duplicate", "seen") for line in result.report):
        return result
    reasons = [f"{line.source}: {line.reason}" for line in result.report if line.status == "rejected"]
    raise NoArticles([str(p) for p in paths], reasons[:10])


def ingest(
    paths: Iterable[str | Path],
    max_bytes: int = 5_000_000,
    *,
    max_chars: int = MAX_CHARS,
    max_feed_items: int = MAX_FEED_ITEMS,
    exclude: Iterable[str | Path] = (),
    default_date: str | None = None,
) -> IngestResult:
    """Read every input; duplicates of an earlier article are reported, not returned twice; caps applied.

    An article without a date is `received` at its file's modification time (at the latest the run date,
    `default_date`), so ranking does not treat it as the oldest news; folders in `exclude` are not read.
    """
    articles: list[Article] = []
    lines: list[InputReport] = []
    inputs = [Path(p) for p in paths]
    for path, name in expand_inputs(inputs, exclude=exclude):
        try:
            if not path.exists():
                raise Rejected("no such file")
            if _escapes(path, name, inputs):
                raise Rejected("link to a file outside the input folder")
            items = list(read_file(path, name, max_bytes, max_feed_items=max_feed_items))
        except Rejected as exc:
            lines.append(InputReport(source=name, status="rejected", reason=str(exc)))
            continue
        except OSError as exc:
            lines.append(InputReport(source=name, status="rejected", reason=f"unreadable: {exc.strerror}"))
            continue
        for item in items:
            if isinstance(item, Rejected):
                lines.append(InputReport(source=item.source or name, status="rejected", reason=str(item)))
            else:
                if not item.published:
                    item = dataclasses.replace(item, received=received_date(path, default_date))
                articles.append(item)
                lines.append(
                    InputReport(
                        source=item.source, status="included", article_id=item.id, notes=list(item.notes)
                    )
                )
    return merge(IngestResult(articles=[], report=[]), articles, lines, max_chars=max_chars)
