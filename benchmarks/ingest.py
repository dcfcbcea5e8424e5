"""Ingest against trafilatura alone: expected passages found, exact headlines and U+FFFD, on the same bytes.

Pages and feeds are built in many languages and encodings (declared in <meta charset>, in <meta http-equiv>, or not at all; UTF-16 with a BOM),
with the site name beside the headline in several patterns, plus pages whose headline is only in JSON-LD,
only in the <h1> or only in og:title, and pages whose <meta charset> names the wrong encoding. Both sides get the same bytes; ours decodes them
like a browser, trafilatura alone uses its own decoding.

Run: .venv/bin/python benchmarks/ingest.py [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.stages.ingest import ingest
from tests.support.pages import ENCODINGS, TEXTS, Page, all_pages, build_feed, build_page, page_html


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Outcome:
    """One page read by one side."""

    passages: int
    headline: bool
    replacement: bool
    seconds: float


def variants() -> list[Page]:
    """Pages whose headline is only in JSON-LD, only in the <h1>, or only in og:title."""
    pages = []
    for lang, (site, headline, paragraphs, _) in TEXTS.items():
        ld = json.dumps({"@type": "NewsArticle", "headline": headline}, ensure_ascii=False)
        only_ld = page_html(lang, "Home", og=False, h1=False).replace(
            "</head>", f'<script type="application/ld+json">{ld}</script></head>'
        )
        only_h1 = page_html(lang, f"{site} - {headline[:12]}…", og=False)
        only_og = page_html(lang, site, og=True, h1=False)
        for kind, html in (("jsonld", only_ld), ("h1", only_h1), ("og", only_og)):
            data = ('<meta charset="utf-8">' + html).encode()
            pages.append(
                Page(f"{lang}-{kind}.html", lang, "utf-8", "meta", data, headline, tuple(paragraphs), site)
            )
    return pages


def mislabelled() -> list[Page]:
    """Pages whose <meta charset> names the wrong encoding (a common server or CMS default)."""
    cases = [
        ("pl", "cp1250", "iso-8859-1"),
        ("cs", "cp1250", "iso-8859-1"),
        ("ru", "cp1251", "koi8-r"),
        ("uk", "koi8-u", "windows-1251"),
        ("de", "utf-8", "iso-8859-1"),
        ("fr", "utf-8", "windows-1252"),
    ]
    pages = []
    for lang, codec, label in cases:
        page = build_page(lang, codec, label, "meta")
        pages.append(replace(page, name=f"{lang}-{codec}-as-{label}.html", declared="wrong"))
    return pages


def ours(page: Page, folder: Path) -> Outcome:
    path = folder / page.name
    path.write_bytes(page.data)
    started = time.perf_counter()
    result = ingest([path])
    seconds = time.perf_counter() - started
    if not result.articles:
        return Outcome(0, False, False, seconds)
    article = result.articles[0]
    text = _norm(article.title + "\n" + article.body)
    found = sum(_norm(p) in text for p in page.paragraphs)
    return Outcome(found, article.title == page.headline, "\ufffd" in text, seconds)


def trafilatura_alone(page: Page) -> Outcome:
    import trafilatura

    started = time.perf_counter()
    doc = trafilatura.bare_extraction(page.data, with_metadata=True)
    seconds = time.perf_counter() - started
    if doc is None:
        return Outcome(0, False, False, seconds)
    text = _norm((doc.title or "") + "\n" + (doc.text or ""))
    found = sum(_norm(p) in text for p in page.paragraphs)
    return Outcome(found, (doc.title or "") == page.headline, "\ufffd" in text, seconds)


def feeds(folder: Path) -> dict[str, dict[str, int]]:
    """Feeds in every encoding, declared and not: items whose title and text come out exactly, ours and feedparser's."""
    import feedparser

    from tasks.stages.ingest import html_to_text

    totals: dict[str, dict[str, int]] = {"ours": defaultdict(int), "feedparser": defaultdict(int)}
    for lang, codec, label in ENCODINGS:
        _, headline, paragraphs, _ = TEXTS[lang]
        for declared in (True, False):
            data = build_feed(lang, codec, label, declared)
            path = folder / f"{lang}-{label}-{declared}.xml"
            path.write_bytes(data)
            articles = ingest([path]).articles
            entries = feedparser.parse(data).entries
            for n in (1, 2):
                want_title, want_text = f"{headline} {n}", paragraphs[n % 3]
                for side, title, body in (
                    (
                        "ours",
                        *((articles[n - 1].title, articles[n - 1].body) if len(articles) >= n else ("", "")),
                    ),
                    (
                        "feedparser",
                        *(
                            (entries[n - 1].get("title", ""), html_to_text(entries[n - 1].get("summary", "")))
                            if len(entries) >= n
                            else ("", "")
                        ),
                    ),
                ):
                    totals[side]["items"] += 1
                    totals[side]["exact"] += title == want_title and want_text in body
                    totals[side]["replacement"] += "\ufffd" in title + body
    return {side: dict(counts) for side, counts in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    pages = all_pages() + variants() + mislabelled()
    rows: dict[str, list[tuple[Page, Outcome, Outcome]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for page in pages:
            how = {"none": "undeclared", "wrong": "declared wrongly"}.get(page.declared, "declared")
            group = f"{page.codec} ({how})"
            rows[group].append((page, ours(page, folder), trafilatura_alone(page)))
        feed_figures = feeds(folder)
    everything = [row for group in rows.values() for row in group]
    expected = sum(len(p.paragraphs) for p, _, _ in everything)

    def share(values: list[bool]) -> float:
        return round(100 * sum(values) / len(values), 1) if values else 0.0

    summary = {
        "pages": len(everything),
        "expected_passages": expected,
        "passages_ours": sum(o.passages for _, o, _ in everything),
        "passages_trafilatura": sum(t.passages for _, _, t in everything),
        "headline_exact_ours_pct": share([o.headline for _, o, _ in everything]),
        "headline_exact_trafilatura_pct": share([t.headline for _, _, t in everything]),
        "pages_with_fffd_ours": sum(o.replacement for _, o, _ in everything),
        "pages_with_fffd_trafilatura": sum(t.replacement for _, _, t in everything),
        "pages_where_ours_finds_fewer": sum(o.passages < t.passages for _, o, t in everything),
        "median_ms_ours": round(1000 * statistics.median(o.seconds for _, o, _ in everything), 1),
        "median_ms_trafilatura": round(1000 * statistics.median(t.seconds for _, _, t in everything), 1),
        "feeds": feed_figures,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"{'encoding':<28}{'pages':>6}{'passages ours/traf':>20}{'headline ours/traf':>20}{'U+FFFD ours/traf':>18}"
    )
    for group, group_rows in sorted(rows.items()):
        n = sum(len(p.paragraphs) for p, _, _ in group_rows)
        print(
            f"{group:<28}{len(group_rows):>6}"
            f"{sum(o.passages for _, o, _ in group_rows):>10}/{sum(t.passages for _, _, t in group_rows):<3}of {n:<4}"
            f"{share([o.headline for _, o, _ in group_rows]):>10}/{share([t.headline for _, _, t in group_rows]):<8}"
            f"{sum(o.replacement for _, o, _ in group_rows):>9}/{sum(t.replacement for _, _, t in group_rows):<3}"
        )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
