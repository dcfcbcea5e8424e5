"""Render: the digest as an email (HTML with inlined CSS, and text) and a standalone page, from Jinja templates."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tasks.article import Article, Story
from tasks.config import PROJECT_ROOT
from tasks.degraded import ADVICE, Degradation, degradation

TEMPLATES_DIR = PROJECT_ROOT / "templates"
# Output file name -> template file suffix; a template NAME renders NAME.html.j2, NAME.txt.j2, NAME.page.html.j2.
FORMATS = {"digest.html": "html.j2", "digest.txt": "txt.j2", "page.html": "page.html.j2"}
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")

LANGUAGES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "zh": "Chinese",
    "und": "undetermined",
}
METHODS = {
    "single": "Model summary",
    "chunked": "Model summary, read in {chunks} parts",
    "extractive-fallback": "Extractive summary: the lead sentences, not a model summary",
    "none": "No summary",
}


class UnknownTemplate(ValueError):
    """A template name that is not on the allow-list (or not a plain name)."""


def safe_link(url: str | None) -> str | None:
    """The URL if it is an http(s) link, else None (no `javascript:` or `data:` ever reaches a page)."""
    if not url:
        return None
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 or c in "<>\"'`" for c in url):
        return None
    try:
        parsed = urlparse(url)
        return url if parsed.scheme in ("http", "https") and parsed.hostname else None
    except ValueError:  # e.g. a malformed IPv6 host
        return None


class _PlainText(HTMLParser):
    """Text of a fragment: HTML elements dropped (script and style with their content), anything else that
    only looks like a tag, `<AI Act>`, kept as the words it is."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.hidden += 1
        elif not _is_markup(tag, attrs) and not self.hidden:
            self.parts.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not _is_markup(tag, attrs) and not self.hidden:
            self.parts.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.hidden = max(0, self.hidden - 1)
        elif tag not in HTML_ELEMENTS and not self.hidden:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _is_markup(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether a start tag is HTML: an HTML element whose attributes are HTML attributes or carry values.

    `<Big Tech>` and `<Data Act>` name elements (big, data) but with a bare word no HTML attribute has:
    words in a headline, not markup.
    """
    if tag not in HTML_ELEMENTS:
        return False
    return all(
        value is not None or name in HTML_ATTRIBUTES or name.startswith(("data-", "aria-"))
        for name, value in attrs
    )


def _html_names() -> tuple[frozenset[str], frozenset[str]]:
    from lxml.html import defs

    # lxml's lists of HTML elements and attributes, and the newer or obsolete ones they lack.
    elements = "bdi data dialog frame main noembed noframes picture plaintext rb rtc search slot template xmp"
    attributes = "async autofocus autoplay controls defer download hidden inert loop muted open playsinline"
    return (
        frozenset(defs.tags) | frozenset(elements.split()),
        frozenset(defs.safe_attrs) | frozenset(defs.event_attrs) | frozenset(attributes.split()),
    )


HTML_ELEMENTS, HTML_ATTRIBUTES = _html_names()
_DROP_WITH_CONTENT = frozenset({"script", "style", "template"})


def plain(text: str | None) -> str:
    """Article text as plain text: HTML elements in it are dropped (script and style with their content);
    words that merely look like a tag (`EU passes <AI Act>`) stay."""
    text = text or ""
    # Decoding entities can reveal markup (`&lt;script&gt;`), so parse and decode until nothing changes.
    for _ in range(8):
        parser = _PlainText()
        parser.feed(text)
        parser.close()
        stripped = "".join(parser.parts)
        if stripped == text:
            break
        text = stripped
    return text.strip()


def published_label(value: str | None) -> str:
    """A publication date as `23 Nov 2026` when it parses (ISO 8601 or RFC 2822), else the plain text."""
    from email.utils import parsedate_to_datetime

    text = plain(value)
    for parse in (dt.datetime.fromisoformat, parsedate_to_datetime):
        try:
            day = parse(text)
        except (TypeError, ValueError, IndexError):
            continue
        return f"{day.day} {day:%b %Y}"
    return text


def language_name(code: str) -> str:
    """An English language name for an ISO 639-1 code (the code itself if unknown)."""
    return LANGUAGES.get(code, code)


def host_of(url: str | None) -> str:
    """The host of an http(s) link without `www.` (empty for anything else)."""
    link = safe_link(url)
    host = (urlparse(link).hostname or "") if link else ""
    return host.removeprefix("www.")


def outlet_name(article: Article) -> str:
    """Who published an article: the site or feed name, else the link's host; never a file name (may be empty)."""
    return plain(article.outlet) or host_of(article.url)


def source_label(article: Article) -> str:
    """How a story's badges name one of its sources: `Outlet (French)`, else `French source`."""
    outlet = outlet_name(article)
    language = language_name(article.lang)
    return f"{outlet} ({language})" if outlet else f"{language[:1].upper()}{language[1:]} source"


def _about(article: Article, message: str, several: bool) -> str:
    # In a story of several sources a badge names the source it is about.
    if not several:
        return message
    if message.startswith("not translated"):
        return f"{source_label(article)} {message}"
    return f"{source_label(article)}: {message}"


def _flags(members: list[Article], story: Story) -> list[dict[str, str]]:
    flags: list[dict[str, str]] = []
    several = len(members) > 1
    for member in members:
        flags.extend(
            {"kind": f.kind, "text": _about(member, plain(f.message), several)} for f in member.flags
        )
        shown = {f.kind for f in member.flags}  # the repair stage already summarised these kinds as flags
        for flag in member.repair.flags if member.repair else ():
            if flag.get("kind") not in shown:
                message = f"check against source: {plain(str(flag.get('message', '')))}"
                flags.append({"kind": "check-source", "text": _about(member, message, several)})
    if story.summary:
        flags.extend({"kind": f.kind, "text": plain(f.message)} for f in story.summary.flags)
    repairs = sum(len(m.repair.changes) for m in members if m.repair)
    if repairs:
        text = f"{repairs} machine-translation repair{'s' if repairs != 1 else ''}"
        flags.append({"kind": "repairs", "text": text})
    unique = {(f["kind"], f["text"]): f for f in flags}
    return list(unique.values())


def day_label(date: str) -> str:
    """An ISO date as `23 Nov 2026`."""
    day = dt.date.fromisoformat(date)
    return f"{day.day} {day:%b %Y}"


def track_view(story: Story) -> dict[str, Any] | None:
    """Where the story is in its track (new, developing day N), what is new today, earlier digests, rising."""
    track = story.track
    if track is None:
        return None
    if track.status == "new":
        label = "New"
    else:
        label = f"Developing — day {track.day} (first reported {day_label(track.first_seen)})"
    new = []
    if track.status != "new":
        if track.new_sources:
            new.append(("New sources", ", ".join(plain(s) for s in track.new_sources)))
        if track.new_languages:
            new.append(("New languages", ", ".join(language_name(lang) for lang in track.new_languages)))
        if track.new_anchors:
            new.append(("New names and numbers", ", ".join(plain(a) for a in track.new_anchors)))
    earlier = [
        {
            "date": date,
            "label": day_label(date),
            # Digests live in `<out>/<date>/`: the page links them relative to its own folder.
            "href": f"../{date}/page.html"
            + (f"#story-{track.previous}" if date == track.previous_date else ""),
        }
        for date in track.dates
    ]
    rising = story.rising
    return {
        "id": track.id,
        "status": track.status,
        "label": label,
        "day": track.day,
        "first_seen": day_label(track.first_seen),
        "new": [{"label": k, "text": v} for k, v in new],
        "earlier": earlier,
        "rising": plain(rising.reason.removeprefix("rising: ")) if rising else "",
    }


def source_view(article: Article) -> dict[str, Any]:
    """One source of a story: its outlet, the repaired English headline and the original beneath it."""
    original = plain(article.title)
    english = plain(article.english_title) or original
    return {
        "outlet": outlet_name(article),
        "lang": article.lang,
        "language": language_name(article.lang),
        "link": safe_link(article.url),
        "published": published_label(article.published),
        "headline": english,
        "title": original if original != english else "",
        "translated": article.translation is not None,
    }


def story_view(story: Story, articles: dict[str, Article]) -> dict[str, Any]:
    """What a template needs to show one story; every article string made plain text."""
    members = [articles[i] for i in story.article_ids]
    summary = story.summary
    method = summary.method if summary else "none"
    model = Path(summary.model).name if summary and summary.model and method != "extractive-fallback" else ""
    return {
        "id": story.id,
        "headline": plain(story.headline),
        "summary": plain(summary.text) if summary else "",
        "method": method,
        "method_label": METHODS.get(method, method).format(chunks=summary.chunks if summary else 0),
        "model": model,
        "flags": _flags(members, story),
        "track": track_view(story),
        "sources": [source_view(m) for m in members],
    }


def footer_text(stories: list[Story], members: list[Article], degradation: Degradation | None = None) -> str:
    """What the machine actually did in this digest: translated from which languages, summarised how."""
    translated = sorted({language_name(a.lang) for a in members if a.translation is not None})
    untranslated = sorted(
        {language_name(a.lang) for a in members if a.translation is None and a.lang not in ("en", "und")}
    )
    methods = Counter(s.summary.method if s.summary else "none" for s in stories)
    parts = []
    if translated:
        parts.append(f"Machine-translated from {', '.join(translated)}.")
    if untranslated:
        parts.append(f"Left untranslated: {', '.join(untranslated)}.")
    model = methods["single"] + methods["chunked"]
    extractive = methods["extractive-fallback"]
    if model and not extractive:
        parts.append("Summaries written by a model.")
    elif model:
        parts.append(f"{model} summaries written by a model, {extractive} by taking the lead sentences.")
    elif extractive:
        parts.append("Summaries are the lead sentences of a source, not a model's.")
    if degradation is not None and degradation.degraded:
        parts.append("Some models were unavailable: the note at the top says which, and how to get them.")
    return " ".join(parts)


def digest_context(
    stories: list[Story],
    articles: dict[str, Article],
    date: str,
    rejected: int,
    title: str,
    *,
    collapse_unchanged: bool = True,
    missing: Degradation | None = None,
) -> dict[str, Any]:
    """The whole digest's template context; unchanged developing stories go under "Still developing" at the
    end; its counts are those of the manifest (duplicates aside). `missing` is what the whole run lacked
    (else it is read from these stories' records).
    """
    duplicates = {dup for s in stories for dup in s.duplicates}
    ids = dict.fromkeys(i for s in stories for i in s.article_ids if i in articles and i not in duplicates)
    members = [articles[i] for i in ids]
    langs = Counter(a.lang for a in members)
    day = dt.date.fromisoformat(date)
    degraded = missing if missing is not None else degradation(articles, stories)
    unchanged = [s for s in stories if collapse_unchanged and s.track and s.track.status == "unchanged"]
    collapsed = {s.id for s in unchanged}
    full = [s for s in stories if s.id not in collapsed]
    return {
        "title": plain(title),
        "date": date,
        "date_label": f"{day:%A} {day.day} {day:%B %Y}",
        "stories": [{**story_view(s, articles), "number": n} for n, s in enumerate(full, 1)],
        "still_developing": [
            {"id": s.id, "headline": plain(s.headline), "track": track_view(s), "sources": len(s.article_ids)}
            for s in unchanged
        ],
        "counts": {
            "stories": len(stories),
            "articles": len(members),
            "languages": len([lang for lang in langs if lang != "und"]),
            "rejected": rejected,
            "duplicates": len(duplicates & set(articles)),
        },
        "languages": [language_name(lang) for lang in sorted(langs) if lang != "und"],
        "more_stories": [],  # the stories past the top ones, listed compactly on the page
        "degraded": degraded.degraded,
        "banner": degraded.banner(language_name),
        "advice": ADVICE,
        "footer": footer_text(stories, members, degraded),
    }


def template_files(template: str, allowed: list[str], templates_dir: Path) -> dict[str, str]:
    """Output file name -> template file of an allow-listed template; never a path outside templates_dir."""
    if template not in allowed or not _NAME.fullmatch(template):
        raise UnknownTemplate(f"template {template!r} is not allowed (allowed: {', '.join(allowed)})")
    root = templates_dir.resolve()
    files = {}
    for output, suffix in FORMATS.items():
        name = f"{template}.{suffix}"
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise UnknownTemplate(f"template {template!r} resolves outside the templates folder")
        if not path.is_file():
            raise UnknownTemplate(f"template {template!r} has no {name}")
        files[output] = name
    return files


def _environment(templates_dir: Path):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        # Every template but plain text is HTML and escapes whatever it prints.
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def inline_css(markup: str) -> str:
    """CSS moved into style attributes for mail clients; a `<style data-css-inline="keep">` stays as it is."""
    import css_inline

    return css_inline.CSSInliner(load_remote_stylesheets=False).inline(markup)


def render_digest(
    context: dict[str, Any],
    template: str = "digest",
    allowed: list[str] | None = None,
    templates_dir: Path | None = None,
) -> dict[str, str]:
    """Every format of an allow-listed template, keyed by output file name (`digest.html`, `digest.txt`, `page.html`)."""
    templates_dir = templates_dir or TEMPLATES_DIR
    files = template_files(template, allowed if allowed is not None else ["digest"], templates_dir)
    env = _environment(templates_dir)
    parts = {output: env.get_template(name).render(**context) for output, name in files.items()}
    parts["digest.html"] = inline_css(parts["digest.html"])
    return parts
