"""Mapping values: every value must be an int row index >= 1, one row per item."""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.engine.keys import show
from gramfix.model.report import Finding
from gramfix.model.sections import ValueStats
from gramfix.model.wording import count


def _unique_counts(
    array: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`np.unique(array, return_counts=True)`; by counting when the values are row
    numbers (0..a few times their number: a linear pass, not a sort)."""
    if len(array) and array.min() >= 0 and array.max() < 4 * len(array) + 1024:
        counts = np.bincount(array)
        distinct = np.flatnonzero(counts)
        return distinct.astype(np.int64), counts[distinct].astype(np.int64)
    distinct, repeats = np.unique(array, return_counts=True)
    return distinct, repeats


def check_values(data: Dataset) -> tuple[ValueStats, list[Finding]]:
    """Type, range, uniqueness and contiguity of the values."""
    keys, values = data.keys, data.values
    file = data.name("mapping")
    array = data.value_array
    if array is not None:  # the usual case, vectorised: 10^7 values in well under a second
        non_int: list[int] = []
        too_big: list[int] = []
        zero = np.flatnonzero(array == 0).tolist()
        negative = np.flatnonzero(array < 0).tolist()
        distinct, repeats = _unique_counts(array)
        counts = dict(
            zip(distinct[repeats > 1].tolist(), repeats[repeats > 1].tolist(), strict=True)
        )
        n_distinct = len(distinct)
        low, high = (int(array.min()), int(array.max())) if len(array) else (None, None)
    else:
        ints = [v for v in values if type(v) is int]
        non_int = [i for i, v in enumerate(values) if type(v) is not int]
        zero = [i for i, v in enumerate(values) if type(v) is int and v == 0]
        negative = [i for i, v in enumerate(values) if type(v) is int and v < 0]
        too_big = [i for i, v in enumerate(values) if type(v) is int and v > _LONG_MAX]
        every = Counter(ints)
        counts = {v: c for v, c in every.items() if c > 1}
        n_distinct = len(every)
        low, high = (min(ints), max(ints)) if ints else (None, None)
    stats = ValueStats(
        count=len(values),
        integers=len(values) - len(non_int),
        non_integers=len(non_int),
        zero=len(zero),
        negative=len(negative),
        min=low,
        max=high,
        distinct=n_distinct,
        contiguous=not non_int and n_distinct == len(values) and low == 1 and high == len(values),
    )
    findings: list[Finding] = []

    def example(i: int) -> str:
        return f"{show(keys[i], 60)}: {values[i]!r}"

    if non_int:
        kinds = sorted({type(values[i]).__name__ for i in non_int})
        findings.append(
            Finding.of(
                "GF201",
                f"{len(non_int):,} of {len(values):,} values are not integers ({', '.join(kinds)})",
                len(non_int),
                [example(i) for i in non_int[:5]],
                file=file,
            )
        )
    if zero:
        hint = ""
        if low == 0 and high == len(values) - 1 and n_distinct == len(values):
            hint = ": the values are exactly 0..N-1, a 0-based index used where rows start at 1"
        findings.append(
            Finding.of(
                "GF202",
                f"{count(len(zero), 'key maps', 'keys map')} to row 0, the padding row{hint}",
                len(zero),
                [example(i) for i in zero[:5]],
                file=file,
            )
        )
    if too_big:
        findings.append(
            Finding.of(
                "GF206",
                f"{count(len(too_big), 'key maps', 'keys map')} to rows of 2**63 or more, "
                "which torch.long cannot hold",
                len(too_big),
                [example(i) for i in too_big[:5]],
                file=file,
            )
        )
    if negative:
        findings.append(
            Finding.of(
                "GF203",
                f"{count(len(negative), 'key maps', 'keys map')} to a negative row",
                len(negative),
                [example(i) for i in negative[:5]],
                file=file,
            )
        )
    shared = counts
    if shared:
        sharing = sum(shared.values())
        rows = sorted(shared)[:5]
        findings.append(
            Finding.of(
                "GF204",
                f"{count(len(shared), 'row is', 'rows are')} shared by {sharing:,} keys",
                len(shared),
                [f"row {r}: {shared[r]} keys" for r in rows],
                file=file,
            )
        )
    unique = n_distinct == len(values)
    if not non_int and unique and low is not None and low >= 1 and not stats.contiguous:
        assert high is not None
        findings.append(
            Finding.of(
                "GF205",
                f"values span {low:,}..{high:,} for {len(values):,} keys: "
                f"{count(high - len(values), 'row', 'rows')} up to the largest value "
                f"{'is' if high - len(values) == 1 else 'are'} never used",
                high - len(values),
                file=file,
            )
        )
    return stats, findings


_LONG_MAX = 2**63 - 1
