"""Sources through the whole run: fetched feeds become articles in the digest, and a later day reports them as seen."""

import json
from pathlib import Path

import pytest

from tasks.config import load_config
from tasks.pipeline import list_sources, open_run, run_all
from tests.support.newsserver import NewsServer, Reply, news_site, wire_feed, wire_items

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


def _config(tmp_path, sources, tiny_bart, **fetch):
    return load_config(
        overrides={
            "input": [],
            "out": str(tmp_path / "out"),
            "fetch": {
                "sources": str(sources),
                "timeout": 2.0,
                "retries": 0,
                "allow_private_networks": ["127.0.0.1/32"],
                **fetch,
            },
            "summarise": {"model": str(tiny_bart), "num_beams": 1, "min_new_tokens": 2, "max_new_tokens": 8},
        }
    )


def test_on_demand_runs_never_hide_articles_from_the_next_daily_digest(tmp_path, tiny_bart):
    with NewsServer() as site:
        news_site(site)
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"feeds:\n  - url: {site.url('/rss.xml')}\n    name: Wire\n")
        on_demand = _config(tmp_path, sources, tiny_bart, record_seen=False)
        for date in ("2026-11-24", "2026-11-17"):  # the editor's run, and one back-dated a week
            run_all(open_run(on_demand, date, name="editor"))

        daily = open_run(_config(tmp_path, sources, tiny_bart), "2026-11-25")
        paths = run_all(daily)
        manifest = json.loads(Path(paths["manifest.json"]).read_text())
        fetched = [e for e in manifest["inputs"] if e["source"].startswith("wire#")]
        assert len(fetched) == 4 and all(e["status"] == "included" and e["story"] for e in fetched)
        digest = Path(paths["digest.html"]).read_text()
        assert all(e["story"] in {s["id"] for s in manifest["stories"]} for e in fetched)
        assert len(manifest["stories"]) >= 1 and digest


SECRET = "internal-metadata-token-5e1f"


def test_links_into_internal_hosts_leave_no_trace_in_outputs_or_store(tmp_path, tiny_bart):
    with NewsServer() as site, NewsServer("127.0.0.2") as inside:
        news_site(site)
        inside.routes["/latest/meta-data/"] = Reply(
            body=f"<html><body><h1>{SECRET}</h1><p>{SECRET} is the instance token.</p></body></html>".encode()
        )
        secret = f"{inside.port}/latest/meta-data/"
        site.routes["/to-inside"] = Reply(302, headers={"Location": f"http://127.0.0.2:{secret}"})
        date = "Mon, 23 Nov 2026 07:00:00 GMT"
        items = [
            ("direct", f"http://127.0.0.2:{secret}", "Direct", "Direct summary.", date),
            ("redirect", site.url("/to-inside"), "Redirect", "Redirect summary.", date),
            ("mapped", f"http://[::ffff:127.0.0.2]:{secret}", "Mapped", "Mapped summary.", date),
            *wire_items(site.base),
        ]
        site.routes["/mixed.xml"] = wire_feed(site.base, items, '"mixed"')
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"feeds:\n  - url: {site.url('/mixed.xml')}\n    name: Mixed\n")

        paths = run_all(open_run(_config(tmp_path, sources, tiny_bart), "2026-11-24"))

        manifest = json.loads(Path(paths["manifest.json"]).read_text())
        by_source = {e["source"]: e for e in manifest["inputs"]}
        for key in ("direct", "redirect", "mapped"):
            entry = by_source[f"mixed#{key}"]
            assert entry["status"] == "rejected" and entry["reason"].startswith("refused: "), entry
        assert sum(e["status"] == "included" for e in manifest["inputs"]) == 4  # the run went on
        assert inside.hits == []
        written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
        assert len(written) > 10  # digest, manifest, report, config, the whole store
        assert not [p for p in written if SECRET in p.read_text(errors="replace")]
        report = Path(paths["report.txt"]).read_text()
        assert "rejected (1): refused: 127.0.0.2 is a loopback address" in report
