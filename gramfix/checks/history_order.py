"""Histories sorted by item ID: the chronological order of the sequences lost.

A history must be oldest first: leave-one-out tests on the last item. When a pipeline
loses the timestamps (a set, a sort, a groupby) every history comes out in ascending ID
order. Real data has some sorted histories by chance and through same-day ties broken
by ID (Beauty: 13% of users, Toys: 18%), so the finding needs most users sorted.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

import gramfix._native as native
from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec
from gramfix.engine.itemorder import id_ranks
from gramfix.model.report import Finding
from gramfix.model.rules import Input

SORTED_SHARE = 0.5  # the finding needs at least this share of the users with 3+ items
MIN_ITEMS = 3  # shorter histories are sorted too often by chance to count
USERS_PER_CHUNK = 1 << 17


def check_history_order(data: Dataset) -> CheckResult:
    """The share of histories sorted by item ID."""
    assert data.sequences is not None
    s = data.sequences
    file = data.name("sequences")
    findings = []
    unsorted_all = None
    if native.AVAILABLE:  # neighbours compared by their sort keys: no sort at all
        from gramfix._native.scan import unsorted_by_id

        keys, digits_only = s.items.sort_keys() or (None, False)
        unsorted_all = unsorted_by_id(s.codes, s.lengths, s.items.names, keys, digits_only)
    ranks = id_ranks(s.items.names) if unsorted_all is None else None
    starts = np.cumsum(s.lengths) - s.lengths
    considered = sorted_users = 0
    first_lines: list[int] = []
    for u0 in range(0, len(s.lengths), USERS_PER_CHUNK):
        lengths = s.lengths[u0 : u0 + USERS_PER_CHUNK]
        offset, total = int(starts[u0]), int(lengths.sum())
        if unsorted_all is not None:
            unsorted = unsorted_all[u0 : u0 + USERS_PER_CHUNK]
        else:
            assert ranks is not None
            unsorted = _unsorted(s.codes[offset : offset + total], lengths, ranks)
        long_enough = lengths >= MIN_ITEMS
        sorted_here = np.flatnonzero(long_enough & ~unsorted)
        considered += int(long_enough.sum())
        sorted_users += len(sorted_here)
        if len(first_lines) < 5:
            first_lines += s.user_lines[u0 + sorted_here[:5]].tolist()
    chance = _chance(s.lengths[s.lengths >= MIN_ITEMS])
    if (
        considered
        and sorted_users / considered >= SORTED_SHARE
        and _unlikely(sorted_users, chance * considered)
    ):
        findings.append(
            Finding.of(
                "GF510",
                f"{sorted_users:,} of {considered:,} users with {MIN_ITEMS}+ items "
                f"({sorted_users / considered:.1%}) have their items in ascending ID order "
                f"(about {chance:.1%} by chance): the histories were probably sorted, so "
                "their chronological order is lost",
                sorted_users,
                [f"line {n}" for n in first_lines[:5]],
                file=file,
                line=first_lines[0] if first_lines else None,
            )
        )
    return CheckResult(findings)


def _unsorted(
    codes: npt.NDArray[np.int32], lengths: npt.NDArray[np.int64], ranks: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each user's items (``codes``, user after user) fall in ID rank somewhere."""
    if native.AVAILABLE:  # one pass over the codes, no per-interaction arrays
        from gramfix._native.scan import unsorted_users

        return unsorted_users(codes, lengths, ranks)
    rank = ranks[codes]
    total = len(codes)
    user = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(total) - (np.cumsum(lengths) - lengths)[user]
    inside = (position < lengths[user] - 1)[:-1]  # pairs (p, p + 1) of one user
    falls = np.flatnonzero(inside & (rank[1:] < rank[:-1]))
    unsorted = np.zeros(len(lengths), np.bool_)
    unsorted[user[falls]] = True
    return unsorted


def _chance(lengths: npt.NDArray[np.int64]) -> float:
    """Expected share of sorted histories when items come in random order (1 / n!)."""
    if len(lengths) == 0:
        return 0.0
    per_length = np.bincount(lengths)  # np.unique's values and counts, without a sort
    values = np.flatnonzero(per_length)
    counts = per_length[values]
    # exp(-lgamma(n + 1)) = 1 / n!, without building n! (histories of millions of items)
    total = sum(
        c * math.exp(-math.lgamma(v + 1))
        for v, c in zip(values.tolist(), counts.tolist(), strict=True)
    )
    return float(total / len(lengths))


def _unlikely(observed: int, expected: float) -> bool:
    """Whether ``observed`` sorted histories are far too many to be chance: the Chernoff
    bound P(X >= k) <= exp(-m) (e m / k)^k for a sum of independent trials with mean m
    is below 1e-6 (two of two short histories sorted is chance; five of five is not)."""
    if observed <= expected:
        return False
    if expected <= 0:
        return True
    log_bound = -expected + observed * (1 + math.log(expected) - math.log(observed))
    return log_bound < math.log(1e-6)


CHECK = CheckSpec(
    "history-order", ("GF510",), frozenset({Input.SEQUENCES}), check_history_order, lines=True
)
