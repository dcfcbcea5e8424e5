"""Benchmark of a hostile feed: 160,000 items in under 5 MB, fetched from a local server with `limit: 30`.

Times the fetch of the source with the default caps (refused before parsing: more items than
`fetch.max_feed_entries`), with that cap raised (download, feedparser, de-duplication with a set, 30 items
processed), and, for comparison, the de-duplication by linear scan that fetch used before (measured on
fewer items; it is quadratic, so the full figure is extrapolated).

Run: .venv/bin/python benchmarks/feed_items.py [--items N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.config import FetchConfig
from tasks.stages.fetch.http import fetch_source
from tasks.stages.fetch.sources import Source
from tasks.storage.store import Store
from tests.support.newsserver import NewsServer, Reply


def feed(items: int) -> bytes:
    """RSS with `items` minimal items (a title each; the key is the item's position)."""
    body = "<item><title>t</title></item>" * items
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{body}</channel></rss>'.encode()


def linear_scan(keys: list[str]) -> float:
    """Seconds the old de-duplication (`any(...)` over the items so far) takes over `keys`."""
    started = time.perf_counter()
    seen: list[str] = []
    for key in keys:
        if any(k == key for k in seen):
            continue
        seen.append(key)
    return time.perf_counter() - started


def timed_fetch(site: NewsServer, config: FetchConfig, repeat: int) -> tuple[float, list]:
    """Median seconds of fetching the feed as a source with `limit: 30`, and the last report."""
    times, report = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            source = Source(kind="feed", url=site.url("/feed.xml"), limit=30)
            report = fetch_source(source, Store(tmp), config, "2026-11-24").report
            times.append(time.perf_counter() - started)
    return statistics.median(times), report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=160_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = feed(args.items)
    print(f"feed: {args.items:,} items, {len(data):,} bytes")
    config = FetchConfig(retries=0, timeout=30, deadline=300, allow_private_networks=["127.0.0.1/32"])
    with NewsServer() as site:
        site.routes["/feed.xml"] = Reply(body=data, content_type="application/rss+xml")
        seconds, report = timed_fetch(site, config, args.repeat)
        print(f"default caps: {seconds:.2f} s (median of {args.repeat}): {report[-1].reason}")
        unparsed = config.model_copy(update={"max_feed_entries": args.items})
        seconds, report = timed_fetch(site, unparsed, 1)
        print(f"cap raised, parsed: {seconds:.1f} s, {len(report)} report lines: {report[-1].reason}")
    sample = 5_000
    scan = linear_scan([str(i) for i in range(sample)])
    full = scan * (args.items / sample) ** 2
    print(
        f"old linear-scan de-duplication: {scan:.1f} s for {sample:,} items, ~{full / 60:.0f} min for {args.items:,}"
    )


if __name__ == "__main__":
    main()
