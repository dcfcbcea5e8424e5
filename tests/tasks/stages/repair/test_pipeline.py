"""repair() end to end: the shared examples, the seed article, bad input."""

from __future__ import annotations

import json

from tasks.config import PROJECT_ROOT
from tasks.stages.repair import repair, repair_record
from tests.tasks.stages.repair.labelled_data import DATA, load_jsonl


def test_shared_examples_come_out_exactly_as_expected() -> None:
    inputs = load_jsonl(DATA / "examples" / "repair.in.jsonl")
    expected = load_jsonl(DATA / "examples" / "repair.out.jsonl")
    got = [json.loads(json.dumps(repair_record(record), ensure_ascii=False)) for record in inputs]
    assert got == expected


def test_seed_article_is_repaired_and_a_second_repair_changes_nothing() -> None:
    seed = (PROJECT_ROOT / "seeds" / "000_b6da39b3cbc11f7e.txt").read_text(encoding="utf-8")
    result = repair(seed)
    assert "theFrance" not in result.text and "told Agence France-Presse (AFP) that" in result.text
    assert not result.text.startswith("Home LATEST NEWS")
    assert result.text.count("The green zone housing the American embassy") == 1
    assert "Previous article" not in result.text and "Next article" not in result.text
    assert "No one claimed responsibility for Sunday’s shooting." in result.text
    assert {c["kind"] for c in result.changes} >= {"boilerplate", "fused_token", "entity_calque", "idiom"}
    assert repair(result.text).changes == []


def test_clean_english_comes_back_byte_identical() -> None:
    text = "The iPhone maker reported record sales in China, up 2,500 units on 3.5% growth."
    result = repair(text, "en")
    assert result.text == text and result.changes == [] and result.flags == []


def test_bad_input_is_reported_not_raised() -> None:
    result = repair(None)  # type: ignore[arg-type]
    assert result.text == "" and result.flags[0]["kind"] == "error"
    record = repair_record({"id": "x", "source_lang": "fr"})
    assert record["id"] == "x" and record["text"] == "" and record["flags"]
    assert repair("").text == ""
