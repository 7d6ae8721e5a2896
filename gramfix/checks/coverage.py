"""Coverage: which items and interactions of the sequences the mapping resolves, by split."""

from __future__ import annotations

from array import array

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec
from gramfix.model.report import Finding
from gramfix.model.rules import Input
from gramfix.model.sections import Counts, Coverage, CoverageView, MissingItem, Unresolved
from gramfix.model.wording import count

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


def _missing(total: I64, resolved: Bools) -> I64:
    """The items that occur and do not resolve: most interactions first, ties in order of
    first appearance in the file."""
    missing = np.flatnonzero(~resolved & (total > 0))
    return missing[np.lexsort((missing, -total[missing]))]


def _top_missing(data: Dataset, total: I64, order: I64) -> list[MissingItem]:
    assert data.sequences is not None
    names = data.sequences.items.names
    return [MissingItem(id=names[i], interactions=int(total[i])) for i in order[:TOP].tolist()]


def _unresolved(data: Dataset, counts: dict[str, I64], order: I64) -> Unresolved:
    """Every missing item (``order``), for `Report.missing_items_frame`: the IDs, the
    interactions and the splits it occurs in, without a Python object per number."""
    assert data.sequences is not None
    names = data.sequences.items.names
    splits = np.zeros(len(order), np.uint8)
    for split, bit in Unresolved.SPLITS:
        splits[counts[split][order] > 0] |= bit
    return Unresolved(
        items=[names[i] for i in order.tolist()],
        interactions=array("q", counts["all"][order].astype(np.int64).tobytes()),
        splits=splits.tobytes(),
    )


def check_coverage(data: Dataset) -> CheckResult:
    """Coverage as written and after the safe fixes, with the items still missing."""
    counts = data.tables.counts
    written, normalised = data.resolved_as_written, data.resolved_normalised
    ka = data.key_analysis
    absent, left = _missing(counts["all"], written), _missing(counts["all"], normalised)
    coverage = Coverage(
        as_written=_view(counts, written),
        normalised=_view(counts, normalised),
        top_missing=_top_missing(data, counts["all"], absent),
        top_missing_normalised=_top_missing(data, counts["all"], left),
        unused_keys=int((ka.target < 0).sum()),
    ).keeping(_unresolved(data, counts, absent))
    file = data.name("sequences")
    findings = []
    w, n = coverage.as_written.all, coverage.normalised.all
    missing = w.items - w.items_resolved
    if missing:
        still = n.items - n.items_resolved
        after = (
            "all of them resolve after the safe key fixes (gramfix repair)"
            if still == 0
            else f"{count(still, 'stays', 'stay')} missing after every safe fix (GF302)"
        )
        findings.append(
            Finding.of(
                "GF301",
                f"{missing:,} of {count(w.items, 'sequence item', 'sequence items')} "
                f"({w.interactions - w.interactions_resolved:,} of {w.interactions:,} "
                f"interactions) {'does' if missing == 1 else 'do'} not resolve to a row as "
                f"written; {after}",
                missing,
                [f"{m.id} ({m.interactions:,} interactions)" for m in coverage.top_missing],
                file=file,
            )
        )
    still = n.items - n.items_resolved
    if still:
        findings.append(
            _unrecoverable(data, coverage, still, n.interactions - n.interactions_resolved)
        )
    return CheckResult(findings, {"coverage": coverage})


def _unrecoverable(data: Dataset, coverage: Coverage, still: int, interactions: int) -> Finding:
    """GF302, telling items whose keys disagree on the row (a choice gramfix will not
    make, GF107) from items no key leads to (a row that does not exist)."""
    assert data.sequences is not None
    ka = data.key_analysis
    missing = ~data.resolved_normalised & (data.tables.counts["all"] > 0)
    contested = np.zeros(len(missing), np.bool_)
    contested[ka.target[ka.conflict]] = True
    contested &= missing
    n_contested = int(contested.sum())
    message = (
        f"{count(still, 'sequence item', 'sequence items')} ({interactions:,} interactions) "
        f"{'has' if still == 1 else 'have'} no usable key"
    )
    if n_contested == still:
        message += (
            f" because the keys that lead to {'it' if still == 1 else 'them'} give different "
            "rows; gramfix will not "
            "choose between them (GF107)"
        )
    elif n_contested:
        message += (
            f" even after every safe fix: for {n_contested:,} the keys that lead to them give "
            "different rows, and gramfix will not choose between them (GF107); for the other "
            f"{still - n_contested:,} a missing row needs a trained embedding"
        )
    else:
        message += " even after every safe fix; a missing row needs a trained embedding"
    # The choices first: they are what the user can settle.
    examples = [_choice(data, item) for item in np.flatnonzero(contested)[:TOP].tolist()]
    examples += [
        f"{m.id} ({m.interactions:,} interactions)"
        for m in coverage.top_missing_normalised
        if not contested[data.sequences.items.lookup([m.id])[0]]
    ]
    return Finding.of("GF302", message, still, examples, file=data.name("sequences"))


def _choice(data: Dataset, item: int) -> str:
    """``B00X: two keys give rows 1 and 99999``: the rows the keys of ``item`` compete with."""
    assert data.sequences is not None
    ka = data.key_analysis
    keys = np.flatnonzero(ka.conflict & (ka.target == item)).tolist()
    rows = list(dict.fromkeys(repr(data.values[k]) for k in keys))
    count = _WORDS.get(len(keys), f"{len(keys):,}")
    shown = ", ".join(rows[:-1]) + f" and {rows[-1]}" if len(rows) > 1 else rows[0]
    return f"{data.sequences.items.names[item]}: {count} keys give rows {shown}"


_WORDS = {2: "two", 3: "three", 4: "four"}


CHECK = CheckSpec(
    "coverage", ("GF301", "GF302"), frozenset({Input.MAPPING, Input.SEQUENCES}), check_coverage
)
