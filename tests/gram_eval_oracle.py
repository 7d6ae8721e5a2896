"""GRAM's evaluation, re-implemented from docs/predictions.md for the tests' truth.

Nothing here is shared with gramfix. ``rel_results`` follows GRAM's
``src/utils/evaluate.py`` as the page describes it: a user's predictions sorted by score
with Python's ``sorted(..., reverse=True)`` (descending, stable), relevance by string
equality; ``hit@k`` is 1 when one of the first k is relevant, ``ndcg@k`` sums
``rel / math.log(position + 2, 2)`` over them; reported figures are means over users.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

KS = (1, 5, 10)
ROW_METRICS = ("hit@5", "hit@10", "ndcg@5", "ndcg@10")  # GRAM's four row columns


def rel_results(predictions: Sequence[object], gold: object, scores: Sequence[float]) -> list[int]:
    """One user's relevance list in GRAM's ranking."""
    pairs = list(zip(predictions, scores, strict=True))
    ranked = sorted(pairs, key=lambda pair: pair[1], reverse=True)
    return [1 if prediction == gold else 0 for prediction, _ in ranked]


def item_rel_results(
    items: Sequence[int | None], gold: int | None, scores: Sequence[float]
) -> list[int]:
    """The same ranking, relevant where the prediction names the gold's item (``None``:
    no single item, never relevant)."""
    pairs = list(zip(items, scores, strict=True))
    ranked = sorted(pairs, key=lambda pair: pair[1], reverse=True)
    return [1 if gold is not None and item == gold else 0 for item, _ in ranked]


def metric(relevance: Sequence[int], name: str) -> float:
    """``hit@k`` or ``ndcg@k`` of one relevance list, as GRAM computes it."""
    kind, k = name.split("@")
    top = list(relevance[: int(k)])
    if kind == "hit":
        return 1.0 if sum(top) > 0 else 0.0
    total = 0.0
    for position, rel in enumerate(top):
        total += rel / math.log(position + 2, 2)
    return total


def means(relevances: Sequence[Sequence[int]]) -> dict[str, float]:
    """Mean ``hit@k`` and ``ndcg@k`` for k in 1, 5, 10 over users."""
    names = [f"{kind}@{k}" for kind in ("hit", "ndcg") for k in KS]
    return {name: sum(metric(r, name) for r in relevances) / len(relevances) for name in names}


def row_values(relevance: Sequence[int]) -> list[float]:
    """The four values GRAM writes on a row (batch of one)."""
    return [metric(relevance, name) for name in ROW_METRICS]
