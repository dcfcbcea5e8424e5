"""Plain text from HTML fragments and feed values: entities decoded, tags, scripts, styles and comments gone."""

from __future__ import annotations

import html
import re

# Control characters lxml refuses (invisible anyway), and lone surrogates, which JSON `\ud800` escapes give
# and UTF-8 cannot encode.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# What is left after one pass when a value was escaped twice (`&lt;b&gt;`, `&amp;#x2019;`).
_MARKUP_LEFT = re.compile(r"<[A-Za-z!/?]|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Elements whose content is never text. (Not svg or iframe: left unclosed in a title, they would swallow it.)
_NOT_TEXT = "//script|//style|//noscript|//template|//head"
_BLOCKS = "//p|//div|//li|//h1|//h2|//h3|//h4|//h5|//h6|//blockquote|//tr|//dd|//dt|//pre|//section|//article"


def clean(text: str) -> str:
    """Text without the control characters XML refuses, lone surrogates replaced."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def normalise_ws(text: str) -> str:
    """Paragraphs separated by one blank line, whitespace inside each collapsed."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "\n\n".join(p for p in paragraphs if p)


def _one_pass(markup: str) -> str:
    import lxml.html

    if "<" not in markup:
        return normalise_ws(html.unescape(markup))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # lxml raises several unrelated types on junk markup
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", " ", markup)
        return normalise_ws(html.unescape(text))
    for bad in root.xpath(_NOT_TEXT):
        bad.drop_tree()
    for br in root.xpath("//br"):
        br.tail = "\n\n" + (br.tail or "")
    for block in root.xpath(_BLOCKS):
        block.tail = "\n\n" + (block.tail or "")
    # Comments and processing instructions are not text nodes, so text_content() leaves them out.
    return normalise_ws(root.text_content())


def looks_like_markup(text: str) -> bool:
    """Whether a value holds tags or character references (so it needs reading as HTML)."""
    return bool(_MARKUP_LEFT.search(text))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element; a twice-escaped value is read twice."""
    text = _one_pass(clean(markup))
    if _MARKUP_LEFT.search(text):
        text = _one_pass(text)
    return clean(text)


def inline_text(markup: str | None) -> str:
    """One line of plain text from a title-like value (markup and entities resolved)."""
    return " ".join(html_to_text(markup or "").split())
