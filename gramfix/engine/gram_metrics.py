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
(`smallest_ndcg_gap`; a test pins both). A trailing total is judged by the precision it
was printed with, whoever printed it: torch rounds to 4 decimals (or 4 in the mantissa in
scientific notation), a script may print ``hit@5: 0.0532`` or ``f"{value:.6f}"``, Python's
``repr`` prints every digit. A value printed with d decimals can honestly be anywhere
within half a unit of its d-th decimal of the exact mean, so that is its tolerance, plus
`ROW_TOLERANCE` (a mean over a million rows summed in another order moves by about
1e-10; a fully printed total thus gets about 1e-9, and an edit of 1e-6 still shows). An
integral value (``1.`` from torch, ``0`` from a script) is exact.
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
    """How far a trailing total may honestly be from the exact mean: half a unit of its
    last printed digit, plus `ROW_TOLERANCE` (module docstring). The same rule for a
    ``tensor(...)`` and a plain number."""
    mantissa, _, exponent = total.text.strip().lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    try:
        power = int(exponent) if exponent else 0
    except ValueError:  # not a number as printed: judged by the value alone
        return ROW_TOLERANCE
    if decimals == 0 and power >= 0:  # "1." (torch), "0" (a script): an integral value
        return ROW_TOLERANCE
    return 0.5 * 10.0 ** (power - decimals) + ROW_TOLERANCE


def total_agrees(total: ReportedTotal, recomputed: float) -> bool:
    """Whether a trailing total is the mean the rows give, to its printed precision."""
    return abs(total.value - recomputed) <= total_tolerance(total)
