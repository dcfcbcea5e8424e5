"""Stories: group articles about the same event across languages, mark republished copies, rank the digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import math
import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Any

from tasks.article import Article, Story, stable_id
from tasks.config import StoriesConfig

# A number as written in any of the seed languages: 2,500 / 2 500 / 2.500 / 2500 / 3,5 / 3.5.
NUMBER = re.compile(
    r"(?<![\w.,])\d{1,3}(?:([ \u00a0\u202f.,])\d{3})(?:\1\d{3})*(?:[.,]\d+)?(?!\d)|(?<!\w)\d+(?:[.,]\d+)?"
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?:^|[.!?:…]['\"”’»)]*|\n)\s*['\"“‘«(]*$")
# Anchor weight added to the smaller article's in the overlap, in typical anchors (see anchor_overlap).
PRIOR_ANCHORS = 2.0
# English text has over 95% of its words among the 30,000 most common; other languages and noise under 50%.
ENGLISH_SHARE = 0.8
# A wire dateline ("CAGLIARI, Italy, Nov 23 (CPW) -"): the agency's own copy, which republishers drop.
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,}(?:,[^\n]{0,40})?\s[-–—]\s")


def fold(text: str) -> str:
    """Lower case without accents (`Bagdad` = `bagdad`, `Júcar` = `jucar`); other scripts kept as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def canonical_number(raw: str) -> str:
    """One spelling per value: `2,500`, `2 500` and `2.500` give `2500`; `3,5` and `3.5` give `3.5`."""
    text = raw.replace("\u00a0", " ").replace("\u202f", " ")
    grouped = re.fullmatch(r"(\d{1,3})((?:([ .,])\d{3})(?:\3\d{3})*)([.,]\d+)?", text)
    if grouped and (grouped.group(4) is None or grouped.group(4)[0] != grouped.group(3)):
        integer = re.sub(r"\D", "", grouped.group(1) + grouped.group(2))
        fraction = grouped.group(4)[1:] if grouped.group(4) else ""
    else:
        integer, _, fraction = text.replace(",", ".").partition(".")
    integer = integer.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{integer}.{fraction}" if fraction else integer


def numbers_in(text: str) -> list[str]:
    """The canonical numbers of a text, in order."""
    return [canonical_number(m.group()) for m in NUMBER.finditer(text)]


def names_in(text: str) -> list[str]:
    """Folded capitalised words that look like names: used mid-sentence somewhere, never written in lower case."""
    lower = {fold(m.group()) for m in _WORD.finditer(text) if m.group()[0].islower()}
    seen: dict[str, bool] = {}  # folded name -> used mid-sentence at least once
    order: list[str] = []
    for match in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", match.group())
        if not word[0].isupper():
            continue
        initial = bool(_SENTENCE_END.search(text[max(0, match.start() - 6) : match.start()]))
        acronym = len(word) > 1 and word.replace("-", "").isupper()
        parts = [word] + [p for p in word.split("-") if p[:1].isupper() and p != word]
        for part in parts:
            key = fold(part)
            if key in lower or len(key) < 2:
                continue
            seen[key] = seen.get(key, False) or not initial or acronym
            order.append(key)
    return [key for key in order if seen[key]]


def name_key(name: str) -> str:
    """A spelling-tolerant key of a folded name: Baghdad/Bagdad, Katyusha/Katjuscha, Swarzędz/Swarzędzem share it."""
    # The first five letters of the consonant skeleton after merging common transliteration variants.
    key = re.sub(r"(.)\1+", r"\1", name)
    for variant, common in (
        ("gh", "g"),
        ("sch", "sh"),
        ("ch", "sh"),
        ("ph", "f"),
        ("q", "k"),
        ("c", "k"),
        ("w", "v"),
    ):
        key = key.replace(variant, common)
    return (key[0] + re.sub(r"[aeiouyjh]", "", key[1:]))[:5]


def anchors_of(text: str) -> list[str]:
    """Evidence that survives translation: name keys and canonical numbers (marked with `#`)."""
    return [name_key(n) for n in names_in(text)] + [f"#{n}" for n in numbers_in(text)]


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


def dated_at(article: Article) -> dt.datetime | None:
    """The publication time, else when an undated input was received (for ranking, not for grouping)."""
    return published_at(article) or published_at(dataclasses.replace(article, published=article.received))


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


def evidence_text(article: Article) -> str:
    """Original title and body, plus the translation when it reads as English (never a broken model's nonsense)."""
    text = f"{article.title}\n{article.body}"
    if article.translation is not None and reads_as_english(article.translation.body):
        text += f"\n{article.english_title}\n{article.english_body}"
    return text


def anchor_overlap(anchor_lists: list[list[str]]) -> Any:
    """Pairwise IDF²-weighted overlap of distinct anchors: the weight two articles share over the smaller one's."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(anchor_lists)
    if not any(anchor_lists):
        return np.zeros((n, n))
    vectorizer = TfidfVectorizer(analyzer=lambda anchors: anchors, binary=True, norm=None, lowercase=False)
    weights = vectorizer.fit_transform(anchor_lists).power(2)
    present = (weights > 0).astype(float)
    shared = (present @ weights.T).toarray()
    mass = np.asarray(weights.sum(axis=1)).ravel()
    # A prior of two typical anchors keeps an article with few anchors (Arabic has no capitals) from matching
    # anything on one shared number.
    overlap = shared / (np.minimum.outer(mass, mass) + PRIOR_ANCHORS * weights.data.mean())
    return (overlap + overlap.T) / 2


def similarity(articles: list[Article], config: StoriesConfig) -> Any:
    """Pairwise similarity: anchor overlap, halved for every `time_half_life_hours` between publication times."""
    import numpy as np

    combined = anchor_overlap([anchors_of(evidence_text(a)) for a in articles])
    hours = np.array([t.timestamp() / 3600 if (t := published_at(a)) else np.nan for a in articles])
    apart = np.abs(hours[:, None] - hours[None, :])
    combined *= np.where(np.isnan(apart), 1.0, 0.5 ** (apart / config.time_half_life_hours))
    np.fill_diagonal(combined, 1.0)
    return combined


def _normalised(text: str) -> str:
    return NUMBER.sub(lambda m: f" {canonical_number(m.group())} ", fold(text))


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of the folded text (numbers canonical): the unit of near-duplicate detection."""
    words = re.findall(r"\w+", _normalised(text))
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def containment(first: set, second: set) -> float:
    """Share of the smaller set found in the other (a copy with or without added chrome scores high)."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def originality(article: Article) -> tuple:
    """Sort key of the original among copies: a wire dateline first, then the earliest publication, then id."""
    when = published_at(article)
    return (
        _DATELINE.match(article.body) is None,
        when is None,
        when or dt.datetime.max.replace(tzinfo=dt.UTC),
        article.id,
    )


def find_duplicates(articles: list[Article], threshold: float) -> dict[str, str]:
    """`{copy id: original id}` for near-identical texts (word 3-gram containment at or above `threshold`)."""
    sets = [shingles(f"{a.title}\n{a.body}") for a in articles]
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(articles)):
        for j in range(i + 1, len(articles)):
            if containment(sets[i], sets[j]) >= threshold:
                parent[root(j)] = root(i)
    groups: dict[int, list[Article]] = {}
    for i, article in enumerate(articles):
        groups.setdefault(root(i), []).append(article)
    copies: dict[str, str] = {}
    for members in groups.values():
        original = min(members, key=originality)
        copies.update({m.id: original.id for m in members if m.id != original.id})
    return copies


def cluster(combined: Any, threshold: float) -> list[list[int]]:
    """Average-linkage groups: every merge keeps the mean similarity between the two groups at or above `threshold`."""
    n = combined.shape[0]
    if n < 2:
        return [[i] for i in range(n)]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - (combined + combined.T) / 2
    distance = distance.clip(min=0.0)
    distance[range(n), range(n)] = 0.0
    labels = fcluster(linkage(squareform(distance, checks=False), "average"), 1.0 - threshold, "distance")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values())


def best_source_key(article: Article) -> tuple:
    """Sort key of a story's members: English text first (written in English before translated), longest first."""
    return (not has_english(article), article.translation is not None, -len(article.english_body), article.id)


def topic_hits(articles: list[Article], topics: dict[str, list[str]]) -> list[str]:
    """The configured topics or regions a story mentions (any keyword, whole word, any case or accent)."""
    words = set()
    for article in articles:
        words |= set(re.findall(r"\w+", fold(evidence_text(article))))
    hits = []
    for topic, keywords in topics.items():
        if any(set(re.findall(r"\w+", fold(k))) <= words for k in keywords if k.strip()):
            hits.append(topic)
    return hits


def rank(stories: list[Story], articles: dict[str, Article], config: StoriesConfig) -> list[Story]:
    """Stories ordered for the digest by sources, recency and configured topics; `rank_score` says why."""
    times = [t for a in articles.values() if (t := dated_at(a))]
    newest = max(times) if times else None
    ranked = []
    for story in stories:
        members = [articles[i] for i in story.article_ids]
        latest = max((t for m in members if (t := dated_at(m))), default=None)
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


def _shared_evidence(members: list[Article], limit: int = 8) -> str:
    """The names and numbers found in more than one member, most widespread first, spelled as written."""
    spellings: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for article in members:
        text = evidence_text(article)
        found = {name_key(n): n for n in names_in(text)} | {f"#{n}": n for n in numbers_in(text)}
        for key, shown in found.items():
            spellings.setdefault(key, set()).add(shown)
        counts.update(found.keys())
    shared = sorted((k for k, n in counts.items() if n > 1), key=lambda k: (-counts[k], k))
    return ", ".join("/".join(sorted(spellings[k])) for k in shared[:limit]) or "none"


def _reason(members: list[int], sim: Any, articles: list[Article], score: float) -> str:
    if len(members) == 1:
        i = members[0]
        nearest = max((sim[i, j] for j in range(len(articles)) if j != i), default=0.0)
        return f"single source (closest other article {nearest:.2f})"
    group = [articles[i] for i in members]
    langs = ", ".join(dict.fromkeys(a.lang for a in group))
    return (
        f"{len(members)} articles ({langs}) at mean similarity {score:.2f}; "
        f"shared names and numbers: {_shared_evidence(group)}"
    )


def build_stories(articles: list[Article], config: StoriesConfig | None = None) -> list[Story]:
    """Stories of the articles, ranked: republished copies folded into their original, the rest grouped by event."""
    config = config or StoriesConfig()
    ordered = sorted(articles, key=lambda a: a.id)
    copies = find_duplicates(ordered, config.duplicate_threshold)
    originals = [a for a in ordered if a.id not in copies]
    if not originals:
        return []
    sim = similarity(originals, config)
    stories = []
    for members in cluster(sim, config.threshold):
        pairs = [(i, j) for i in members for j in members if i < j]
        score = float(sum(sim[i, j] for i, j in pairs) / len(pairs)) if pairs else 1.0
        group = sorted((originals[i] for i in members), key=best_source_key)
        ids = tuple(a.id for a in group)
        stories.append(
            Story(
                id=stable_id(*sorted(ids)),
                article_ids=ids,
                headline=group[0].english_title,
                score=round(score, 4),
                duplicates={c: o for c, o in sorted(copies.items()) if o in ids},
                reason=_reason(members, sim, originals, score),
            )
        )
    return rank(stories, {a.id: a for a in ordered}, config)
