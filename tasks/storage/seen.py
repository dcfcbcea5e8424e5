"""The seen-store: what earlier runs reported, so each run reports only new articles and updates."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tasks.article import Article, stable_id
from tasks.stages.ingest import IngestResult
from tasks.storage.store import Store

Status = Literal["new", "seen", "update"]
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """The URL as a seen-store key: scheme and host lower-cased, default port, fragment and utm_* dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def fingerprint(article: Article) -> str:
    """A digest of the article's text that ignores case and spacing."""
    return stable_id(" ".join(article.title.split()).casefold(), " ".join(article.body.split()).casefold())


def _status(record: dict[str, Any] | None, text: str, date: str) -> Status:
    if record is None or record["first"] >= date:
        return "new"  # never reported, or first reported today: a rerun of the day keeps it new
    if text != record["fingerprint"] or record["text_date"] >= date:
        return "update"
    return "seen"


class SeenStore:
    """One record per canonical URL (else per source): dates first reported, and the text's fingerprint."""

    def __init__(self, store: Store, prefix: str = "seen", *, record: bool = True) -> None:
        self.store = store
        self.prefix = prefix
        # False for on-demand runs: they read what daily runs reported but never add to it, so an editor's
        # run (or one back-dated) cannot make the next daily digest drop an article as already reported.
        self.writes = record

    def _key(self, article: Article) -> str:
        identity = normalise_url(article.url) if article.url else f"source:{article.source}"
        return f"{self.prefix}/{stable_id(identity, length=24)}.json"

    def record(self, article: Article) -> dict[str, Any] | None:
        """What is remembered about this article's URL, or None."""
        key = self._key(article)
        return self.store.read_json(key) if self.store.exists(key) else None

    def classify(self, article: Article, date: str) -> Status:
        """`new` unless reported before `date`: `seen` with the same text, `update` with a changed one."""
        return _status(self.record(article), fingerprint(article), date)

    def remember(self, article: Article, date: str) -> None:
        """Record that this article (this text) was reported on `date` (nothing when this store only reads)."""
        if not self.writes:
            return
        record = self.record(article)
        text = fingerprint(article)
        if record is None:
            record = {"url": article.url, "source": article.source, "first": date, "previous_id": None}
        elif record["fingerprint"] != text:
            record["previous_id"] = record["article_id"]
        else:
            date = min(date, record["text_date"])
        record.update(
            fingerprint=text, text_date=date, article_id=article.id, first=min(record["first"], date)
        )
        self.store.write_json(self._key(article), record)

    def apply(self, result: IngestResult, date: str) -> IngestResult:
        """Drop articles reported on an earlier day (their lines say `seen`), label updates, remember the rest."""
        by_id = {a.id: a for a in result.articles}
        keep: set[str] = set()
        report = []
        for line in result.report:
            article = by_id.get(line.article_id or "")
            if line.status != "included" or article is None:
                report.append(line)
                continue
            record = self.record(article)
            status = _status(record, fingerprint(article), date)
            if status == "seen":
                assert record is not None
                earlier = record["article_id"] if record["article_id"] != article.id else None
                line = dataclasses.replace(
                    line,
                    status="seen",
                    reason=f"already reported on {record['text_date']}",
                    duplicate_of=earlier,
                )
            else:
                if status == "update":
                    assert record is not None
                    previous = record["article_id"] if record["fingerprint"] != fingerprint(article) else None
                    previous = previous or record["previous_id"]
                    reason = f"update of article {previous}, first reported on {record['first']}"
                    line = dataclasses.replace(line, reason=reason, notes=[*line.notes, "update"])
                keep.add(article.id)
                self.remember(article, date)
            report.append(line)
        articles = [a for a in result.articles if a.id in keep]
        return IngestResult(articles=articles, report=report)
