"""GRAM's ranking metrics, one user at a time, and how far a written figure may honestly be
from them.

GRAM's ``evaluate.rel_results`` sorts a user's ``generate_num`` predictions by beam score
(Python's ``sorted(..., reverse=True)``: descending and stable, so equal scores keep the
beam order) and marks position ``j`` relevant when ``prediction == gold`` as strings.
``hit@k`` is 1 when one of the first ``k`` is relevant; ``ndcg@k`` adds
``rel_j / math.log(j + 2, 2)`` over them (one gold, so the ideal DCG is 1; a gold
predicted twice counts twice). The reported figures are means over users. The audit
(`gramfix.engine.audit`) computes the same on whole blocks of rows at once.

Tolerances. A row's four values are the ``str`` of numpy float64 values GRAM computed
with the same formula, so a faithful file agrees to the last bit; `ROW_TOLERANCE` (1e-9)
only absorbs another log implementation (``math.log2`` differs from ``math.log(x, 2)`` by
an ulp), while two different achievable values of ``ndcg@10`` differ by at least 8.5e-5
(`smallest_ndcg_gap`; a test pins both). A trailing total printed by torch is rounded to
torch's print precision (4 decimals, or 4 in the mantissa in scientific notation):
half a unit of its last printed digit is the most it can honestly differ by. A plain
Python float is printed exactly, so it gets `ROW_TOLERANCE` (a mean over a million rows
summed in another order moves by about 1e-10).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from gramfix.engine.prediction_rows import ReportedTotal

#: The cut-offs of the recomputed metrics (``hit@1`` ... ``ndcg@10``).
K_VALUES = (1, 5, 10)
#: GRAM's default number of predictions per user.
DEFAULT_GENERATE_NUM = 10
ROW_TOLERANCE = 1e-9
#: A trailing total's name that the rows can recompute.
METRIC_NAME = re.compile(r"(hit|ndcg)@([1-9][0-9]*)", re.IGNORECASE)


def gram_order(scores: Sequence[float]) -> list[int]:
    """Positions of ``scores`` in GRAM's ranking: by score, descending, stable."""
    return sorted(range(len(scores)), key=scores.__getitem__, reverse=True)


def ndcg_at(relevance: Sequence[int], k: int) -> float:
    """GRAM's ``ndcg@k`` of one ranked relevance list (its very summation order)."""
    total = 0.0
    for position, rel in enumerate(relevance[:k]):
        total += rel / math.log(position + 2, 2)
    return total


def discounts(generate_num: int) -> list[float]:
    """GRAM's discount of each ranked position: ``math.log(j + 2, 2)``."""
    return [math.log(j + 2, 2) for j in range(generate_num)]


def smallest_ndcg_gap(k: int) -> float:
    """The smallest difference between two distinct achievable ``ndcg@k`` values (every
    subset of the k positions can be relevant, with repeated golds): the margin that
    `ROW_TOLERANCE` must stay far below."""
    values = sorted(
        {ndcg_at([1 if (mask >> j) & 1 else 0 for j in range(k)], k) for mask in range(1 << k)}
    )
    return min(b - a for a, b in itertools.pairwise(values))


def total_tolerance(total: ReportedTotal) -> float:
    """How far a trailing total may honestly be from the exact mean (module docstring)."""
    if not total.torch:
        return ROW_TOLERANCE
    mantissa, _, exponent = total.text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if decimals == 0:  # torch prints integral values as "1.": exact
        return ROW_TOLERANCE
    try:
        power = int(exponent) if exponent else 0
    except ValueError:
        power = 0
    return 0.5 * 10.0 ** (power - decimals) + ROW_TOLERANCE
