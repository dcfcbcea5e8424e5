import json

from typer.testing import CliRunner

from tasks.cli import app
from tasks.stages.ingest.export import ARTICLE_FIELDS, ingest_records
from tests.support.pages import build_page


def test_ingest_jsonl_prints_articles_then_rejected_inputs(tmp_path):
    page = build_page("ru", "koi8-r", "koi8-r", "none")
    (tmp_path / "page.html").write_bytes(page.data)
    (tmp_path / "story.txt").write_text("Headline\n\nA body paragraph.", encoding="utf-8")
    (tmp_path / "slides.pptx").write_bytes(b"PK\x03\x04")
    result = CliRunner().invoke(app, ["ingest", "--jsonl", str(tmp_path / "page.html"), str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    articles = [line for line in lines if "id" in line]
    assert [tuple(a) for a in articles] == [ARTICLE_FIELDS] * 2
    assert articles[0]["title"] == page.headline and page.paragraphs[0] in articles[0]["body"]
    assert articles[0]["lang_hint"] == "ru" and articles[0]["url"].startswith("https://")
    others = [line for line in lines if "id" not in line]
    assert {(o["source"], o["status"]) for o in others} == {
        (f"{tmp_path.name}/page.html", "duplicate"),
        (f"{tmp_path.name}/slides.pptx", "rejected"),
    }
    assert all(o["reason"] for o in others)


def test_ids_are_stable_across_runs(tmp_path):
    (tmp_path / "a.txt").write_text("Headline\n\nBody text.", encoding="utf-8")
    first, second = list(ingest_records([tmp_path])), list(ingest_records([tmp_path]))
    assert first == second and first[0]["id"]


def test_ingest_without_paths_is_a_one_line_error():
    result = CliRunner().invoke(app, ["ingest", "--jsonl"])
    assert result.exit_code == 2 and "at least one file or folder" in result.output
