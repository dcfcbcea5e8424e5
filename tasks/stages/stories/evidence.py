"""What an article offers as evidence of its event: its texts (original and a real English translation) and time."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from functools import cache

from tasks.article import Article

# English text has over 95% of its words among the 30,000 most common; other languages and noise under 50%.
ENGLISH_SHARE = 0.8


def published_at(article: Article) -> dt.datetime | None:
    """The publication time in UTC, from ISO 8601 or RFC 822 metadata (None when missing or unreadable)."""
    raw = (article.published or "").strip()
    if not raw:
        return None
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
    return when.replace(tzinfo=when.tzinfo or dt.UTC).astimezone(dt.UTC)


def has_english(article: Article) -> bool:
    """Whether the article's English fields hold English (written in English or translated)."""
    return article.translation is not None or article.lang == "en"


@cache
def _english_words() -> frozenset[str]:
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", 30000))


def reads_as_english(text: str) -> bool:
    """Whether most words of `text` are common English words: a real translation, not a broken model's output."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    return bool(words) and sum(w in _english_words() for w in words) >= ENGLISH_SHARE * len(words)


def evidence_texts(article: Article) -> list[tuple[str, str | None]]:
    """`(text, language)` to read anchors from: the original, plus the translation when it reads as English."""
    texts: list[tuple[str, str | None]] = [(f"{article.title}\n{article.body}", article.lang)]
    if article.translation is not None and reads_as_english(article.translation.body):
        texts.append((f"{article.english_title}\n{article.english_body}", "en"))
    return texts


def evidence_text(article: Article) -> str:
    """Original title and body, plus the translation when it reads as English (never a broken model's nonsense)."""
    return "\n".join(text for text, _ in evidence_texts(article))
