"""Render: the digest (HTML and plain text) from Jinja templates, with every article text autoescaped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tasks.article import Article, Story
from tasks.config import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
# Output file name -> template file suffix.
FORMATS = {"digest.html": "html.j2", "digest.txt": "txt.j2"}


class UnknownTemplate(ValueError):
    """A template name that is not on the allow-list."""


def safe_link(url: str | None) -> str | None:
    """The URL if it is an http(s) link, else None (no `javascript:` or `data:` ever reaches a page)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def _environment(templates_dir: Path):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def story_view(story: Story, articles: dict[str, Article]) -> dict[str, Any]:
    """What a template needs to show one story."""
    members = [articles[i] for i in story.article_ids]
    flags: list[str] = []
    for member in members:
        flags.extend(f.message for f in member.flags)
    if story.summary:
        flags.extend(f.message for f in story.summary.flags)
    repairs = sum(len(m.repair.changes) for m in members if m.repair)
    return {
        "id": story.id,
        "headline": story.headline,
        "summary": story.summary.text if story.summary else "",
        "method": story.summary.method if story.summary else "none",
        "chunks": story.summary.chunks if story.summary else 0,
        "repairs": repairs,
        "flags": list(dict.fromkeys(flags)),
        "sources": [
            {
                "outlet": m.outlet or m.source,
                "lang": m.lang,
                "link": safe_link(m.url),
                "published": m.published or "",
                "title": m.title,
            }
            for m in members
        ],
    }


def digest_context(
    stories: list[Story], articles: dict[str, Article], date: str, rejected: int, title: str
) -> dict[str, Any]:
    """The whole digest's template context."""
    langs = Counter(a.lang for a in articles.values())
    return {
        "title": title,
        "date": date,
        "stories": [story_view(s, articles) for s in stories],
        "counts": {
            "stories": len(stories),
            "articles": len(articles),
            "languages": len([lang for lang in langs if lang != "und"]),
            "rejected": rejected,
        },
        "languages": sorted(langs),
    }


def render_digest(
    context: dict[str, Any],
    template: str = "digest",
    allowed: list[str] | None = None,
    templates_dir: Path | None = None,
) -> dict[str, str]:
    """Render every format of an allow-listed template, keyed by output file name (`digest.html`, ...)."""
    allowed = allowed if allowed is not None else ["digest"]
    if template not in allowed:
        raise UnknownTemplate(f"template {template!r} is not allowed (allowed: {', '.join(allowed)})")
    env = _environment(templates_dir or TEMPLATES_DIR)
    return {
        fmt: env.get_template(f"{template}.{suffix}").render(**context) for fmt, suffix in FORMATS.items()
    }
