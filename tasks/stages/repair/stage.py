"""The repair stage: English text of articles (originals and translations), and JSON records for the CLI."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tasks.article import Article, Flag, Repair
from tasks.stages.repair.pipeline import repair

if TYPE_CHECKING:
    from tasks.config import RepairConfig


def repair_record(record: dict[str, Any]) -> dict[str, Any]:
    """`{"id", "source_lang", "text"[, "original"]}` -> `{"id", "text", "changes", "flags"}` (the
    `briefing repair --jsonl` line); `original` is the source-language text, when the caller has it."""
    result = repair(record.get("text"), record.get("source_lang"), original=record.get("original"))
    return {"id": record.get("id"), "text": result.text, "changes": result.changes, "flags": result.flags}


def _tagged(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [{**item, "field": name} for item in items]


def _original(article: Article, given: str | None) -> str | None:
    """The source-language text an article's English was translated from: briefing's own translation
    keeps it as the article's title and body; a caller may hand it in for an English original."""
    if article.translation is not None:
        return "\n\n".join(part for part in (article.title, article.body) if part)
    return given


def repair_article(article: Article, *, original: str | None = None) -> Article:
    """One article with its `repair` record set, when it has English text; unchanged otherwise.

    `original`, the source-language article an English original was translated from (a story-mate),
    is evidence for calqued names; an article translated by briefing carries its own."""
    if article.lang != "en" and article.translation is None:
        return article
    if article.translation is not None:
        source = article.lang if article.lang not in ("en", "und") else None
    else:  # written in English (as far as anyone knows): deliberate repetition is the writer's
        source = "en" if article.lang == "en" and original is None else None
    evidence = _original(article, original)
    title = repair(article.english_title, source, original=evidence)
    body = repair(article.english_body, source, headline=title.text, original=evidence)
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


def repair_articles(
    articles: list[Article], config: RepairConfig, *, originals: Mapping[str, str] | None = None
) -> list[Article]:
    """The repair stage over a batch; with `enabled = false` the articles pass through untouched.

    `originals` maps an article id to the source-language text it was translated from (for English
    articles whose original is a story-mate), used as evidence for calqued names."""
    if not config.enabled:
        return list(articles)
    given = originals or {}
    return [repair_article(article, original=given.get(article.id)) for article in articles]
