"""Fetch: feeds and pages over HTTP, politely and incrementally, into Articles with a report line per input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from tasks.article import Article, article_from_json, stable_id, to_json
from tasks.config import FetchConfig
from tasks.stages.caps import feed_entries
from tasks.stages.fetch.guard import AddressRefused, guarded_transport, parse_networks
from tasks.stages.fetch.sources import Source, check_url
from tasks.stages.ingest import (
    IngestResult,
    InputReport,
    Rejected,
    decode_bytes,
    entry_text,
    entry_title,
    inline_text,
    parse_feed,
    read_html,
)
from tasks.storage.store import Store

FetchResult = IngestResult  # the same shape as a file ingest: articles, and a report line per input

RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_WORKERS = 8


class FetchError(Exception):
    """A request that gave no usable response; the message is the reason shown in the manifest."""

    def __init__(self, reason: str, retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after = retry_after


class Refused(FetchError):
    """A request not made: its host is, or resolves to, an address that is not public (nor allowed)."""


@dataclass
class Response:
    """A complete response: 200 with its body, or 304; `url` is the URL after redirects."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes


class Fetcher:
    """One HTTP client with the politeness rules: retries with backoff, caps on size, time and redirects."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        limits = httpx.Limits(max_connections=MAX_WORKERS, max_keepalive_connections=MAX_WORKERS)
        self.client = httpx.Client(
            headers={"User-Agent": config.user_agent},
            timeout=httpx.Timeout(config.timeout),
            follow_redirects=False,  # followed by hand, so every hop is checked
            transport=guarded_transport(parse_networks(config.allow_private_networks), limits),
            trust_env=False,  # no proxy (it would resolve names itself, past the guard) and no .netrc
        )
        self._hosts: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        parts = urlsplit(url)
        host = f"{parts.hostname}:{parts.port or parts.scheme}"
        with self._lock:
            slot = self._hosts.setdefault(host, threading.Semaphore(self.config.per_host_concurrency))
        with slot:
            yield

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET with retries on timeouts, connection errors, 429 and 5xx; FetchError when it gives up."""
        attempts = self.config.retries + 1
        attempt = 0
        while True:
            try:
                return self._follow(url, headers or {})
            except FetchError as exc:
                attempt += 1
                if not exc.retryable or attempt == attempts:
                    if exc.retryable and attempts > 1:
                        raise FetchError(f"{exc} ({attempts} attempts)") from None
                    raise
                wait = max(self.config.backoff * 2 ** (attempt - 1), exc.retry_after or 0.0)
                time.sleep(min(wait, self.config.backoff_max))

    def _follow(self, url: str, headers: Mapping[str, str]) -> Response:
        chain = [url]
        for _ in range(self.config.max_redirects + 1):
            try:
                check_url(url)
            except ValueError as exc:
                raise FetchError(f"redirected to a URL that is not fetched: {exc}") from None
            with self._host_slot(url):
                try:
                    response = self._request(url, headers)
                except Refused as exc:
                    if url == chain[0]:
                        raise
                    raise Refused(f"redirected to {url}: {exc}") from None
            if response.status not in REDIRECT_STATUSES:
                return response
            url = urljoin(url, response.headers["location"])
            if url in chain:
                raise FetchError("redirect loop: " + " -> ".join([*chain, url]))
            chain.append(url)
        raise FetchError(f"more than {self.config.max_redirects} redirects from {chain[0]}")

    def _request(self, url: str, headers: Mapping[str, str]) -> Response:
        limit = self.config.max_bytes
        started = time.monotonic()
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304 or (r.status_code in REDIRECT_STATUSES and "location" in r.headers):
                    return Response(url, r.status_code, r.headers, b"")
                if r.status_code >= 300:
                    raise FetchError(
                        f"HTTP {r.status_code} {r.reason_phrase}".strip(),
                        retryable=r.status_code in RETRY_STATUSES,
                        retry_after=_seconds(r.headers.get("retry-after")),
                    )
                length = r.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise FetchError(f"response of {int(length):,} bytes is over the {limit:,}-byte limit")
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"response over the {limit:,}-byte limit")
                    if time.monotonic() - started > self.config.deadline:
                        raise FetchError(
                            f"response took longer than {self.config.deadline:g} s", retryable=True
                        )
                    chunks.append(chunk)
                return Response(str(r.url), r.status_code, r.headers, b"".join(chunks))
        except AddressRefused as exc:
            raise Refused(str(exc)) from None
        except httpx.TimeoutException as exc:
            kind = re.sub(r"(?<!^)([A-Z])", r" \1", type(exc).__name__).lower()
            raise FetchError(f"{kind} after {self.config.timeout:g} s", retryable=True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"connection failed: {exc or type(exc).__name__}", retryable=True) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(f"bad response: {exc or type(exc).__name__}") from None


def _seconds(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


def _named(outlet: str | None) -> str | None:
    """The outlet when it is a name (a site's own), None when it is only a host name."""
    return outlet if outlet and (" " in outlet or "." not in outlet) else None


def _iso_time(parsed: Any) -> str | None:
    if not parsed:
        return None
    return dt.datetime(*parsed[:6], tzinfo=dt.UTC).isoformat()


def _decode_page(response: Response) -> tuple[str, list[str]]:
    """The page's text, decoded like a browser (HTTP charset, BOM, <meta>, detection), and decoding notes."""
    content_type = response.headers.get("content-type", "").lower()
    if content_type and not any(t in content_type for t in ("html", "xml", "text/plain")):
        raise Rejected(f"not an HTML page ({content_type.split(';')[0]})")
    from trafilatura.utils import handle_compressed_file

    # Servers that gzip twice or mislabel compressed bodies: trafilatura undoes it within its size cap.
    decoded = decode_bytes(handle_compressed_file(response.content), content_type=content_type, markup="html")
    if "\x00" in decoded.text:
        raise Rejected("not an HTML page (binary content)")
    return decoded.text, decoded.notes


def page_article(name: str, response: Response) -> Article:
    """The article on a fetched page (trafilatura), its URL made canonical and absolute."""
    try:
        text, notes = _decode_page(response)
        (article,) = read_html(name, text, url=response.url, notes=tuple(notes))
    except Rejected:
        raise
    except Exception as exc:  # extraction libraries raise many types on hostile markup; one page, one reason
        raise Rejected(f"could not extract the page text: {type(exc).__name__}") from None
    canonical = urljoin(response.url, article.url) if article.url else response.url
    try:
        check_url(canonical)
    except ValueError:
        canonical = response.url
    return dataclasses.replace(article, url=canonical)


class _Memory:
    """What a source looked like last time: HTTP validators, and per item its fingerprint and article."""

    def __init__(self, store: Store, source: Source, record: bool = True) -> None:
        self.store, self.source, self.record = store, source, record
        self.key = f"http/{source.id}.json"
        state = store.read_json(self.key) if store.exists(self.key) else {}
        self.state: dict[str, Any] = state if state.get("url") == source.url else {}
        self.items: dict[str, dict[str, Any]] = {i.pop("key"): i for i in self.state.get("items", [])}

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.state.get("etag"):
            headers["If-None-Match"] = self.state["etag"]
        if self.state.get("last_modified"):
            headers["If-Modified-Since"] = self.state["last_modified"]
        return headers

    def cached(self, article_id: str | None) -> Article | None:
        key = f"http/{self.source.id}/{article_id}.json"
        if article_id and self.store.exists(key):
            return article_from_json(self.store.read_text(key))
        return None

    def not_modified(self, date: str) -> FetchResult:
        """A 304: nothing new; items first fetched today come back from the cache, so a rerun loses nothing."""
        articles = [
            a for item in self.items.values() if item["date"] == date and (a := self.cached(item["article"]))
        ]
        since = self.state.get("date", "an earlier run")
        report = [InputReport(source=a.source, status="included", article_id=a.id) for a in articles]
        report.append(
            InputReport(source=self.source.id, status="seen", reason=f"not modified since {since} (HTTP 304)")
        )
        return FetchResult(articles=articles, report=report)

    def save(
        self, response: Response | None, items: dict[str, dict[str, Any]], new: list[Article], date: str
    ) -> None:
        """Cache new articles, then record the items and (when given) the response's validators."""
        if not self.record:
            return  # an on-demand run: what it fetched must not change what the next daily run fetches
        for article in new:
            self.store.write_text(f"http/{self.source.id}/{article.id}.json", to_json(article))
        # A list, not a mapping: the store sorts mapping keys and the feed's order matters.
        state: dict[str, Any] = {"url": self.source.url, "items": [{"key": k, **v} for k, v in items.items()]}
        if response is not None:
            state.update(
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                date=date,
            )
        self.store.write_json(self.key, state)
        keep = {f"http/{self.source.id}/{i['article']}.json" for i in items.values() if i["article"]}
        for key in self.store.keys(f"http/{self.source.id}"):
            if key not in keep:
                self.store.delete(key)


def fetch_source(source: Source, store: Store, config: FetchConfig, date: str) -> FetchResult:
    """Fetch one feed (following its items to their pages) or page; failures are report lines, not exceptions."""
    memory = _Memory(store, source, record=config.record_seen)
    fetcher = Fetcher(config)
    try:
        try:
            response = fetcher.get(source.url, memory.conditional_headers())
        except FetchError as exc:
            reason = f"refused: {exc}" if isinstance(exc, Refused) else str(exc)
            return FetchResult([], [InputReport(source=source.id, status="rejected", reason=reason)])
        if response.status == 304:
            return memory.not_modified(date)
        if source.kind == "page":
            return _page_source(source, memory, response, date)
        return _feed_source(source, memory, fetcher, response, config, date)
    finally:
        fetcher.close()


def _page_source(source: Source, memory: _Memory, response: Response, date: str) -> FetchResult:
    name = f"{source.id}#{source.url}"
    try:
        article = page_article(name, response)
    except Rejected as exc:
        return FetchResult([], [InputReport(source=name, status="rejected", reason=str(exc))])
    article = dataclasses.replace(
        article,
        lang_hint=article.lang_hint or source.lang,
        outlet=_named(article.outlet) or source.name or article.outlet,
    )
    known = memory.items.get(source.url)
    first = known["date"] if known and known["article"] == article.id else date
    memory.save(
        response, {source.url: {"entry": None, "article": article.id, "date": first}}, [article], date
    )
    line = InputReport(source=name, status="included", article_id=article.id, notes=list(article.notes))
    return FetchResult([article], [line])


@dataclass
class _Item:
    """One feed entry on its way to an article."""

    key: str
    entry: Any
    fingerprint: str
    outcome: Article | Rejected | None = None


def _feed_source(
    source: Source, memory: _Memory, fetcher: Fetcher, response: Response, config: FetchConfig, date: str
) -> FetchResult:
    entries = feed_entries(response.content)
    if entries > config.max_feed_entries:
        reason = f"feed of {entries:,} items, more than the {config.max_feed_entries:,} parsed (fetch.max_feed_entries)"
        return FetchResult([], [InputReport(source=source.id, status="rejected", reason=reason)])
    try:
        parsed = parse_feed(
            response.content,
            {"content-location": response.url, "content-type": response.headers.get("content-type", "")},
        )
    except Rejected as exc:
        return FetchResult([], [InputReport(source=source.id, status="rejected", reason=str(exc))])
    limit = source.limit or config.max_items
    items: list[_Item] = []
    keys: set[str] = set()
    remembered: dict[str, dict[str, Any]] = {}
    beyond = 0
    for index, entry in enumerate(parsed.entries):
        key = entry.get("id") or entry.get("link") or str(index)
        if key in keys:
            continue  # the same item twice in one feed document is one input
        keys.add(key)
        if len(items) >= limit:
            # Past the limit only the key is looked at: no text is extracted and nothing is fetched.
            if known := memory.items.get(key):
                remembered[key] = known  # reported on its day; kept so it is never fetched again
            else:
                beyond += 1
            continue
        stamp = entry.get("updated") or entry.get("published") or ""
        fingerprint = stable_id(
            key, entry.get("link") or "", entry.get("title") or "", stamp, entry_text(entry)
        )
        items.append(_Item(key, entry, fingerprint))
    todo = []
    for item in items:
        known = memory.items.get(item.key)
        if known and known["entry"] == item.fingerprint and (cached := memory.cached(known["article"])):
            item.outcome = cached
            remembered[item.key] = known
        else:
            todo.append(item)
    hosts = {urlsplit(i.entry.get("link") or "").hostname for i in todo}
    workers = max(1, min(MAX_WORKERS, len(todo), len(hosts) * config.per_host_concurrency))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = pool.map(lambda i: _item_article(source, parsed.feed, i, fetcher), todo)
        for item, outcome in zip(todo, outcomes, strict=True):
            item.outcome = outcome
    articles: list[Article] = []
    new: list[Article] = []
    report: list[InputReport] = []
    failed = False
    for item in items:
        name = f"{source.id}#{item.key}"
        if isinstance(item.outcome, Rejected):
            report.append(InputReport(source=name, status="rejected", reason=str(item.outcome)))
            failed = True
        elif isinstance(item.outcome, Article):
            article = item.outcome
            articles.append(article)
            report.append(
                InputReport(source=name, status="included", article_id=article.id, notes=list(article.notes))
            )
            if item.key not in remembered:
                new.append(article)
                remembered[item.key] = {"entry": item.fingerprint, "article": article.id, "date": date}
    if beyond:
        report.append(
            InputReport(
                source=source.id,
                status="rejected",
                reason=f"{beyond:,} more item{'s' * (beyond != 1)} beyond the source's limit of {limit} items",
            )
        )
    # A failed item is not remembered, and without validators the next run gets the whole feed and retries it.
    memory.save(None if failed else response, remembered, new, date)
    return FetchResult(articles=articles, report=report)


def _item_article(source: Source, feed: Any, item: _Item, fetcher: Fetcher) -> Article | Rejected:
    """The feed item's page as an article, else its summary (with a note why), else a rejection."""
    entry = item.entry
    name = f"{source.id}#{item.key}"
    link = entry.get("link")
    page, reason = None, "the item has no link"
    if link:
        try:
            check_url(link)
        except ValueError as exc:
            reason = str(exc)
        else:
            try:
                page = page_article(name, fetcher.get(link))
            except Refused as exc:
                # Not a failing page but a link into a network that is not fetched: no summary fallback.
                return Rejected(f"refused: {exc}", source=name)
            except (FetchError, Rejected) as exc:
                reason = f"page not used: {exc}"
    summary = entry_text(entry)
    title, title_note = entry_title(entry, feed, summary)
    if title_note:
        title = ""  # no headline in the feed: the page's own, or the summary's first sentence below
    published = _iso_time(entry.get("published_parsed") or entry.get("updated_parsed"))
    feed_lang = entry.get("language") or feed.get("language") or source.lang
    if page is not None:
        return dataclasses.replace(
            page,
            title=title or page.title,
            id=stable_id(name, title or page.title, page.body),
            outlet=_named(page.outlet) or inline_text(feed.get("title")) or source.name or page.outlet,
            published=published or page.published,
            author=inline_text(entry.get("author")) or page.author,
            lang_hint=page.lang_hint or feed_lang,
        )
    if not summary:
        return Rejected(f"{reason}; no feed summary to fall back on", source=name)
    notes = [f"text from feed summary: {reason}", *feed.get("ingest_notes", ())]
    if not title:
        title, _ = entry_title(entry, feed, summary)
        notes.append(title_note or "")
    return Article(
        id=stable_id(name, title, summary),
        source=name,
        format="feed",
        title=title,
        body=summary,
        url=link,
        outlet=inline_text(feed.get("title")) or source.name,
        published=published or entry.get("published"),
        author=inline_text(entry.get("author")) or None,
        lang_hint=feed_lang,
        notes=tuple(n for n in notes if n),
    )
