"""The repair stage: English text of articles (originals and translations), and JSON records for the CLI."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from tasks.article import Article, Flag, Repair
from tasks.stages.repair.pipeline import repair

if TYPE_CHECKING:
    from tasks.config import RepairConfig


def repair_record(record: dict[str, Any]) -> dict[str, Any]:
    """`{"id", "source_lang", "text"}` -> `{"id", "text", "changes", "flags"}` (the `briefing repair --jsonl` line)."""
    result = repair(record.get("text"), record.get("source_lang"))
    return {"id": record.get("id"), "text": result.text, "changes": result.changes, "flags": result.flags}


def _tagged(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [{**item, "field": name} for item in items]


def repair_article(article: Article) -> Article:
    """One article with its `repair` record set, when it has English text; unchanged otherwise."""
    if article.lang != "en" and article.translation is None:
        return article
    source = article.lang if article.translation is not None and article.lang not in ("en", "und") else None
    title = repair(article.english_title, source)
    body = repair(article.english_body, source, headline=title.text)
    flags = _tagged(title.flags, "title") + _tagged(body.flags, "body")
    record = Repair(
        title=title.text,
        body=body.text,
        changes=tuple(_tagged(title.changes, "title") + _tagged(body.changes, "body")),
        flags=tuple(flags),
    )
    repaired = dataclasses.replace(article, repair=record)
    left = [f for f in flags if f["kind"] == "untranslated"]
    if left:
        message = f"{len(left)} passage(s) left untranslated: " + "; ".join(f["message"] for f in left)
        repaired = repaired.with_flags(Flag(kind="untranslated", message=message, stage="repair"))
    return repaired


def repair_articles(articles: list[Article], config: RepairConfig) -> list[Article]:
    """The repair stage over a batch; with `enabled = false` the articles pass through untouched."""
    if not config.enabled:
        return list(articles)
    return [repair_article(article) for article in articles]
