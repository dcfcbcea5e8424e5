"""Batches bounded by a token budget: sentences sorted by length, so little of a batch is padding."""

from __future__ import annotations


def plan_batches(lengths: list[int], token_budget: int) -> list[list[int]]:
    """Indices of `lengths` in batches, longest first, each batch's count × longest within the budget.

    A sentence longer than the budget makes a batch of its own. Longest first: when batches run in
    parallel, the slowest start first and the pool drains evenly.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and (len(batches[-1]) + 1) * lengths[batches[-1][0]] <= token_budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
