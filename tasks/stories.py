"""Stories: group articles about the same event; each story lists its sources and why they were grouped."""

from __future__ import annotations

from tasks.article import Article, Story, stable_id


def build_stories(articles: list[Article]) -> list[Story]:
    """One story per article, in a stable order (cross-lingual grouping refines this)."""
    stories = []
    for article in sorted(articles, key=lambda a: (a.published or "", a.id)):
        stories.append(
            Story(
                id=stable_id(article.id), article_ids=(article.id,), headline=article.english_title, score=1.0
            )
        )
    return stories
