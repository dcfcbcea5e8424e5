"""HTML pages: main text by trafilatura, the headline from the page's own metadata and headings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tasks.article import Article, stable_id
from tasks.stages.ingest.decode import as_utf8_declared
from tasks.stages.ingest.markup import clean, inline_text
from tasks.stages.ingest.reports import Rejected
from tasks.stages.ingest.titles import choose_title, drop_leading_headline, site_names, strip_site

_ARTICLE_TYPES = ("article", "posting", "report", "blog", "webpage")


@dataclass
class PageMeta:
    """What a page says about itself: titles, headings, site names, language and URL."""

    titles: list[str] = field(default_factory=list)  # best first: JSON-LD, og:title, twitter:title, <title>
    headings: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    lang: str | None = None
    url: str | None = None


def _jsonld(node: Any, meta: PageMeta, depth: int = 0) -> None:
    """Headline and publisher from JSON-LD objects (nested in @graph or lists)."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node[:50]:
            _jsonld(item, meta, depth + 1)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("@type")
    kinds = " ".join(kind if isinstance(kind, list) else [str(kind or "")]).lower()
    headline = node.get("headline")
    if isinstance(headline, str) and headline.strip() and any(t in kinds for t in _ARTICLE_TYPES):
        meta.titles.append(headline)
    publisher = node.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        meta.sites.append(publisher["name"])
    if "website" in kinds and isinstance(node.get("name"), str):
        meta.sites.append(node["name"])
    for child in ("@graph", "mainEntity", "mainEntityOfPage"):
        if isinstance(node.get(child), (list, dict)):
            _jsonld(node[child], meta, depth + 1)


def page_meta(text: str) -> PageMeta:
    """Titles, headings, site names, language and canonical URL declared in an HTML page."""
    import lxml.html

    meta = PageMeta()
    try:
        root = lxml.html.document_fromstring(
            text.encode("utf-8", "surrogatepass"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except Exception:  # unparsable markup: trafilatura may still find text; the metadata is optional
        return meta

    def attr(xpath: str) -> list[str]:
        return [" ".join(str(v).split()) for v in root.xpath(xpath) if str(v).strip()]

    for script in root.xpath('//script[contains(@type, "ld+json")]')[:10]:
        try:
            _jsonld(json.loads(script.text_content() or "null"), meta)
        except (ValueError, RecursionError):
            continue
    meta.titles += attr('//meta[@property="og:title" or @name="og:title"]/@content')[:1]
    meta.titles += attr('//meta[@name="twitter:title" or @property="twitter:title"]/@content')[:1]
    meta.titles += [" ".join(t.text_content().split()) for t in root.xpath("//head/title|//title")[:1]]
    meta.sites += attr('//meta[@property="og:site_name" or @name="og:site_name"]/@content')[:1]
    meta.sites += attr('//meta[@name="application-name" or @name="apple-mobile-web-app-title"]/@content')[:2]
    inside = root.xpath("//article//h1|//main//h1|//*[@role='main']//h1")
    headings = [*inside, *root.xpath("//h1")][:8]
    for br in (br for h in headings for br in h.iter("br")):
        br.tail = " " + (br.tail or "")  # `<h1>Line one<br>line two</h1>` is two words, not one
    meta.headings = [" ".join(h.text_content().split()) for h in headings]
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    lang = lang or next(iter(attr('//meta[@http-equiv="content-language"]/@content')), None)
    lang = lang or next((v.replace("_", "-") for v in attr('//meta[@property="og:locale"]/@content')), None)
    meta.lang = lang.strip()[:35] if lang and lang.strip() else None
    meta.url = next(
        iter(attr('//link[@rel="canonical"]/@href') + attr('//meta[@property="og:url"]/@content')), None
    )
    return meta


def read_html(
    name: str, text: str, *, url: str | None = None, notes: tuple[str, ...] = ()
) -> Iterator[Article]:
    """An HTML page: the main text extracted with trafilatura, site chrome left behind, the headline cleaned."""
    import trafilatura

    text = as_utf8_declared(clean(text), "html")
    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=True)
    if doc is None or not (doc.text or "").strip():
        raise Rejected("HTML page with no extractable text")
    meta = page_meta(text)
    paragraphs = [" ".join(p.split()) for p in doc.text.split("\n") if p.strip()]
    sites = site_names([*meta.sites, doc.sitename], url or meta.url or doc.url or doc.hostname)
    titles = [inline_text(t) for t in (*meta.titles, doc.title) if t]  # `&amp;#039;` in a meta tag, once more
    title, note = choose_title(titles, meta.headings, sites, "\n".join(paragraphs))
    if note is None:  # a headline taken from the body stays in the body
        known = [title, *titles, *(strip_site(t, sites) for t in titles), *meta.headings]
        paragraphs = drop_leading_headline(paragraphs, known)
    body = "\n\n".join(paragraphs)
    if not body or body == title:
        raise Rejected("HTML page with no extractable text (only a headline)")
    notes = (*notes, note) if note else notes
    yield Article(
        id=stable_id(name, title, body),
        source=name,
        format="html",
        title=title,
        body=body,
        url=doc.url or meta.url,
        outlet=doc.sitename or doc.hostname,
        published=doc.date,
        author=doc.author,
        lang_hint=meta.lang,
        notes=tuple(notes),
    )
