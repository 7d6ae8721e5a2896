"""Coverage: which items and interactions of the sequences the mapping resolves, by split."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.analysis import Analysis
from gramfix.report import Counts, Coverage, CoverageView, Finding, MissingItem

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
TOP = 10


def _view(counts: dict[str, I64], resolved: Bools) -> CoverageView:
    def one(split: str) -> Counts:
        c = counts[split]
        needed = c > 0
        return Counts(
            items=int(needed.sum()),
            items_resolved=int((needed & resolved).sum()),
            interactions=int(c.sum()),
            interactions_resolved=int(c[resolved].sum()),
        )

    return CoverageView(all=one("all"), train=one("train"), valid=one("valid"), test=one("test"))


def _top_missing(a: Analysis, total: I64, resolved: Bools) -> list[MissingItem]:
    assert a.sequences is not None
    missing = np.flatnonzero(~resolved & (total > 0))
    # Most interactions first; ties in order of first appearance in the file.
    order = missing[np.lexsort((missing, -total[missing]))][:TOP]
    names = a.sequences.items.names
    return [MissingItem(id=names[i], interactions=int(total[i])) for i in order.tolist()]


def check_coverage(a: Analysis) -> tuple[Coverage, list[Finding]]:
    """Coverage as written and after the safe fixes, with the items still missing."""
    counts = a.tables.counts
    written, normalised = a.resolved_as_written, a.resolved_normalised
    ka = a.key_analysis
    coverage = Coverage(
        as_written=_view(counts, written),
        normalised=_view(counts, normalised),
        top_missing=_top_missing(a, counts["all"], written),
        top_missing_normalised=_top_missing(a, counts["all"], normalised),
        unused_keys=int((ka.target < 0).sum()),
    )
    file = a.name("sequences")
    findings = []
    w, n = coverage.as_written.all, coverage.normalised.all
    missing = w.items - w.items_resolved
    if missing:
        still = n.items - n.items_resolved
        after = (
            "all of them resolve after the safe key fixes (gramfix repair)"
            if still == 0
            else f"{still:,} stay missing after every safe fix (GF302)"
        )
        findings.append(
            Finding.of(
                "GF301",
                f"{missing:,} of {w.items:,} sequence items "
                f"({w.interactions - w.interactions_resolved:,} of {w.interactions:,} "
                f"interactions) do not resolve to a row as written; {after}",
                missing,
                [f"{m.id} ({m.interactions:,} interactions)" for m in coverage.top_missing],
                file=file,
            )
        )
    still = n.items - n.items_resolved
    if still:
        findings.append(
            Finding.of(
                "GF302",
                f"{still:,} sequence items ({n.interactions - n.interactions_resolved:,} "
                "interactions) have no usable key even after every safe fix; "
                "a missing row needs a trained embedding",
                still,
                [
                    f"{m.id} ({m.interactions:,} interactions)"
                    for m in coverage.top_missing_normalised
                ],
                file=file,
            )
        )
    return coverage, findings
