"""Grouping: a sparse graph of articles sharing rare anchors, cut by average linkage."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Anchor weight added to the smaller article's in the overlap, in typical anchors (see similarity).
PRIOR_ANCHORS = 2.0


@dataclass(frozen=True)
class AnchorIndex:
    """Each anchor's weight (IDF²) and which anchors are too common to link articles."""

    weights: dict[str, float]
    ignored: frozenset[str]


def index_anchors(anchor_lists: list[list[str]], max_articles: int) -> AnchorIndex:
    """IDF² weights of the anchors (as scikit-learn's smoothed IDF); anchors in more than `max_articles`
    articles (a year, a small number, the name of the day's biggest story) are ignored."""
    n = len(anchor_lists)
    df = Counter(a for anchors in anchor_lists for a in set(anchors))
    weights = {a: (math.log((1 + n) / (1 + d)) + 1) ** 2 for a, d in df.items() if d <= max_articles}
    return AnchorIndex(weights, frozenset(a for a, d in df.items() if d > max_articles))


def anchor_similarity(anchor_lists: list[list[str]], index: AnchorIndex) -> sparse.csr_matrix:
    """Pairwise IDF²-weighted overlap of distinct anchors for the pairs that share one: the weight two articles
    share over the smaller one's, plus a prior. Only pairs sharing an anchor are computed (an inverted index
    as a sparse product), so memory grows with the candidate pairs, never with n²."""
    n = len(anchor_lists)
    vocabulary: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for row, anchors in enumerate(anchor_lists):
        for anchor in dict.fromkeys(anchors):
            if anchor in index.weights:
                rows.append(row)
                cols.append(vocabulary.setdefault(anchor, len(vocabulary)))
                vals.append(index.weights[anchor])
    if not vals:
        return sparse.csr_matrix((n, n))
    weights = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocabulary)))
    mass = np.asarray(weights.sum(axis=1)).ravel()
    # A prior of two typical anchors keeps an article with few anchors (Arabic has no capitals) from matching
    # anything on one shared number.
    prior = PRIOR_ANCHORS * float(np.mean(vals))
    shared = sparse.triu((weights > 0).astype(np.float64) @ weights.T, k=1).tocoo()
    overlap = shared.data / (np.minimum(mass[shared.row], mass[shared.col]) + prior)
    return sparse.csr_matrix((overlap, (shared.row, shared.col)), shape=(n, n))


def decay_in_time(
    sim: sparse.csr_matrix, hours: np.ndarray, half_life: float, window: float
) -> sparse.csr_matrix:
    """Similarity halved for every `half_life` hours between two publication times, dropped beyond `window`
    (a missing time costs nothing); returned symmetric."""
    pairs = sim.tocoo()
    apart = np.abs(hours[pairs.row] - hours[pairs.col])
    known = ~np.isnan(apart)
    factor = np.ones_like(pairs.data)
    factor[known] = 0.5 ** (apart[known] / half_life)
    keep = ~(known & (apart > window)) & (pairs.data * factor > 0)
    upper = sparse.coo_matrix(
        (pairs.data[keep] * factor[keep], (pairs.row[keep], pairs.col[keep])), shape=sim.shape
    )
    return (upper + upper.T).tocsr()


def cluster(sim: sparse.spmatrix | np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage groups on a sparse similarity graph (an absent pair counts as 0): every merge keeps the
    mean similarity between the two groups at or above `threshold`. The same groups as SciPy's average
    linkage cut at `1 - threshold`, in time and memory that grow with the pairs, not with n²."""
    n = sim.shape[0]
    upper = sparse.triu(sparse.csr_matrix(sim), k=1).tocoo()
    links: list[dict[int, float]] = [{} for _ in range(n)]  # cluster -> {neighbour: summed similarity}
    for i, j, s in zip(upper.row.tolist(), upper.col.tolist(), upper.data.tolist(), strict=True):
        if s > 0:
            links[i][j] = links[i].get(j, 0.0) + s
            links[j][i] = links[j].get(i, 0.0) + s
    size = [1] * n
    members: list[list[int] | None] = [[i] for i in range(n)]
    heap = [(-s / 1.0, i, j) for i in range(n) for j, s in links[i].items() if i < j and s >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if members[a] is None or members[b] is None or b not in links[a]:
            continue
        mean = links[a][b] / (size[a] * size[b])
        if mean != -negative:  # stale: a group grew since; push its current mean
            if mean >= threshold:
                heapq.heappush(heap, (-mean, a, b))
            continue
        if len(links[a]) < len(links[b]):
            a, b = b, a  # merge the group with fewer neighbours into the other
        del links[a][b]
        del links[b][a]
        for k, s in links[b].items():
            links[a][k] = links[a].get(k, 0.0) + s
            del links[k][b]
            links[k][a] = links[a][k]
        links[b] = {}
        size[a] += size[b]
        members[a] += members[b]  # type: ignore[operator]
        members[b] = None
        for k, s in links[a].items():
            if (mean := s / (size[a] * size[k])) >= threshold:
                heapq.heappush(heap, (-mean, min(a, k), max(a, k)))
    return sorted(sorted(group) for group in members if group is not None)


def mean_similarity(sim: sparse.csr_matrix, group: list[int]) -> float:
    """Mean similarity over the pairs of a group (1.0 for a single article)."""
    if len(group) < 2:
        return 1.0
    block = sim[group][:, group]
    return float(block.sum() / 2 / (len(group) * (len(group) - 1) / 2))
