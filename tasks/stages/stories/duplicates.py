"""Republished copies: MinHash LSH over word 3-grams finds candidates, exact containment confirms them."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np

from tasks.article import Article
from tasks.stages.stories.anchors import fold
from tasks.stages.stories.evidence import published_at
from tasks.stages.stories.numbers import NUMBER, canonical_number

# A wire dateline ("CAGLIARI, Italy, Nov 23 (CPW) -"): the agency's own copy, which republishers drop.
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,}(?:,[^\n]{0,40})?\s[-–—]\s")
NUM_PERM = 128
# LSH finds pairs above this Jaccard similarity (most of the time); a copy at 80% containment inside a page
# with up to twice its text of chrome still has Jaccard 0.36.
CANDIDATE_JACCARD = 0.25


def _normalised(text: str) -> str:
    return NUMBER.sub(lambda m: f" {canonical_number(m.group())} ", fold(text))


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of the folded text (numbers canonical): the unit of near-duplicate detection."""
    words = re.findall(r"\w+", _normalised(text))
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def shingle_hashes(text: str) -> np.ndarray:
    """The sorted distinct 32-bit hashes of a text's word 3-grams (stable across processes)."""
    hashes = {zlib.crc32(" ".join(s).encode()) for s in shingles(text)}
    return np.fromiter(sorted(hashes), dtype=np.uint32, count=len(hashes))


def containment(first: set | np.ndarray, second: set | np.ndarray) -> float:
    """Share of the smaller set found in the other (a copy with or without added chrome scores high)."""
    if len(first) == 0 or len(second) == 0:
        return 0.0
    if isinstance(first, np.ndarray):
        shared = np.intersect1d(first, second, assume_unique=True).size
    else:
        shared = len(first & second)
    return shared / min(len(first), len(second))


def originality(article: Article) -> tuple:
    """Sort key of the original among copies: a wire dateline first, then the earliest publication, then id."""
    when = published_at(article)
    return (
        _DATELINE.match(article.body) is None,
        when is None,
        when or dt.datetime.max.replace(tzinfo=dt.UTC),
        article.id,
    )


def _identity(value: int) -> int:
    return int(value)


def candidate_pairs(hashes: list[np.ndarray]) -> set[tuple[int, int]]:
    """Pairs of texts whose MinHash signatures collide in an LSH band: likely above CANDIDATE_JACCARD."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=NUM_PERM)
    first = MinHash(num_perm=NUM_PERM, hashfunc=_identity)
    permutations, scheme = first.permutations, first.scheme  # drawn once, not per text
    signatures = []
    for index, values in enumerate(hashes):
        signature = MinHash(num_perm=NUM_PERM, hashfunc=_identity, permutations=permutations, scheme=scheme)
        signature.update_batch(values.tolist())
        signatures.append(signature)
        lsh.insert(index, signature, check_duplication=False)
    pairs = set()
    for index, signature in enumerate(signatures):
        pairs.update((min(index, j), max(index, j)) for j in lsh.query(signature) if j != index)
    return pairs


def find_duplicates(articles: list[Article], threshold: float) -> dict[str, str]:
    """`{copy id: original id}` for near-identical texts (word 3-gram containment at or above `threshold`)."""
    hashes = [shingle_hashes(f"{a.title}\n{a.body}") for a in articles]
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sorted(candidate_pairs(hashes)):
        if containment(hashes[i], hashes[j]) >= threshold:
            parent[root(j)] = root(i)
    groups: dict[int, list[Article]] = {}
    for i, article in enumerate(articles):
        groups.setdefault(root(i), []).append(article)
    copies: dict[str, str] = {}
    for members in groups.values():
        original = min(members, key=originality)
        copies.update({m.id: original.id for m in members if m.id != original.id})
    return copies
