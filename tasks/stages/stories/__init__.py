"""Stories: group articles about the same event across languages and scripts, mark republished copies, rank."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tasks.article import Article, Story, stable_id
from tasks.config import StoriesConfig
from tasks.stages.stories.anchors import (
    anchors_of,
    fold,
    name_key,
    names_in,
    spelled_anchors,
)
from tasks.stages.stories.duplicates import containment, find_duplicates, originality, shingles
from tasks.stages.stories.evidence import (
    evidence_text,
    evidence_texts,
    has_english,
    published_at,
    reads_as_english,
)
from tasks.stages.stories.grouping import (
    AnchorIndex,
    anchor_similarity,
    cluster,
    decay_in_time,
    index_anchors,
    mean_similarity,
)
from tasks.stages.stories.numbers import NUMBER, canonical_number, numbers_in
from tasks.stages.stories.ranking import best_source_key, rank, topic_hits

__all__ = [
    "NUMBER",
    "anchors_of",
    "best_source_key",
    "build_stories",
    "canonical_number",
    "cluster",
    "containment",
    "evidence_text",
    "find_duplicates",
    "fold",
    "has_english",
    "name_key",
    "names_in",
    "numbers_in",
    "originality",
    "published_at",
    "rank",
    "reads_as_english",
    "shingles",
    "similarity",
    "topic_hits",
]

# Anchors recorded on a story, for linking it to the same story on other days.
STORY_ANCHORS = 24


def article_anchors(article: Article) -> dict[str, str]:
    """An article's anchors with a spelling each, from its original text and its English translation."""
    found: dict[str, str] = {}
    for text, lang in evidence_texts(article):
        for key, shown in spelled_anchors(text, lang).items():
            found.setdefault(key, shown)
    return found


def similarity(
    articles: list[Article],
    config: StoriesConfig,
    *,
    anchors: list[dict[str, str]] | None = None,
    index: AnchorIndex | None = None,
):
    """Sparse pairwise similarity: anchor overlap, halved for every `time_half_life_hours` between publication
    times, absent beyond `time_window_hours` or without a shared anchor (a symmetric SciPy CSR matrix)."""
    anchors = anchors if anchors is not None else [article_anchors(a) for a in articles]
    lists = [list(found) for found in anchors]
    index = index or index_anchors(lists, config.anchor_max_articles)
    hours = np.array([t.timestamp() / 3600 if (t := published_at(a)) else np.nan for a in articles])
    return decay_in_time(
        anchor_similarity(lists, index), hours, config.time_half_life_hours, config.time_window_hours
    )


def _shared_evidence(
    anchors: list[dict[str, str]], index: AnchorIndex, limit: int = 8
) -> tuple[str, list[str]]:
    """The names and numbers found in more than one member, most widespread first, spelled as written; and
    the story's anchor keys, most widespread and rarest first."""
    counts: Counter[str] = Counter(key for found in anchors for key in found)
    spellings: dict[str, set[str]] = {}
    for found in anchors:
        for key, shown in found.items():
            spellings.setdefault(key, set()).add(shown)
    ordered = sorted(
        (k for k in counts if k not in index.ignored), key=lambda k: (-counts[k], -index.weights.get(k, 0), k)
    )
    shared = sorted((k for k in counts if counts[k] > 1), key=lambda k: (-counts[k], k))
    shown = ", ".join("/".join(sorted(spellings[k])) for k in shared[:limit]) or "none"
    return shown, ordered[:STORY_ANCHORS]


def build_stories(articles: list[Article], config: StoriesConfig | None = None) -> list[Story]:
    """Stories of the articles, ranked: republished copies folded into their original, the rest grouped by event."""
    config = config or StoriesConfig()
    ordered = sorted(articles, key=lambda a: a.id)
    copies = find_duplicates(ordered, config.duplicate_threshold)
    originals = [a for a in ordered if a.id not in copies]
    if not originals:
        return []
    anchors = [article_anchors(a) for a in originals]
    index = index_anchors([list(found) for found in anchors], config.anchor_max_articles)
    sim = similarity(originals, config, anchors=anchors, index=index)
    nearest = sim.max(axis=1).toarray().ravel() if sim.nnz else np.zeros(len(originals))
    copies_of: dict[str, dict[str, str]] = {}
    for copy, original in sorted(copies.items()):
        copies_of.setdefault(original, {})[copy] = original
    stories = []
    for members in cluster(sim, config.threshold):
        score = mean_similarity(sim, members)
        group = sorted((originals[i] for i in members), key=best_source_key)
        ids = tuple(a.id for a in group)
        shown, story_anchors = _shared_evidence([anchors[i] for i in members], index)
        if len(members) == 1:
            reason = f"single source (closest other article {nearest[members[0]]:.2f})"
        else:
            langs = ", ".join(dict.fromkeys(a.lang for a in group))
            reason = (
                f"{len(members)} articles ({langs}) at mean similarity {score:.2f}; "
                f"shared names and numbers: {shown}"
            )
        stories.append(
            Story(
                id=stable_id(*sorted(ids)),
                article_ids=ids,
                headline=group[0].english_title,
                score=round(score, 4),
                duplicates={c: o for i in ids for c, o in copies_of.get(i, {}).items()},
                reason=reason,
                anchors=tuple(story_anchors),
            )
        )
    return rank(stories, {a.id: a for a in ordered}, config)
