"""Mapping values: every value must be an int row index >= 1, one row per item."""

from __future__ import annotations

from collections import Counter

from gramfix.analysis import Analysis
from gramfix.keys import show
from gramfix.report import Finding, ValueStats


def check_values(a: Analysis) -> tuple[ValueStats, list[Finding]]:
    """Type, range, uniqueness and contiguity of the values."""
    keys, values = a.keys, a.values
    file = a.name("mapping")
    ints = [v for v in values if type(v) is int]
    non_int = [i for i, v in enumerate(values) if type(v) is not int]
    zero = [i for i, v in enumerate(values) if type(v) is int and v == 0]
    negative = [i for i, v in enumerate(values) if type(v) is int and v < 0]
    low, high = (min(ints), max(ints)) if ints else (None, None)
    counts = Counter(ints)
    stats = ValueStats(
        count=len(values),
        integers=len(ints),
        non_integers=len(non_int),
        zero=len(zero),
        negative=len(negative),
        min=low,
        max=high,
        distinct=len(counts),
        contiguous=not non_int and len(counts) == len(values) and low == 1 and high == len(values),
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
        if low == 0 and high == len(values) - 1 and len(counts) == len(values):
            hint = ": the values are exactly 0..N-1, a 0-based index used where rows start at 1"
        findings.append(
            Finding.of(
                "GF202",
                f"{len(zero):,} keys map to row 0, the padding row{hint}",
                len(zero),
                [example(i) for i in zero[:5]],
                file=file,
            )
        )
    if negative:
        findings.append(
            Finding.of(
                "GF203",
                f"{len(negative):,} keys map to a negative row",
                len(negative),
                [example(i) for i in negative[:5]],
                file=file,
            )
        )
    shared = {v: n for v, n in counts.items() if n > 1}
    if shared:
        sharing = sum(shared.values())
        rows = sorted(shared)[:5]
        findings.append(
            Finding.of(
                "GF204",
                f"{len(shared):,} rows are shared by {sharing:,} keys",
                len(shared),
                [f"row {r}: {shared[r]} keys" for r in rows],
                file=file,
            )
        )
    if ints and not non_int and low is not None and low >= 1 and not stats.contiguous:
        assert high is not None
        gaps = high - len(counts)
        findings.append(
            Finding.of(
                "GF205",
                f"values span {low:,}..{high:,} for {len(values):,} keys "
                f"({gaps:,} unused rows below the largest value)",
                max(gaps, 1),
                file=file,
            )
        )
    return stats, findings
