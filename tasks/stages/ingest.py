"""Ingest: read text, HTML, JSON and RSS/Atom inputs into Article records; report every input's fate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.article import Article, stable_id

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


class NoArticles(ValueError):
    """Not one article could be read from the inputs: the run stops before anything is sent."""

    def __init__(self, paths: list[str], reasons: list[str]) -> None:
        self.paths = paths
        listed = ", ".join(repr(p) for p in paths) or "(none)"
        why = "; ".join(dict.fromkeys(reasons)) or "nothing to read"
        super().__init__(
            f"no article in the inputs given ({listed}): {why}. Check the paths (`--input`, `input` in the "
            "config); nothing was sent"
        )


class Rejected(ValueError):
    """An input that cannot become an article; the message is the reason shown in the manifest."""

    def __init__(self, reason: str, source: str | None = None) -> None:
        super().__init__(reason)
        self.source = source


@dataclass
class InputReport:
    """The fate of one input unit (a file, or one item of a feed or JSON list)."""

    source: str
    status: str  # included | rejected | duplicate
    reason: str = ""
    article_id: str | None = None
    duplicate_of: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    """Articles read, and a report line for every input unit."""

    articles: list[Article]
    report: list[InputReport]


# Control characters lxml refuses (invisible anyway), and lone surrogates, which JSON `\ud800` escapes give
# and UTF-8 cannot encode.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def _normalise_ws(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "\n\n".join(p for p in paragraphs if p)


def _decode(data: bytes, notes: list[str]) -> str:
    if b"\x00" in data[:8192]:
        raise Rejected("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        notes.append("invalid UTF-8 replaced with U+FFFD")
    if text.count("\ufffd") > max(8, len(text) // 20):
        raise Rejected("not text (mostly undecodable bytes)")
    return text


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element."""
    import lxml.html

    markup = _clean(markup)
    if "<" not in markup:
        return _normalise_ws(markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # lxml raises several unrelated types on junk markup
        return _normalise_ws(re.sub(r"<[^>]*>", " ", markup))
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for br in root.xpath("//br"):
        br.tail = "\n\n" + (br.tail or "")
    for block in root.xpath("//p|//div|//li|//h1|//h2|//h3|//h4|//blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    return _normalise_ws(root.text_content())


def read_txt(name: str, text: str) -> Iterator[Article]:
    """A text file: first non-empty line is the headline, the rest the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise Rejected("empty file")
    title, body = " ".join(lines[0].split()), _normalise_ws("\n".join(lines[1:]))
    if not body:
        raise Rejected("no body text after the headline")
    yield Article(id=stable_id(name, title, body), source=name, format="txt", title=title, body=body)


def read_html(name: str, text: str) -> Iterator[Article]:
    """An HTML page: the main text extracted with trafilatura, site chrome left behind."""
    import lxml.html
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=False)
    if doc is None or not (doc.text or "").strip():
        raise Rejected("HTML page with no extractable text")
    lang = None
    try:
        lang = lxml.html.fromstring(text.encode("utf-8")).get("lang")
    except Exception:  # an unparsable page still gave trafilatura text; the hint is optional
        lang = None
    paragraphs = [p.strip() for p in doc.text.split("\n") if p.strip()]
    title = " ".join((doc.title or "").split())
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    body = "\n\n".join(paragraphs)
    if not title:
        title, body = paragraphs[0], "\n\n".join(paragraphs[1:])
    if not body:
        raise Rejected("HTML page with no extractable text (only a headline)")
    yield Article(
        id=stable_id(name, title, body),
        source=name,
        format="html",
        title=title,
        body=body,
        url=doc.url,
        outlet=doc.sitename or doc.hostname,
        published=doc.date,
        author=doc.author,
        lang_hint=lang,
    )


def _field(record: dict, *names: str) -> str | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, str) and (value := _clean(value).strip()):
            return value
    return None


def read_json_record(name: str, record: object) -> Article:
    """One JSON object with a title and a text (several field spellings accepted)."""
    if not isinstance(record, dict):
        raise Rejected(f"JSON record is a {type(record).__name__}, expected an object")
    title = _field(record, "title", "headline")
    body = _field(record, "text", "body", "content")
    if not body:
        raise Rejected("JSON record without a text/body field")
    body = _normalise_ws(html_to_text(body) if "<p" in body else body)
    if not body:
        raise Rejected("JSON record whose text is only markup")
    title = " ".join(title.split()) if title else body.split("\n")[0][:120]
    return Article(
        id=stable_id(name, title, body),
        source=name,
        format="json",
        title=title,
        body=body,
        url=_field(record, "url", "link"),
        outlet=_field(record, "outlet", "source", "publisher"),
        published=_field(record, "published", "date", "published_at"),
        lang_hint=_field(record, "lang", "language"),
    )


def _json_loads(text: str) -> Any:
    """`json.loads`, with nesting too deep for the parser reported as malformed JSON, not a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def read_json(name: str, text: str) -> Iterator[Article | Rejected]:
    """A JSON object, a JSON list of objects, or JSON lines; a bad record is rejected alone."""
    try:
        data = _json_loads(text)
        records = data if isinstance(data, list) else [data]
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise Rejected(f"malformed JSON: {exc.msg} at line {exc.lineno}") from exc
        records = []
        for number, line in enumerate(lines, 1):
            try:
                records.append(_json_loads(line))
            except json.JSONDecodeError as line_exc:
                records.append(Rejected(f"malformed JSON: {line_exc.msg}", source=f"{name}#{number - 1}"))
    if not records:
        raise Rejected("empty JSON list")
    for index, record in enumerate(records):
        item = f"{name}#{index}" if len(records) > 1 else name
        if isinstance(record, Rejected):
            yield record
            continue
        try:
            yield read_json_record(item, record)
        except Rejected as exc:
            yield Rejected(str(exc), source=item)


def parse_feed(data: bytes, headers: Mapping[str, str] | None = None) -> Any:
    """feedparser's reading of an RSS or Atom document; HTTP headers (content-location, -type) when fetched."""
    import feedparser

    try:
        parsed = feedparser.parse(data, response_headers=dict(headers) if headers else None)
    except Exception as exc:  # its loose parser trips over some junk (`&#xD800;`) instead of marking it bozo
        raise Rejected(f"not a readable feed ({type(exc).__name__}: {exc})") from None
    if not parsed.entries:
        reason = f"not a readable feed ({parsed.get('bozo_exception', 'no items')})"
        raise Rejected(reason if parsed.bozo else "feed has no items")
    return parsed


def entry_text(entry: Any) -> str:
    """Plain text of a feed item: its full content when the feed carries it, else its summary."""
    content = entry.get("content") or []
    raw = content[0].get("value", "") if content else entry.get("summary", "")
    return html_to_text(raw or "")


def read_feed(name: str, data: bytes) -> Iterator[Article | Rejected]:
    """An RSS or Atom feed: one article per item; a feed feedparser cannot read is rejected whole."""
    parsed = parse_feed(data)
    feed_lang = parsed.feed.get("language")
    outlet = parsed.feed.get("title")
    for index, entry in enumerate(parsed.entries):
        key = entry.get("id") or entry.get("link") or str(index)
        item = f"{name}#{key}"
        body = entry_text(entry)
        title = " ".join((entry.get("title") or "").split())
        if not body:
            yield Rejected("feed item without text", source=item)
            continue
        notes = ["feed item without link"] if not entry.get("link") else []
        if not entry.get("published"):
            notes.append("feed item without date")
        if parsed.bozo:
            notes.append("feed is not well-formed XML; items recovered")
        yield Article(
            id=stable_id(item, title, body),
            source=item,
            format="feed",
            title=title or body.split("\n")[0][:120],
            body=body,
            url=entry.get("link"),
            outlet=outlet,
            published=entry.get("published"),
            author=entry.get("author"),
            lang_hint=entry.get("language") or feed_lang,
            notes=tuple(notes),
        )


def read_file(path: Path, name: str, max_bytes: int) -> Iterator[Article | Rejected]:
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
        if b"\x00" in data[:8192]:
            raise Rejected("binary file (contains NUL bytes)")
        yield from read_feed(name, data)
        return
    notes: list[str] = []
    text = _decode(data, notes)
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


def merge(result: IngestResult, articles: list[Article], report: list[InputReport]) -> IngestResult:
    """Add articles read elsewhere (fetched sources) to a result; a copy of an earlier article is a duplicate."""
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
            merged.articles.append(article)
        merged.report.append(line)
    return merged


def _content_key(article: Article) -> str:
    return stable_id(article.title.casefold(), " ".join(article.body.split()).casefold())


def received_date(path: Path, run_date: str | None = None) -> str | None:
    """When an undated input arrived: its file's modification time, never later than the end of the run date
    (a backdated run over freshly copied files), else the run date; ISO 8601, UTC."""
    try:
        when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
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
    exclude: Iterable[str | Path] = (),
    default_date: str | None = None,
) -> IngestResult:
    """Read every input; duplicates of an earlier article are reported, not returned twice.

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
            items = list(read_file(path, name, max_bytes))
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
    return merge(IngestResult(articles=[], report=[]), articles, lines)
