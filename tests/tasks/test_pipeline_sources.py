"""Sources through the whole run: fetched feeds become articles in the digest, and a later day reports them as seen."""

import json
from pathlib import Path

import pytest

from tasks.config import load_config
from tasks.pipeline import list_sources, open_run, run_all
from tests.support.newsserver import NewsServer, news_site

pytestmark = pytest.mark.slow


def test_a_sources_run_fetches_reports_and_remembers(tmp_path, tiny_bart):
    with NewsServer() as site:
        news_site(site)
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"feeds:\n  - url: {site.url('/rss.xml')}\n    name: Wire\n")
        config = load_config(
            overrides={
                "input": [],
                "out": str(tmp_path / "out"),
                "fetch": {
                    "sources": str(sources),
                    "timeout": 2.0,
                    "retries": 0,
                    "allow_private_networks": ["127.0.0.1/32"],
                },
                "summarise": {
                    "model": str(tiny_bart),
                    "num_beams": 1,
                    "min_new_tokens": 2,
                    "max_new_tokens": 8,
                },
            }
        )
        first = open_run(config, "2026-11-24")
        assert [s["id"] for s in list_sources(first)] == ["wire"]
        paths = run_all(first)
        manifest = json.loads(Path(paths["manifest.json"]).read_text())
        fetched = [e for e in manifest["inputs"] if e["source"].startswith("wire#")]
        assert fetched and all(e["status"] == "included" and e["story"] for e in fetched)
        assert {e["lang"] for e in fetched} >= {"fr", "de", "es", "en"}

        site.reset_log()
        second = open_run(config, "2026-11-25")
        manifest = json.loads(Path(run_all(second)["manifest.json"]).read_text())
        assert [h.status for h in site.hits] == [304]  # an unchanged feed costs one request
        assert not [e for e in manifest["inputs"] if e["status"] == "included"]
