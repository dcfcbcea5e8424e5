"""Text and JSON inputs: a text file's first line is its headline; JSON records name their fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tasks.article import Article, stable_id
from tasks.stages.ingest.markup import clean, html_to_text, inline_text, looks_like_markup, normalise_ws
from tasks.stages.ingest.reports import Rejected
from tasks.stages.ingest.titles import (
    FALLBACK_NOTE,
    drop_leading_headline,
    first_sentence,
    is_generic,
    site_names,
    strip_site,
)


def read_txt(name: str, text: str) -> Iterator[Article]:
    """A text file: first non-empty line is the headline, the rest the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise Rejected("empty file")
    title, body = " ".join(lines[0].split()), normalise_ws("\n".join(lines[1:]))
    body = "\n\n".join(drop_leading_headline(body.split("\n\n"), [title])) if body else body
    if not body:
        raise Rejected("no body text after the headline")
    yield Article(id=stable_id(name, title, body), source=name, format="txt", title=title, body=body)


def _field(record: dict, *names: str) -> str | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, str) and (value := clean(value).strip()):
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
    body = html_to_text(body) if looks_like_markup(body) else normalise_ws(body)
    if not body:
        raise Rejected("JSON record whose text is only markup")
    outlet = _field(record, "outlet", "source", "publisher")
    sites = site_names([outlet], _field(record, "url", "link"))
    title = strip_site(inline_text(title), sites) if title else ""
    notes: tuple[str, ...] = ()
    if not title or is_generic(title, sites):
        title, notes = first_sentence(body), (FALLBACK_NOTE,)
    else:
        body = "\n\n".join(drop_leading_headline(body.split("\n\n"), [title]))
    return Article(
        id=stable_id(name, title, body),
        source=name,
        format="json",
        title=title,
        body=body,
        url=_field(record, "url", "link"),
        outlet=outlet,
        published=_field(record, "published", "date", "published_at"),
        lang_hint=_field(record, "lang", "language"),
        notes=notes,
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
