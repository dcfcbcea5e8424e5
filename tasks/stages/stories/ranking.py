"""Ranking: stories ordered for the digest by sources, recency and configured topics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

from tasks.article import Article, Story
from tasks.config import StoriesConfig
from tasks.stages.stories.anchors import fold
from tasks.stages.stories.evidence import evidence_text, has_english, published_at


def best_source_key(article: Article) -> tuple:
    """Sort key of a story's members: English text first (written in English before translated), longest first."""
    return (not has_english(article), article.translation is not None, -len(article.english_body), article.id)


def topic_hits(articles: list[Article], topics: dict[str, list[str]]) -> list[str]:
    """The configured topics or regions a story mentions (any keyword, whole word, any case or accent)."""
    if not topics:
        return []
    words = set()
    for article in articles:
        words |= set(re.findall(r"\w+", fold(evidence_text(article))))
    hits = []
    for topic, keywords in topics.items():
        if any(set(re.findall(r"\w+", fold(k))) <= words for k in keywords if k.strip()):
            hits.append(topic)
    return hits


def dated_at(article: Article) -> dt.datetime | None:
    """The publication time, else when an undated input was received (for ranking, not for grouping)."""
    return published_at(article) or published_at(dataclasses.replace(article, published=article.received))


def rank(stories: list[Story], articles: dict[str, Article], config: StoriesConfig) -> list[Story]:
    """Stories ordered for the digest by sources, recency and configured topics; `rank_score` says why."""
    times = {i: t for i, a in articles.items() if (t := dated_at(a))}
    newest = max(times.values()) if times else None
    ranked = []
    for story in stories:
        members = [articles[i] for i in story.article_ids]
        latest = max((times[i] for i in story.article_ids if i in times), default=None)
        recency = 0.0
        if newest and latest:
            age = (newest - latest).total_seconds() / 3600
            recency = 0.5 ** (age / config.recency_half_life_hours)
        hits = topic_hits(members, config.topics)
        score = (
            config.weight_sources * math.log2(len(members))
            + config.weight_recency * recency
            + config.weight_topics * min(len(hits), 1)
        )
        why = f"rank {score:.2f}: {len(members)} source(s), recency {recency:.2f}"
        why += f", topics {', '.join(hits)}" if hits else ""
        ranked.append(dataclasses.replace(story, rank_score=round(score, 4), reason=f"{story.reason}; {why}"))
    return sorted(ranked, key=lambda s: (-s.rank_score, s.headline, s.id))
